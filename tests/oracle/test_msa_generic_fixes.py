"""MSA020's claim and its safe renames, against real MindSpore 2.10 and PyTorch 2.13 on CPU.

For each case a port writes the MindSpore call with PyTorch keywords. The rule must flag it, MindSpore
must raise TypeError for it (the rule's claim: an error), and the call after the rule's safe fixes must
return what the PyTorch call returns on the same input (and weights, for layers). Calls the rule leaves
alone must run and agree with PyTorch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import FixSafety
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.rules import rule_by_code
from tests.oracle.conftest import ORACLE_TIMEOUT_S, requires_mindspore
from tests.oracle.ms_runner_compare import same_values

pytestmark = [pytest.mark.oracle, requires_mindspore]

RUNNER = Path(__file__).parent / "msa_generic_runner.py"
HEADER = "import mindspore as ms\nfrom mindspore import mint, nn, ops\n"

# id -> (kind, torch expression, the MindSpore port as written with torch keywords)
FLAGGED = {
    "ops.mean": ("call", "torch.mean(t, dim=1, keepdim=True)", "ops.mean(x, dim=1, keepdim=True)"),
    "ops.amax": ("call", "torch.amax(t, keepdim=True, dim=2)", "ops.amax(x, keepdim=True, dim=2)"),
    "ops.prod": ("call", "torch.prod(t, dim=2, keepdim=False)", "ops.prod(x, dim=2, keepdim=False)"),
    "ops.max": ("call", "torch.max(t, dim=1, keepdim=True)", "ops.max(x, dim=1, keepdim=True)"),
    "ops.cat": ("call", "torch.cat((t, t), dim=1)", "ops.cat((x, x), dim=1)"),
    "ops.stack": ("call", "torch.stack((t, t), dim=2)", "ops.stack((x, x), dim=2)"),
    "ops.split": ("call", "torch.split(t, 2, dim=1)", "ops.split(x, 2, dim=1)"),
    "ops.index_select": (
        "call",
        "torch.index_select(t, dim=2, index=torch.tensor([0, 3]))",
        "ops.index_select(x, dim=2, index=ms.Tensor([0, 3], ms.int32))",
    ),
    "ops.cumsum": ("call", "torch.cumsum(t, dim=1)", "ops.cumsum(x, dim=1)"),
    "ops.sort": ("call", "torch.sort(t, dim=1)", "ops.sort(x, dim=1)"),
    "ops.softmax": ("call", "torch.nn.functional.softmax(t, dim=1)", "ops.softmax(x, dim=1)"),
    "nn.Softmax": ("call", "torch.nn.Softmax(dim=1)(t)", "nn.Softmax(dim=1)(x)"),
    "nn.Dense": (
        "layer",
        "torch.nn.Linear(in_features=5, out_features=3, bias=True)",
        "nn.Dense(in_features=5, out_features=3, bias=True)",
    ),
    "nn.LayerNorm": ("layer", "torch.nn.LayerNorm(5, eps=1e-3)", "nn.LayerNorm((5,), eps=1e-3)"),
    "mint.nn.Linear": ("layer", "torch.nn.Linear(5, 3, bias=False)", "mint.nn.Linear(5, 3, has_bias=False)"),
}
SILENT = {
    "ops.sum": ("call", "torch.sum(t, dim=1, keepdim=True)", "ops.sum(x, dim=1, keepdim=True)"),
    "ops.argmax": ("call", "torch.argmax(t, dim=2, keepdim=True)", "ops.argmax(x, dim=2, keepdim=True)"),
    "nn.Dense-positional": ("layer", "torch.nn.Linear(5, 3, False)", "nn.Dense(5, 3, None, None, False)"),
}


def analyse(expression: str) -> tuple[str, int, set[FixSafety]]:
    """The expression after every MSA020 fix, how many findings it had, and the fixes' safeties."""
    rule = rule_by_code("MSA020")
    assert rule is not None
    engine = Engine(rules=(rule,))
    text = f"{HEADER}y = {expression}\n"
    first = engine.analyze(text).findings
    safeties = {offer.safety for finding in first for offer in finding.fixes}
    for _ in range(10):
        offers = [(f, o) for f in engine.analyze(text).findings for o in f.fixes if o.safety is FixSafety.SAFE]
        if not offers:
            break
        finding, offer = offers[0]
        text = apply_edits(text, compute_edits(text, finding, offer))
    return text.removeprefix(f"{HEADER}y = ").rstrip("\n"), len(first), safeties


@cache
def observations() -> dict[str, Any]:
    cases = []
    for case_id, (kind, torch_expression, port) in {**FLAGGED, **SILENT}.items():
        fixed, _, _ = analyse(port)
        cases.append(
            {"id": case_id, "kind": kind, "torch": torch_expression, "mindspore": {"port": port, "fixed": fixed}}
        )
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "cases.json"
        path.write_text(json.dumps(cases), encoding="utf-8")
        completed = subprocess.run(
            [sys.executable, str(RUNNER), str(path)],
            capture_output=True,
            text=True,
            timeout=ORACLE_TIMEOUT_S,
            cwd=workdir,
            env={**os.environ, "GLOG_v": "3", "PYTHONWARNINGS": "ignore"},
        )
    for line in completed.stdout.splitlines():
        if line.startswith("ORACLE-JSON "):
            return json.loads(line.removeprefix("ORACLE-JSON "))
    raise AssertionError(f"runner failed (exit {completed.returncode}):\n{completed.stderr[-3000:]}")


def same(torch_arrays: list[Any], ms_arrays: Any) -> bool:
    return (
        isinstance(ms_arrays, list)
        and len(ms_arrays) == len(torch_arrays)
        and all(same_values(a, b) for a, b in zip(torch_arrays, ms_arrays, strict=True))
    )


@pytest.mark.parametrize("case_id", sorted(FLAGGED))
def test_flagged_port_raises_type_error_and_the_safe_fix_matches_torch(case_id: str) -> None:
    _, _, port = FLAGGED[case_id]
    fixed, count, safeties = analyse(port)
    assert count >= 1 and safeties == {FixSafety.SAFE}, "MSA020 must flag the port and offer safe renames"
    observed = observations()[case_id]
    assert observed["port"].get("error", "").startswith("TypeError"), observed["port"]
    assert same(observed["torch"], observed["fixed"]), f"{fixed} differs from torch: {observed['fixed']}"


@pytest.mark.parametrize("case_id", sorted(SILENT))
def test_silent_call_runs_and_matches_torch(case_id: str) -> None:
    _, _, port = SILENT[case_id]
    assert analyse(port)[1] == 0
    observed = observations()[case_id]
    assert same(observed["torch"], observed["port"]), observed["port"]
