"""Command-line throughput: `msmigrate check` against TorchFix on the same directory of model code.

    python benchmarks/bench_cli.py [--files 200] [--repeats 3] [--torchfix-repeats 1]

Two directories are generated from `tests/workspaces/`: PyTorch models and their MindSpore ports,
`--files` whole modules each. Both tools run as a user runs them, in a fresh process, so the wall
time includes interpreter start-up and imports; the median of `--repeats` runs is kept. TorchFix
runs once by default: it takes over a minute on 200 files, which makes one run's noise negligible.

TorchFix 0.7.0 requires libcst<1.6 while msmigrate needs libcst>=1.9, so TorchFix gets its own
virtual environment, `benchmarks/.venv-torchfix`, made on first use and reused afterwards. When it
cannot be installed, its rows say why instead of failing the run. TorchFix lints PyTorch code only,
so the comparison uses the PyTorch directory; msmigrate is timed on both.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_corpus import Corpus, write_directory
from bench_report import BENCHMARKS, Row, at_least, measured, median, render_table, unavailable

SECTION = "cli"
TORCHFIX_VERSION = "0.7.0"
TORCHFIX_VENV = BENCHMARKS / ".venv-torchfix"
TORCHFIX = TORCHFIX_VENV / "bin" / "torchfix"
RATIO_TARGET = 10.0
INSTALL_TIMEOUT_S = 900
RUN_TIMEOUT_S = 900
_TORCHFIX_VIOLATION = re.compile(r":\d+:\d+: TOR\d+")
_MSMIGRATE_TEXT_PROBLEM = re.compile(r"^\S+:\d+:\d+: MS[A-Z]\d+ ", re.MULTILINE)


class ToolFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Timing:
    seconds: float
    findings: int


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


def torchfix_version() -> str | None:
    if not TORCHFIX.exists():
        return None
    try:
        completed = subprocess.run(
            [str(TORCHFIX), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = completed.stdout.strip() or completed.stderr.strip()
    return version if completed.returncode == 0 and version else None


def ensure_torchfix() -> str | None:
    """Makes the TorchFix environment if needed; returns why it is unusable, or None when it is ready."""
    if torchfix_version() == TORCHFIX_VERSION:
        return None
    print(f"installing torchfix=={TORCHFIX_VERSION} into {TORCHFIX_VENV} ...", file=sys.stderr, flush=True)
    steps = (
        [sys.executable, "-m", "venv", "--clear", str(TORCHFIX_VENV)],
        [str(TORCHFIX_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", f"torchfix=={TORCHFIX_VERSION}"],
    )
    for step in steps:
        try:
            completed = subprocess.run(step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"TorchFix not installed: {error}"
        if completed.returncode != 0:
            return f"TorchFix not installed: `{' '.join(step[-3:])}` failed: {_tail(completed.stderr)}"
    version = torchfix_version()
    if version != TORCHFIX_VERSION:
        return f"TorchFix not usable: `torchfix --version` gave {version!r}"
    return None


def median_run(command: list[str], repeats: int) -> tuple[float, str]:
    """Median wall seconds over `repeats` runs, and the last run's stdout.

    Exit code 1 means "problems found" for both tools, which is the expected outcome here.
    """
    timings: list[float] = []
    stdout = ""
    for _ in range(repeats):
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)
        timings.append(time.perf_counter() - started)
        if completed.returncode not in (0, 1):
            name = Path(command[0]).name
            raise ToolFailed(f"`{name} ...` exited {completed.returncode}: {_tail(completed.stderr)}")
        stdout = completed.stdout
    return median(timings), stdout


def time_msmigrate(corpus: Corpus, repeats: int, output_format: str = "json") -> Timing:
    command = [sys.executable, "-m", "msmigrate", "check", str(corpus.root), "--format", output_format]
    seconds, stdout = median_run(command, repeats)
    if output_format == "json":
        return Timing(seconds, len(json.loads(stdout or "[]")))
    return Timing(seconds, len(_MSMIGRATE_TEXT_PROBLEM.findall(stdout)))


def time_torchfix(corpus: Corpus, repeats: int) -> Timing:
    seconds, stdout = median_run([str(TORCHFIX), str(corpus.root)], repeats)
    return Timing(seconds, len(_TORCHFIX_VIOLATION.findall(stdout)))


def throughput_rows(tool: str, corpus_label: str, corpus: Corpus, timing: Timing) -> list[Row]:
    files = len(corpus.files)
    note = f"{files} files, {corpus.lines:,} lines in {timing.seconds:.2f} s; {timing.findings} findings"
    return [
        measured(SECTION, f"{tool} on {corpus_label}: files/s", files / timing.seconds, "files/s", note=note),
        measured(SECTION, f"{tool} on {corpus_label}: lines/s", corpus.lines / timing.seconds, "lines/s"),
    ]


def run(file_count: int = 200, repeats: int = 3, torchfix_repeats: int = 1, with_torchfix: bool = True) -> list[Row]:
    rows: list[Row] = []
    ratio_name = "msmigrate / TorchFix files/s, PyTorch files"
    ratio_target = f">= {RATIO_TARGET:.0f}x"
    with tempfile.TemporaryDirectory(prefix="msmigrate-bench-cli-") as temporary:
        root = Path(temporary)
        torch_corpus = write_directory(root / "pytorch_project", "torch", file_count)
        mindspore_corpus = write_directory(root / "mindspore_port", "mindspore", file_count)

        try:
            ours = time_msmigrate(torch_corpus, repeats)
            rows += throughput_rows("msmigrate check", "PyTorch files", torch_corpus, ours)
            ours_ms = time_msmigrate(mindspore_corpus, repeats)
            rows += throughput_rows("msmigrate check", "MindSpore ports", mindspore_corpus, ours_ms)
            # JSON carries each fix's edits, computed with libcst; the text report does not need them.
            ours_text = time_msmigrate(mindspore_corpus, repeats, "text")
            rows += throughput_rows("msmigrate check --format text", "MindSpore ports", mindspore_corpus, ours_text)
        except (ToolFailed, subprocess.TimeoutExpired, json.JSONDecodeError) as error:
            reason = f"msmigrate check failed: {error}"
            return [
                unavailable(SECTION, "msmigrate check: files/s", "files/s", reason),
                unavailable(SECTION, ratio_name, "x", reason, ratio_target),
            ]

        reason = ensure_torchfix() if with_torchfix else "TorchFix skipped (--skip-torchfix)"
        if reason is None:
            try:
                theirs = time_torchfix(torch_corpus, torchfix_repeats)
            except (ToolFailed, subprocess.TimeoutExpired) as error:
                reason = f"TorchFix failed: {error}"
        if reason is not None:
            rows.append(unavailable(SECTION, "TorchFix on PyTorch files: files/s", "files/s", reason))
            rows.append(unavailable(SECTION, ratio_name, "x", reason, ratio_target))
            return rows
        rows += throughput_rows(f"TorchFix {TORCHFIX_VERSION}", "PyTorch files", torch_corpus, theirs)
        ratio = theirs.seconds / ours.seconds
        rows.append(
            measured(SECTION, ratio_name, ratio, "x", ratio_target, at_least(RATIO_TARGET), "same files, same run")
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=200, help="generated files per framework (default 200)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per tool; the median is kept (default 3)")
    parser.add_argument("--torchfix-repeats", type=int, default=1, help="runs of TorchFix (default 1)")
    parser.add_argument("--skip-torchfix", action="store_true", help="do not install or run TorchFix")
    args = parser.parse_args()
    print(render_table(run(args.files, args.repeats, args.torchfix_repeats, not args.skip_torchfix)))


if __name__ == "__main__":
    main()
