"""Language-server benchmarks over stdio: didOpen -> publishDiagnostics latency, and memory.

    python benchmarks/bench_lsp.py [--samples 20]

Latency: one server process; for each file size, `samples` documents are opened under fresh URIs
(after two unmeasured warm-up opens) and the time from writing `didOpen` to reading the matching
`publishDiagnostics` is recorded. Each document is closed again before the next one opens.

Memory: a second, fresh server opens 50 different ~1,000-line files, waits for all their
diagnostics, then VmRSS (and the peak, VmHWM) is read from /proc/<pid>/status.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

from bench_corpus import sized_text
from bench_report import Row, at_most, measured, median, percentile, render_table, unavailable
from lsp_stdio_client import ServerError, StdioLanguageClient, resident_memory_mb

SECTION = "lsp"
SIZES = (100, 1_000, 5_000)
LATENCY_TARGETS_MS = {1_000: 40.0, 5_000: 200.0}
RSS_TARGET_MB = 150.0
OPEN_FILES_FOR_RSS = 50
WARMUP_OPENS = 2
SERVER_COMMAND = (sys.executable, "-m", "msmigrate.lsp")


def server_missing_reason() -> str | None:
    try:
        spec = importlib.util.find_spec("msmigrate.lsp.__main__")
    except ImportError as error:  # msmigrate itself, or msmigrate.lsp, is not importable
        return f"server not available: {error}"
    if spec is None:
        return "server not available: msmigrate.lsp has no __main__ module yet"
    return None


def _start(workdir: Path, label: str) -> StdioLanguageClient:
    client = StdioLanguageClient(SERVER_COMMAND, workdir, workdir / f"server-{label}.stderr.log")
    client.initialize(workdir)
    return client


def _time_open(client: StdioLanguageClient, uri: str, text: str) -> tuple[float, int]:
    """Milliseconds from didOpen to its diagnostics, and how many diagnostics came back."""
    sent_at = client.open_document(uri, text)
    publication = client.wait_for_diagnostics(uri, sent_at)
    return (publication.received_at - sent_at) * 1000, len(publication.diagnostics)


def measure_latency(workdir: Path, samples: int) -> list[Row]:
    rows: list[Row] = []
    client = _start(workdir, "latency")
    try:
        for size in SIZES:
            text = sized_text("mindspore", size)
            lines = text.count("\n")
            timings: list[float] = []
            diagnostic_counts: set[int] = set()
            for index in range(WARMUP_OPENS + samples):
                uri = (workdir / f"latency_{size}_{index:03d}.py").as_uri()
                # A trailing comment makes every sample a distinct document, not just a distinct URI.
                elapsed_ms, count = _time_open(client, uri, f"{text}# sample {index}\n")
                client.close_document(uri)
                if index >= WARMUP_OPENS:
                    timings.append(elapsed_ms)
                    diagnostic_counts.add(count)
            target = LATENCY_TARGETS_MS.get(size)
            counts = "/".join(map(str, sorted(diagnostic_counts)))
            note = f"{lines:,} lines, n={samples}, {counts} diagnostics per file"
            rows.append(
                measured(
                    SECTION,
                    f"didOpen→diagnostics p50, {size:,} lines",
                    median(timings),
                    "ms",
                    _latency_target(size),
                    at_most(target) if target else None,
                    note,
                )
            )
            rows.append(measured(SECTION, f"didOpen→diagnostics p90, {size:,} lines", percentile(timings, 0.9), "ms"))
    finally:
        client.shutdown()
    return rows


def measure_memory(workdir: Path) -> list[Row]:
    client = _start(workdir, "memory")
    try:
        idle_rss, _ = resident_memory_mb(client.process.pid)
        total_lines = 0
        for index in range(OPEN_FILES_FOR_RSS):
            text = f"{sized_text('mindspore', 1_000, variant=index)}# file {index}\n"
            total_lines += text.count("\n")
            uri = (workdir / f"open_{index:03d}.py").as_uri()
            client.wait_for_diagnostics(uri, client.open_document(uri, text))
        rss, peak = resident_memory_mb(client.process.pid)
    finally:
        client.shutdown()
    return [
        measured(
            SECTION,
            f"server RSS after opening {OPEN_FILES_FOR_RSS} files",
            rss,
            "MB",
            f"<= {RSS_TARGET_MB:.0f} MB",
            at_most(RSS_TARGET_MB),
            f"{total_lines:,} lines open; peak {peak:.1f} MB; {idle_rss:.1f} MB after initialize",
        )
    ]


def _latency_placeholders(reason: str) -> list[Row]:
    return [
        unavailable(SECTION, f"didOpen→diagnostics p50, {size:,} lines", "ms", reason, _latency_target(size))
        for size in SIZES
    ]


def _memory_placeholders(reason: str) -> list[Row]:
    name = f"server RSS after opening {OPEN_FILES_FOR_RSS} files"
    return [unavailable(SECTION, name, "MB", reason, f"<= {RSS_TARGET_MB:.0f} MB")]


def _latency_target(size: int) -> str:
    target = LATENCY_TARGETS_MS.get(size)
    return f"<= {target:.0f} ms" if target else ""


def _failure_reason(error: Exception, workdir: Path) -> str:
    """The error, plus the last line the server wrote to stderr (usually the exception)."""
    reason = f"server failed: {error}"
    for log in sorted(workdir.glob("server-*.stderr.log"), key=lambda path: path.stat().st_mtime)[-1:]:
        lines = log.read_text(errors="replace").strip().splitlines()
        if lines:
            reason += f" (stderr: {lines[-1]})"
    return reason


def run(samples: int = 20) -> list[Row]:
    missing = server_missing_reason()
    if missing is not None:
        return _latency_placeholders(missing) + _memory_placeholders(missing)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="msmigrate-bench-lsp-") as temporary:
        workdir = Path(temporary)
        try:
            rows += measure_latency(workdir, samples)
        except (ServerError, OSError) as error:
            rows += _latency_placeholders(_failure_reason(error, workdir))
        try:
            rows += measure_memory(workdir)
        except (ServerError, OSError) as error:
            rows += _memory_placeholders(_failure_reason(error, workdir))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=20, help="measured opens per file size (default 20)")
    args = parser.parse_args()
    print(render_table(run(args.samples)))


if __name__ == "__main__":
    main()
