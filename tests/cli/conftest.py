"""Helpers for the CLI tests: sample sources that trigger known rules, and two ways to run the CLI.

`run_cli` starts the real console entry point in a subprocess (`python -m msmigrate`); `cli` calls
`main()` in this process, which is faster and sees the same code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from msmigrate.cli.main import main

# `x.asnumpy()` in `construct` of an nn.Cell: MSG002 (a warning at LAX, an error at STRICT).
HOST_COPY_IN_CONSTRUCT = """\
import mindspore as ms
from mindspore import nn


class Net(nn.Cell):
    def construct(self, x):
        host = x.asnumpy()
        return x * 2
"""
HOST_COPY_LINE = 7
HOST_COPY_EXPRESSION = "x.asnumpy()"

# The same code with nothing to report.
CLEAN_CELL = """\
import mindspore as ms
from mindspore import nn


class Net(nn.Cell):
    def construct(self, x):
        return x * 2
"""


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def findings(self, code: str | None = None) -> list[dict[str, Any]]:
        return [item for item in self.json() if code is None or item["code"] == code]


def run_cli(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Run:
    environment = {name: value for name, value in os.environ.items() if name != "NO_COLOR"}
    environment.update(env or {})
    completed = subprocess.run(
        [sys.executable, "-m", "msmigrate", *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run `main()` in this process, in `tmp_path`; returns a Run."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str | Path) -> Run:
        code = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def notebook_json(cells: list[tuple[str, str]], language: str = "python") -> str:
    """An nbformat 4 notebook with the given (cell type, source) cells."""
    return json.dumps(
        {
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
                for kind, source in cells
            ],
            "metadata": {"language_info": {"name": language}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )
