"""The line that built each layer and its constructor arguments, recorded while real torch and MindSpore
models are built (`construction_runner.py`, in a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.equivalence.conftest import requires_frameworks

RUNNER = Path(__file__).with_name("construction_runner.py")
pytestmark = [pytest.mark.oracle, requires_frameworks]


def line_of(marker: str) -> int:
    for number, text in enumerate(RUNNER.read_text(encoding="utf-8").splitlines(), start=1):
        if marker in text:
            return number
    raise AssertionError(marker)


@pytest.fixture(scope="module")
def recorded() -> dict:
    completed = subprocess.run([sys.executable, str(RUNNER)], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout)


def test_a_layer_points_at_the_line_that_built_it(recorded):
    conv = recorded["torch"]["conv"]
    assert (conv["file"], conv["line"], conv["api"]) == (
        "construction_runner.py",
        line_of("# line: torch conv"),
        "torch.nn.Conv2d",
    )
    assert conv["arguments"]["padding"] == 1 and conv["arguments"]["kernel_size"] == 3


def test_a_layer_built_by_a_helper_points_at_the_helpers_line(recorded):
    norm = recorded["torch"]["norm"]
    assert norm["line"] == line_of("return torch_nn.BatchNorm2d(channels, eps=1e-3)")
    assert norm["api"] == "torch.nn.BatchNorm2d" and norm["arguments"]["eps"] == 0.001


def test_a_layer_the_framework_builds_inside_another_points_at_the_outer_layers_line(recorded):
    assert recorded["torch"]["attention.out_proj"]["line"] == line_of("# line: torch attention")
    assert recorded["torch"]["attention.out_proj"]["api"] == "torch.nn.Linear"


def test_a_deep_copied_layer_keeps_its_templates_line(recorded):
    assert recorded["torch"]["clones.1"]["line"] == line_of("# line: torch conv")


def test_a_subclass_of_a_framework_layer_is_configured_as_that_layer(recorded):
    conv = recorded["mindspore"]["conv"]
    assert (conv["line"], conv["api"]) == (line_of("# line: mindspore subclass"), "mindspore.nn.Conv2d")
    assert conv["arguments"]["pad_mode"] == "pad" and conv["arguments"]["padding"] == 1
    pool = recorded["mindspore"]["pool"]
    assert (pool["line"], pool["arguments"]["pad_mode"]) == (line_of("# line: mindspore pool"), "same")


def test_the_frameworks_constructors_are_restored(recorded):
    assert recorded["restored"] is True
