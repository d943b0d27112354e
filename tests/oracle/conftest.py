"""Oracle tests run real MindSpore in a subprocess; they are skipped only when it is not installed."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

RUNNER = Path(__file__).parent / "ms_runner.py"
ORACLE_TIMEOUT_S = 600


def mindspore_installed() -> bool:
    return importlib.util.find_spec("mindspore") is not None


requires_mindspore = pytest.mark.skipif(
    not mindspore_installed() and not os.environ.get("CI"),
    reason="mindspore is not installed (pip install -e '.[equiv]')",
)


def run_oracle(fixture: Path, levels: str = "strict,lax") -> dict[str, Any]:
    """Run one fixture's examples through MindSpore; the verdicts and observations per example."""
    # MindSpore writes a `rank_0/` log folder into the working directory.
    return _run_runner([str(RUNNER), str(fixture), "--levels", levels], Path(tempfile.gettempdir()))


def run_cases(runner: Path, cases: list[dict[str, Any]]) -> Any:
    """Run a case-file runner (`runner cases.json`) in a temporary directory; what it reports."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "cases.json"
        path.write_text(json.dumps(cases), encoding="utf-8")
        return _run_runner([str(runner), str(path)], Path(directory))


def _run_runner(arguments: list[str], cwd: Path) -> Any:
    completed = subprocess.run(
        [sys.executable, *arguments],
        capture_output=True,
        text=True,
        timeout=ORACLE_TIMEOUT_S,
        cwd=cwd,
        env={**os.environ, "GLOG_v": "3", "PYTHONWARNINGS": "ignore"},
    )
    for line in completed.stdout.splitlines():
        if line.startswith("ORACLE-JSON "):
            return json.loads(line.removeprefix("ORACLE-JSON "))
    raise AssertionError(
        f"oracle runner failed (exit {completed.returncode}):\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    )
