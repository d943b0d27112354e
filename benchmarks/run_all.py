"""Runs every msmigrate benchmark and prints one table, each target marked PASS or FAIL.

    python benchmarks/run_all.py            # the full run (about 5 minutes on 2 cores)
    python benchmarks/run_all.py --quick    # a smoke run: fewer samples, files and repeats

The table is also written as JSON to `benchmarks/results/<UTC time>.json` (not committed) unless
`--no-json` is given. Nothing here asserts: a missed target is a FAIL mark, not an exit code, so the
numbers are always printed in full.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import bench_analysis
import bench_cli
import bench_equivalence
import bench_lsp
import bench_migration_report
from bench_report import BENCHMARKS, REPO, Row, render_table, write_json


def _git_commit() -> str:
    try:
        completed = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return "unknown"
    return completed.stdout.strip() or "unknown"


def _context(arguments: argparse.Namespace, seconds: float) -> dict[str, object]:
    return {
        "commit": _git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        # Other work on the machine shows up in every number; the load says how much there was.
        "load_average": os.getloadavg(),
        "torchfix": bench_cli.torchfix_version(),
        "arguments": vars(arguments),
        "seconds": round(seconds, 1),
    }


def _summary(rows: list[Row]) -> str:
    judged = [row for row in rows if row.target]
    met = sum(row.passed is True for row in judged)
    missed = sum(row.passed is False for row in judged)
    unmeasured = sum(row.value is None for row in judged)
    return f"targets met: {met} of {len(judged)} ({missed} missed, {unmeasured} not measured)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=20, help="LSP opens per file size (default 20)")
    parser.add_argument("--files", type=int, default=200, help="files per framework for the CLI (default 200)")
    parser.add_argument("--repeats", type=int, default=3, help="msmigrate check runs per directory (default 3)")
    parser.add_argument("--torchfix-repeats", type=int, default=1, help="TorchFix runs (default 1)")
    parser.add_argument("--skip-torchfix", action="store_true", help="do not install or run TorchFix")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 samples, 40 files, 1 repeat")
    parser.add_argument("--json", type=Path, default=None, help="where to write the JSON results")
    parser.add_argument("--no-json", action="store_true", help="print the table only")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.samples, arguments.files, arguments.repeats = 5, 40, 1

    started = time.perf_counter()
    rows: list[Row] = []
    for label, measure in (
        ("language server", lambda: bench_lsp.run(arguments.samples)),
        ("analysis", lambda: bench_analysis.run(arguments.quick)),
        (
            "command line",
            lambda: bench_cli.run(
                arguments.files, arguments.repeats, arguments.torchfix_repeats, not arguments.skip_torchfix
            ),
        ),
        (
            "hovers and migration report",
            lambda: bench_migration_report.run(
                hovers=50 if arguments.quick else 200, files=40 if arguments.quick else arguments.files
            ),
        ),
        ("equivalence check", lambda: bench_equivalence.run(arguments.quick)),
    ):
        print(f"running {label} benchmarks ...", file=sys.stderr, flush=True)
        rows += measure()
    seconds = time.perf_counter() - started

    print(render_table(rows))
    print()
    print(_summary(rows))
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f} on {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    if not arguments.no_json:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        path = arguments.json or BENCHMARKS / "results" / f"{stamp}.json"
        write_json(rows, path, _context(arguments, seconds))
        print(f"results written to {path}")


if __name__ == "__main__":
    main()
