"""`mappings/namespaces.json`: which public names the installed torch and mindspore have.

Rules read it to tell a torch name that MindSpore 2.10 lacks (`ops.clamp_min`, `Tensor.detach`) from one it
has (`nn.Linear` exists in 2.10). The oracle test regenerates it from the installed packages and fails on a
stale file — and is shown to fail on a copy with one member removed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from msmigrate.mappings import load_mappings
from tools.introspect_namespaces import NAMESPACES, NAMESPACES_PATH
from tools.mapping_common import REPO_ROOT

frameworks_installed = all(importlib.util.find_spec(name) for name in ("torch", "mindspore"))


def test_every_namespace_is_recorded_with_sorted_public_names() -> None:
    data = json.loads(NAMESPACES_PATH.read_text(encoding="utf-8"))
    assert set(data["namespaces"]) == set(NAMESPACES)
    for name, record in data["namespaces"].items():
        members = record["members"]
        assert members == sorted(set(members)), name
        assert members and not any(member.startswith("_") for member in members), name


def test_recorded_versions_are_the_pinned_ones() -> None:
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        extras = tomllib.load(handle)["project"]["optional-dependencies"]["equiv"]
    pins = dict(re.fullmatch(r"(\w+)==([\w.]+)", pin).groups() for pin in extras if "==" in pin)  # type: ignore[union-attr]
    versions = json.loads(NAMESPACES_PATH.read_text(encoding="utf-8"))["versions"]
    assert {"torch": versions["torch"], "mindspore": versions["mindspore"]} == {
        "torch": pins["torch"],
        "mindspore": pins["mindspore"],
    }


@pytest.mark.parametrize(
    "dotted,present",
    [
        ("mindspore.nn.Dense", True),
        ("mindspore.nn.Linear", True),  # new in 2.x: the torch-style Linear
        ("mindspore.nn.Module", False),
        ("mindspore.ops.clamp_min", False),
        ("mindspore.mint.nn.Linear", True),
        ("mindspore.Tensor.permute", True),
        ("mindspore.Tensor.detach", False),
        ("mindspore.Tensor.cuda", False),
        ("mindspore.nn.Cell.name_cells", True),
        ("mindspore.nn.Cell.named_children", False),
        ("mindspore.nn.Cell.state_dict", True),  # torch-style state_dict exists in 2.10
        ("torch.Tensor.detach", True),
        ("torch.nn.Module.named_parameters", True),
        ("torch.not_a_name", False),
        ("mindspore.dataset.GeneratorDataset", None),  # namespace not recorded: unknown
    ],
)
def test_loader_answers_membership(dotted: str, present: bool | None) -> None:
    assert load_mappings().has_member(dotted) is present


@pytest.mark.oracle
@pytest.mark.skipif(not frameworks_installed and not os.environ.get("CI"), reason="torch and mindspore not installed")
def test_file_matches_the_installed_packages_and_a_stale_copy_is_caught(tmp_path: Path) -> None:
    data = json.loads(NAMESPACES_PATH.read_text(encoding="utf-8"))
    data["namespaces"]["mindspore.nn"]["members"].remove("Dense")
    stale = tmp_path / "namespaces.json"
    stale.write_text(json.dumps(data), encoding="utf-8")

    def check(*paths: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tools.introspect_namespaces", "--check", *map(str, paths)],
            cwd=tmp_path,  # MindSpore writes rank_0/ into the working directory
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            capture_output=True,
            text=True,
            timeout=300,
        )

    completed = check(NAMESPACES_PATH, stale)
    assert completed.returncode == 1, completed.stderr[-2000:]
    assert f"{stale} is out of date" in completed.stdout
    assert f"{NAMESPACES_PATH} is out of date" not in completed.stdout, "the committed file is stale"
