"""The generic MSA rules' claims and their safe fixes, against real MindSpore 2.10 and PyTorch 2.13 on CPU.

For each case a port writes MindSpore code the PyTorch way: keywords (MSA020), names (MSA021), a `forward`
method (MSA023). The rule must flag it, MindSpore must raise the error the rule claims, and the code after
the rule's safe fixes must return what the PyTorch code returns on the same input (and weights, for
layers). Code the rules leave alone must run and agree with PyTorch. One subprocess runs every case.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import FixSafety
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.rules import rule_by_code
from tests.oracle.conftest import requires_mindspore, run_cases
from tests.oracle.ms_runner_compare import same_values

pytestmark = [pytest.mark.oracle, requires_mindspore]

RUNNER = Path(__file__).parent / "msa_generic_runner.py"
HEADER = "import mindspore as ms\nfrom mindspore import mint, nn, ops\n"

# id -> (rule, kind, torch expression, the MindSpore port as PyTorch habits write it)
FLAGGED: dict[str, tuple[str, str, str, str]] = {
    "ops.mean": ("MSA020", "call", "torch.mean(t, dim=1, keepdim=True)", "ops.mean(x, dim=1, keepdim=True)"),
    "ops.amax": ("MSA020", "call", "torch.amax(t, keepdim=True, dim=2)", "ops.amax(x, keepdim=True, dim=2)"),
    "ops.prod": ("MSA020", "call", "torch.prod(t, dim=2, keepdim=False)", "ops.prod(x, dim=2, keepdim=False)"),
    "ops.max": ("MSA020", "call", "torch.max(t, dim=1, keepdim=True)", "ops.max(x, dim=1, keepdim=True)"),
    "ops.cat": ("MSA020", "call", "torch.cat((t, t), dim=1)", "ops.cat((x, x), dim=1)"),
    "ops.stack": ("MSA020", "call", "torch.stack((t, t), dim=2)", "ops.stack((x, x), dim=2)"),
    "ops.split": ("MSA020", "call", "torch.split(t, 2, dim=1)", "ops.split(x, 2, dim=1)"),
    "ops.index_select": (
        "MSA020",
        "call",
        "torch.index_select(t, dim=2, index=torch.tensor([0, 3]))",
        "ops.index_select(x, dim=2, index=ms.Tensor([0, 3], ms.int32))",
    ),
    "ops.cumsum": ("MSA020", "call", "torch.cumsum(t, dim=1)", "ops.cumsum(x, dim=1)"),
    "ops.sort": ("MSA020", "call", "torch.sort(t, dim=1)", "ops.sort(x, dim=1)"),
    "ops.softmax": ("MSA020", "call", "torch.nn.functional.softmax(t, dim=1)", "ops.softmax(x, dim=1)"),
    "nn.Softmax": ("MSA020", "call", "torch.nn.Softmax(dim=1)(t)", "nn.Softmax(dim=1)(x)"),
    "nn.Dense": (
        "MSA020",
        "layer",
        "torch.nn.Linear(in_features=5, out_features=3, bias=True)",
        "nn.Dense(in_features=5, out_features=3, bias=True)",
    ),
    "nn.LayerNorm": ("MSA020", "layer", "torch.nn.LayerNorm(5, eps=1e-3)", "nn.LayerNorm((5,), eps=1e-3)"),
    "mint.nn.Linear": (
        "MSA020",
        "layer",
        "torch.nn.Linear(5, 3, bias=False)",
        "mint.nn.Linear(5, 3, has_bias=False)",
    ),
    "nn.functional.relu": ("MSA021", "call", "torch.nn.functional.relu(t)", "ms.nn.functional.relu(x)"),
    "nn.Hardshrink": ("MSA021", "call", "torch.nn.Hardshrink(0.5)(t)", "nn.Hardshrink(0.5)(x)"),
    "nn.Softshrink": ("MSA021", "call", "torch.nn.Softshrink(lambd=0.3)(t)", "nn.Softshrink(lambd=0.3)(x)"),
    "forward": (
        "MSA023",
        "call",
        "torch.relu(t) * 2",
        "class Block(nn.Cell):\n    def forward(self, x):\n        return ops.relu(x) * 2\n\ny = Block()(x)",
    ),
}
SILENT: dict[str, tuple[str, str, str, str]] = {
    "ops.sum": ("MSA020", "call", "torch.sum(t, dim=1, keepdim=True)", "ops.sum(x, dim=1, keepdim=True)"),
    "ops.argmax": ("MSA020", "call", "torch.argmax(t, dim=2, keepdim=True)", "ops.argmax(x, dim=2, keepdim=True)"),
    "nn.Dense-positional": ("MSA020", "layer", "torch.nn.Linear(5, 3, False)", "nn.Dense(5, 3, None, None, False)"),
    "nn.Linear": ("MSA021", "layer", "torch.nn.Linear(5, 3)", "nn.Linear(5, 3)"),  # exists in 2.10
    "Tensor.permute": ("MSA022", "call", "t.permute(2, 0, 1)", "x.permute(2, 0, 1)"),
}
EXPECTED_ERROR = {"MSA020": "TypeError", "MSA021": "AttributeError", "MSA023": "AttributeError"}


def source_of(port: str) -> str:
    """A module for the engine: the port's statements, or `y = <expression>`."""
    return f"{HEADER}{port if chr(10) in port else f'y = {port}'}\n"


