"""API hovers and the migration report: how fast they answer.

    python benchmarks/bench_migration_report.py [--hovers 200] [--files 200]

Hover latency: one `python -m msmigrate.lsp` process over stdio with a ~1,000-line PyTorch file open
(built by `bench_corpus.sized_text`). The time runs from writing `textDocument/hover` to reading its
answer, on the names of the file's torch API uses (evenly spread, `--hovers` of them). "Same version"
hovers reuse the syntax tree kept for the document's version; "after an edit" hovers come right
after a `didChange`, so they include parsing the new text. Jedi is not involved: every sampled name
resolves through the module's imports or a known tensor.

Report throughput: `collect_report` in this process over each folder of `tests/workspaces/` (median
of 5 runs), and `python -m msmigrate report DIR --format json` in a fresh process over `--files`
generated PyTorch files (wall time, including start-up).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_corpus import sized_text, write_directory
from bench_report import WORKSPACES, Row, at_most, measured, percentile, render_table
from lsp_stdio_client import StdioLanguageClient

SECTION = "api-hover+report"
SERVER_COMMAND = (sys.executable, "-m", "msmigrate.lsp")
HOVER_TARGET_MS = 50.0
EDITED_HOVERS = 20


def hover_positions(text: str, wanted: int) -> list[dict[str, int]]:
    """LSP positions (UTF-16) of `wanted` torch API names spread over the file."""
    from msmigrate.analysis.api_names import module_apis, parse_module

    tree = parse_module(text)
    assert tree is not None
    uses = [use for use in module_apis(tree, text).uses if use.torch_names]
    step = max(1, len(uses) // wanted)
    lines = text.splitlines()
    positions = []
    for use in uses[::step][:wanted]:
        line_text = lines[use.name_span.line - 1]
        character = len(line_text[: use.name_span.column].encode("utf-16-le")) // 2
        positions.append({"line": use.name_span.line - 1, "character": character})
    return positions


def _hover_ms(client: StdioLanguageClient, uri: str, position: dict[str, int]) -> tuple[float, bool]:
    started = time.perf_counter()
    answer = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": position})
    return (time.perf_counter() - started) * 1000, answer is not None


def measure_hovers(workdir: Path, samples: int) -> list[Row]:
    text = sized_text("torch", 1_000)
    lines = text.count("\n")
    positions = hover_positions(text, samples)
    client = StdioLanguageClient(SERVER_COMMAND, workdir, workdir / "server-hover.stderr.log")
    try:
        client.initialize(workdir)
        uri = (workdir / "hover_model.py").as_uri()
        client.wait_for_diagnostics(uri, client.open_document(uri, text))
        _hover_ms(client, uri, positions[0])  # the first hover reads the mapping index and a section
        same_version = []
        answered = 0
        for position in positions:
            elapsed, has_answer = _hover_ms(client, uri, position)
            same_version.append(elapsed)
            answered += has_answer
        after_edit = []
        for index in range(EDITED_HOVERS):
            client.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": index + 2},
                    "contentChanges": [{"text": f"{text}# edit {index}\n"}],
                },
            )
            elapsed, _ = _hover_ms(client, uri, positions[index * len(positions) // EDITED_HOVERS])
            after_edit.append(elapsed)
    finally:
        client.shutdown()
    note = f"{lines:,} lines, n={len(same_version)}, {answered} answered"
    target = f"p50 <= {HOVER_TARGET_MS:.0f} ms"
    return [
        measured(
            SECTION,
            "hover p50, 1,000 lines, same version",
            statistics.median(same_version),
            "ms",
            target,
            at_most(HOVER_TARGET_MS),
            note,
        ),
        measured(SECTION, "hover p95, 1,000 lines, same version", percentile(same_version, 0.95), "ms"),
        measured(
            SECTION,
            "hover p50, 1,000 lines, right after an edit",
            statistics.median(after_edit),
            "ms",
            target,
            at_most(HOVER_TARGET_MS),
            f"n={EDITED_HOVERS}: parses the new version",
        ),
        measured(SECTION, "hover p95, 1,000 lines, right after an edit", percentile(after_edit, 0.95), "ms"),
    ]


def measure_report_in_process() -> list[Row]:
    from msmigrate.report import collect_report

    rows = []
    for folder in ("pytorch_project", "mindspore_port"):
        project = WORKSPACES / folder
        collect_report([str(project)])  # loads the mapping sections once
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            report = collect_report([str(project)])
            timings.append(time.perf_counter() - started)
        seconds = statistics.median(timings)
        note = f"{report.files_scanned} files, {report.lines_scanned:,} lines, {report.total_uses} uses; median of 5"
        name = f"collect_report on {folder}"
        rows.append(measured(SECTION, f"{name}: files/s", report.files_scanned / seconds, "files/s", note=note))
        rows.append(measured(SECTION, f"{name}: lines/s", report.lines_scanned / seconds, "lines/s"))
    return rows


def measure_report_cli(workdir: Path, file_count: int) -> list[Row]:
    corpus = write_directory(workdir / "torch_files", "torch", file_count)
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "msmigrate", "report", str(corpus.root), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=workdir,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"msmigrate report failed: {completed.stderr.strip()[-300:]}")
    note = f"{len(corpus.files)} files, {corpus.lines:,} lines, {seconds:.2f} s wall incl. start-up"
    return [
        measured(SECTION, "msmigrate report --format json: files/s", len(corpus.files) / seconds, "files/s", note=note),
        measured(SECTION, "msmigrate report --format json: lines/s", corpus.lines / seconds, "lines/s"),
    ]


def run(hovers: int = 200, files: int = 200) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="msmigrate-bench-report-") as temporary:
        workdir = Path(temporary)
        rows += measure_hovers(workdir, hovers)
        rows += measure_report_in_process()
        rows += measure_report_cli(workdir, files)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hovers", type=int, default=200, help="hovers on the same version (default 200)")
    parser.add_argument("--files", type=int, default=200, help="generated files for the CLI run (default 200)")
    args = parser.parse_args()
    print(render_table(run(args.hovers, args.files)))


if __name__ == "__main__":
    main()
