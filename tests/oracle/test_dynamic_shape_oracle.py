"""The dynamic-shape examples and their fixes, compiled by real MindSpore 2.10 in GRAPH_MODE (CPU).

Each example is fed two inputs of one shape whose data differ, at STRICT and at LAX:

- an example claimed `dynamic` compiles and gives outputs of different shapes (or, with a `probe`,
  a local of different shapes); `static` gives one shape; `compile_error` does not compile;
- every example a fix was applied to compiles, gives one output shape for both inputs, and holds the
  original's values on the valid positions (see tests/dynamic_shape_examples.py for the comparisons);
- every example of the MindSpore migration guide gets a fix;
- the static-shape workspace model (tests/workspaces/static_shape_model/), which msmigrate leaves
  clean, is static indeed.

All files, original and fixed, run in one MindSpore subprocess (about a minute).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.dynamic_shape_examples import DynamicExample, apply_all_fixes, example_files, examples_in, read_examples
from tests.oracle.conftest import requires_mindspore

pytestmark = [pytest.mark.oracle, requires_mindspore]

RUNNER = Path(__file__).parent / "ms_dynamic_runner.py"
TIMEOUT_S = 900
TOLERANCE = 1e-5
GUIDE = "_migration_guide.py"
FILES = example_files()
# The fixes are applied while collecting (the engine is fast): which files have fixed examples.
FIXED = {path: apply_all_fixes(path.read_text(encoding="utf-8")) for path in FILES}
FIXED_FILES = [path for path, (_, names) in FIXED.items() if names]
WORKSPACE = Path(__file__).resolve().parents[1] / "workspaces" / "static_shape_model"
# Cells of the workspace model, built with its default configuration, as runner examples.
WORKSPACE_DRIVER = f"""
import sys

import numpy as np

sys.path.insert(0, {str(WORKSPACE)!r})
from model import Classifier, ClassifierConfig, MaskedLoss


class StaticClassifier(Classifier):
    \"\"\"shape: static\"\"\"

    oracle_input_shapes = [(2, 3, 16, 16)]

    def __init__(self):
        super().__init__(ClassifierConfig())


class StaticMaskedLoss(MaskedLoss):
    \"\"\"shape: static\"\"\"

    oracle_inputs = (
        (np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), np.array([0, -1, 2, 1], np.int32)),
        (np.linspace(1, -1, 12, dtype=np.float32).reshape(4, 3), np.array([-1, -1, -1, 2], np.int32)),
    )
"""


def _id(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Runner results of every original file and of every fixed one, and which examples were fixed."""
    work = tmp_path_factory.mktemp("dynamic_shape")
    driver = work / "static_workspace_model.py"
    driver.write_text(WORKSPACE_DRIVER, encoding="utf-8")
    runs: list[str] = [str(path) for path in FILES] + [str(driver)]
    fixed: dict[str, tuple[str, set[str]]] = {}
    for path in FIXED_FILES:
        text, names = FIXED[path]
        fixed_path = work / f"fixed{path.name}"
        fixed_path.write_text(text, encoding="utf-8")
        fixed[str(path)] = (str(fixed_path), names)
        runs.append(str(fixed_path))
    completed = subprocess.run(
        [sys.executable, str(RUNNER), *runs],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        cwd=work,  # MindSpore writes `rank_0/` and the probes' copies here
        env={**os.environ, "GLOG_v": "3", "PYTHONWARNINGS": "ignore"},
    )
    line = next((line for line in completed.stdout.splitlines() if line.startswith("DYNAMIC-JSON ")), None)
    failure = f"runner failed ({completed.returncode}):\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    assert line is not None, failure
    return {"results": json.loads(line.removeprefix("DYNAMIC-JSON ")), "fixed": fixed, "workspace": str(driver)}


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_examples_behave_as_claimed(measured: dict[str, Any], path: Path) -> None:
    results = measured["results"][str(path)]
    examples = read_examples(path)
    assert set(results) == {example.name for example in examples}
    wrong = []
    for example in examples:
        for level, observed in results[example.name]["levels"].items():
            outcome = _outcome(observed)
            if outcome != example.claim:
                wrong.append(f"{example.name} @ {level}: claimed {example.claim}, MindSpore: {outcome} {observed}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", FIXED_FILES, ids=_id)
def test_fixed_examples_are_static_and_keep_the_values(measured: dict[str, Any], path: Path) -> None:
    fixed_path, names = measured["fixed"][str(path)]
    original = measured["results"][str(path)]
    fixed = measured["results"][fixed_path]
    examples = {example.name: example for example in examples_in(Path(fixed_path).read_text(encoding="utf-8"))}
    wrong = []
    for name in sorted(names):
        for level, observed in fixed[name]["levels"].items():
            problem = _fixed_problem(examples[name], observed, original[name]["levels"][level])
            if problem:
                wrong.append(f"{name} @ {level}: {problem}")
    assert not wrong, "\n".join(wrong)


def test_every_migration_guide_example_is_fixed(measured: dict[str, Any]) -> None:
    guide = next(path for path in FILES if path.name == GUIDE)
    _, names = measured["fixed"][str(guide)]
    assert names == {example.name for example in read_examples(guide)}


def test_static_shape_workspace_model_is_static(measured: dict[str, Any]) -> None:
    results = measured["results"][measured["workspace"]]
    assert set(results) == {"StaticClassifier", "StaticMaskedLoss"}
    for name, entry in results.items():
        for level, observed in entry["levels"].items():
            assert _outcome(observed) == "static", f"{name} @ {level}: {observed}"


def _outcome(observed: dict[str, Any]) -> str:
    if "error" in observed:
        return "compile_error"
    shapes_a, shapes_b = observed["shapes"]
    probe = observed.get("probe")
    probe_differs = isinstance(probe, list) and probe[0] != probe[1]
    return "dynamic" if shapes_a != shapes_b or probe_differs else "static"


def _fixed_problem(example: DynamicExample, observed: dict[str, Any], original: dict[str, Any]) -> str | None:
    if "error" in observed:
        return f"does not compile: {observed['error']}"
    shapes_a, shapes_b = observed["shapes"]
    if shapes_a != shapes_b:
        return f"output shapes still differ: {shapes_a} / {shapes_b}"
    for call in (0, 1):
        got, want = observed["values"][call][0], original["values"][call][0]
        if not _same_on_valid_positions(np.asarray(got), np.asarray(want), example.comparison):
            return f"values differ on input {call}: fixed {got}, original {want}"
    return None


def _same_on_valid_positions(fixed: np.ndarray, original: np.ndarray, comparison: str) -> bool:
    if comparison == "equal":
        return fixed.shape == original.shape and bool(np.allclose(fixed, original, atol=TOLERANCE))
    kept, selected = fixed[fixed != 0], original[original != 0]
    if comparison == "nonzero-sorted":
        kept, selected = np.sort(kept), np.sort(selected)
    return kept.shape == selected.shape and bool(np.allclose(kept, selected, atol=TOLERANCE))