def runnable(text: str) -> str | dict[str, str]:
    """What the runner evaluates for a module made by `source_of` (after fixes, perhaps)."""
    body = text.removeprefix(HEADER).rstrip("\n")
    if "\n" in body:
        return {"setup": body, "expr": "y"}
    return body.removeprefix("y = ")


def analyse(code: str, port: str) -> tuple[str, int, set[FixSafety]]:
    """The module after every safe fix of rule `code`, its first findings' count and the fixes' safeties."""
    rule = rule_by_code(code)
    assert rule is not None
    engine = Engine(rules=(rule,))
    text = source_of(port)
    first = engine.analyze(text).findings
    safeties = {offer.safety for finding in first for offer in finding.fixes}
    for _ in range(10):
        offers = [(f, o) for f in engine.analyze(text).findings for o in f.fixes if o.safety is FixSafety.SAFE]
        if not offers:
            break
        finding, offer = offers[0]
        text = apply_edits(text, compute_edits(text, finding, offer))
    return text, len(first), safeties


@cache
def observations() -> dict[str, Any]:
    cases = []
    for case_id, (code, kind, torch_expression, port) in {**FLAGGED, **SILENT}.items():
        fixed, _, _ = analyse(code, port)
        variants = {"port": runnable(source_of(port)), "fixed": runnable(fixed)}
        cases.append({"id": case_id, "kind": kind, "torch": torch_expression, "mindspore": variants})
    return run_cases(RUNNER, cases)


def same(torch_arrays: list[Any], ms_arrays: Any) -> bool:
    return (
        isinstance(ms_arrays, list)
        and len(ms_arrays) == len(torch_arrays)
        and all(same_values(a, b) for a, b in zip(torch_arrays, ms_arrays, strict=True))
    )


@pytest.mark.parametrize("case_id", sorted(FLAGGED))
def test_flagged_port_raises_and_the_safe_fix_matches_torch(case_id: str) -> None:
    code, _, _, port = FLAGGED[case_id]
    fixed, count, safeties = analyse(code, port)
    assert count >= 1 and safeties == {FixSafety.SAFE}, f"{code} must flag the port and offer safe fixes only"
    observed = observations()[case_id]
    assert observed["port"].get("error", "").startswith(EXPECTED_ERROR[code]), observed["port"]
    assert same(observed["torch"], observed["fixed"]), f"{fixed} differs from torch: {observed['fixed']}"


@pytest.mark.parametrize("case_id", sorted(SILENT))
def test_silent_code_runs_and_matches_torch(case_id: str) -> None:
    code, _, _, port = SILENT[case_id]
    assert analyse(code, port)[1] == 0
    observed = observations()[case_id]
    assert same(observed["torch"], observed["port"]), observed["port"]
