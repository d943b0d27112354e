"""The pre-commit hook, run by the real `pre-commit` tool in a throwaway git repository.

The project (its current files, committed in a copy) is the hook repository that the user's
`.pre-commit-config.yaml` names, so pre-commit installs msmigrate from it into its own environment, as it
does for a user. A staged MindSpore file with a graph-mode problem and a notebook with one in a cell fail
the commit; once they are fixed the hook passes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.project_files import copy_project

pytestmark = pytest.mark.timeout(900)

PORTED = """import mindspore as ms
from mindspore import nn


class Net(nn.Cell):
    def construct(self, x):
        return ms.Tensor(x.asnumpy()) * 2
"""
NOTEBOOK_CELL = (
    "from mindspore import nn\n\n\nclass Head(nn.Cell):\n    def construct(self, x):\n        return x.asnumpy()\n"
)


def _git(directory: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *arguments],
        cwd=directory,
        check=True,
        capture_output=True,
    )


def _notebook(cell: str) -> str:
    return json.dumps(
        {
            "cells": [{"cell_type": "code", "metadata": {}, "source": cell.splitlines(keepends=True)}],
            "metadata": {"language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = copy_project(tmp_path_factory.mktemp("hook-repository"))
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "msmigrate as a pre-commit hook repository")
    revision = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, check=True, capture_output=True, text=True
    ).stdout.strip()
    return project, revision


def _pre_commit(user_repository: Path, home: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    environment.pop("PYTHONPATH", None)  # the hook runs from the environment pre-commit made for it
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *arguments],
        cwd=user_repository,
        env=environment,
        capture_output=True,
        text=True,
        timeout=800,
    )


def test_the_hook_fails_a_commit_with_a_port_problem_and_passes_once_it_is_fixed(
    hook_repository: tuple[Path, str], tmp_path: Path
) -> None:
    project, revision = hook_repository
    user = tmp_path / "user-project"
    user.mkdir()
    _git(user, "init", "-q")
    (user / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {project}\n    rev: {revision}\n    hooks:\n      - id: msmigrate\n"
    )
    (user / "net.py").write_text(PORTED)
    (user / "explore.ipynb").write_text(_notebook(NOTEBOOK_CELL))
    (user / "README.txt").write_text("x.asnumpy() in prose is not checked\n")
    _git(user, "add", "-A")

    failing = _pre_commit(user, tmp_path / "pre-commit-home", "run")
    output = failing.stdout + failing.stderr
    assert failing.returncode == 1, output
    assert "msmigrate (PyTorch -> MindSpore port check)" in output and "Failed" in output
    assert "net.py:7:26: MSG002" in output
    assert "explore.ipynb:cell 1:6:16: MSG002" in output
    assert "README.txt" not in output

    (user / "net.py").write_text(PORTED.replace("ms.Tensor(x.asnumpy()) * 2", "x * 2"))
    (user / "explore.ipynb").write_text(_notebook(NOTEBOOK_CELL.replace("x.asnumpy()", "x")))
    _git(user, "add", "-A")
    passing = _pre_commit(user, tmp_path / "pre-commit-home", "run")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
