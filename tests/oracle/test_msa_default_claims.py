"""MSA010-MSA018 against real MindSpore 2.10 and PyTorch 2.13: the claims, the severities and the fixes.

Each claim is a MindSpore expression as a port writes it, with its PyTorch original, and what MindSpore
does with it: raises, computes other values (or shapes), or agrees. The test checks that the rule flags
exactly the claims it should (in a port), at the severity the observation earns (error where MindSpore
raises, a warning or information where it differs, at most a hint where it agrees), and that the rule's
fix, applied by the fix machinery, gives PyTorch's result. One subprocess runs every case
(tests/oracle/msa_default_runner.py); graph-mode cases compile at STRICT and LAX.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Finding, FixSafety, Severity
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from tests.oracle.conftest import requires_mindspore, run_cases

pytestmark = [pytest.mark.oracle, requires_mindspore]

RUNNER = Path(__file__).parent / "msa_default_runner.py"
CODES = {f"MSA01{digit}" for digit in range(9)}
AGREE = 1e-5  # float32 rounding between two implementations of the same formula
DIFFER = 1e-4
PORT = '"""Ported from the PyTorch model."""\nimport mindspore as ms\nfrom mindspore import mint, nn, ops\n\n'
IMAGE, SIGNAL, VOLUME = (2, 3, 9, 9), (2, 3, 9), (2, 3, 9, 9, 9)


@dataclass(frozen=True)
class Claim:
    name: str
    mindspore: str  # an expression in `x` (and `y`), as the port writes it
    torch: str  # the PyTorch original
    observed: str  # "agrees", "differs" or "raises <ExceptionType>"
    code: str | None = None  # the rule that flags `mindspore`; None: no MSA010-MSA018 rule does
    inputs: tuple[tuple[int, ...], ...] = (IMAGE,)
    graph: bool = False
    scale: float = 1.0
    grad: bool = False
    # Where the outcome depends on what the rule cannot see (a tensor's rank), the severity it gives.
    severity: Severity | None = None


def pools() -> list[Claim]:
    claims = []
    for kind in ("Max", "Avg"):
        for rank, shape in ((1, SIGNAL), (2, IMAGE), (3, VOLUME)):
            layer = f"{kind}Pool{rank}d"
            claims += [
                Claim(f"{layer}(3)", f"nn.{layer}(3)(x)", f"torch.nn.{layer}(3)(x)", "differs", "MSA010", (shape,)),
                Claim(f"{layer}(3, 2)", f"nn.{layer}(3, 2)(x)", f"torch.nn.{layer}(3, 2)(x)", "agrees", None, (shape,)),
                Claim(
                    f"{layer} padding",
                    f"nn.{layer}(3, 2, padding=1)(x)",
                    f"torch.nn.{layer}(3, 2, padding=1)(x)",
                    "raises ValueError",
                    "MSA011",
                    (shape,),
                ),
                Claim(
                    f"{layer} pad_mode pad, padding 0",
                    f'nn.{layer}(3, 2, pad_mode="pad", padding=0)(x)',
                    f"torch.nn.{layer}(3, 2)(x)",
                    "agrees",
                    None,
                    (shape,),
                ),
            ]
        for rank, shape in ((1, SIGNAL), (2, IMAGE), (3, VOLUME)):
            layer = f"MaxPool{rank}d"
            for argument in ("ceil_mode=True", "dilation=2", "return_indices=True"):
                claims.append(
                    Claim(
                        f"{layer} {argument}",
                        f"nn.{layer}(3, 2, {argument})(x)",
                        f"torch.nn.{layer}(3, 2, {argument})(x)",
                        "raises ValueError",
                        "MSA011",
                        (shape,),
                    )
                )
    for rank, shape in ((1, SIGNAL), (2, IMAGE), (3, VOLUME)):
        function = f"avg_pool{rank}d"
        claims.append(Claim(function, f"ops.{function}(x, 3)", f"F.{function}(x, 3)", "differs", "MSA010", (shape,)))
    return [
        *claims,
        Claim("max_pool3d(2)", "ops.max_pool3d(x, 2)", "F.max_pool3d(x, 2)", "agrees", None, (VOLUME,)),
        Claim("MaxPool2d(1)", "nn.MaxPool2d(1)(x)", "torch.nn.MaxPool2d(1)(x)", "agrees"),
        Claim(
            "MaxPool2d zero tuple",
            "nn.MaxPool2d(3, 2, padding=(0, 0))(x)",
            "torch.nn.MaxPool2d(3, 2, padding=(0, 0))(x)",
            "raises ValueError",
            "MSA011",
        ),
        Claim(
            "AvgPool2d zero tuple",
            "nn.AvgPool2d(3, 2, padding=(0, 0))(x)",
            "torch.nn.AvgPool2d(3, 2, padding=(0, 0))(x)",
            "agrees",
        ),
        Claim(
            "AvgPool2d same with padding",
            'nn.AvgPool2d(3, 2, pad_mode="same", padding=1)(x)',
            "torch.nn.AvgPool2d(3, 2, padding=1)(x)",
            "raises ValueError",
            "MSA011",
        ),
        Claim(
            "AvgPool2d ceil_mode count_include_pad",
            "nn.AvgPool2d(3, 2, ceil_mode=True, count_include_pad=False)(x)",
            "torch.nn.AvgPool2d(3, 2, ceil_mode=True, count_include_pad=False)(x)",
            "agrees",
        ),
        Claim(
            "AvgPool2d divisor_override",
            "nn.AvgPool2d(3, 2, divisor_override=2)(x)",
            "torch.nn.AvgPool2d(3, 2, divisor_override=2)(x)",
            "agrees",
        ),
    ]


LAYER_NORM_INPUT = ((4, 8, 16),)
CLAIMS = [
    *pools(),
    Claim(
        "LayerNorm epsilon at small scale",
        "nn.LayerNorm((16,))(x)",
        "torch.nn.LayerNorm(16)(x)",
        "differs",
        "MSA012",
        LAYER_NORM_INPUT,
        scale=0.01,
    ),
    Claim(
        "LayerNorm int shape",
        "nn.LayerNorm(16, epsilon=1e-5)(x)",
        "torch.nn.LayerNorm(16)(x)",
        "raises TypeError",
        "MSA013",
        LAYER_NORM_INPUT,
    ),
    Claim(
        "LayerNorm list shape",
        "nn.LayerNorm([16], epsilon=1e-5)(x)",
        "torch.nn.LayerNorm(16)(x)",
        "agrees",
        None,
        LAYER_NORM_INPUT,
    ),
    Claim(
        "LayerNorm two axes, default axes",
        "nn.LayerNorm((8, 16), epsilon=1e-5)(x)",
        "torch.nn.LayerNorm((8, 16))(x)",
        "raises ValueError",
        "MSA014",
        LAYER_NORM_INPUT,
    ),
    Claim(
        "LayerNorm two axes, norm axis -1",
        "nn.LayerNorm((8, 16), begin_params_axis=1, epsilon=1e-5)(x)",
        "torch.nn.LayerNorm((8, 16))(x)",
        "differs",
        "MSA014",
        LAYER_NORM_INPUT,
    ),
    Claim(
        "LayerNorm negative axes",
        "nn.LayerNorm((8, 16), -2, -2, epsilon=1e-5)(x)",
        "torch.nn.LayerNorm((8, 16))(x)",
        "raises RuntimeError",
        "MSA014",
        LAYER_NORM_INPUT,
    ),
    Claim(
        "LayerNorm negative params axis",
        "nn.LayerNorm((16,), begin_params_axis=-2, epsilon=1e-5)(x)",
        "torch.nn.LayerNorm(16)(x)",
        "raises RuntimeError",
        "MSA014",
        LAYER_NORM_INPUT,
    ),
    Claim(
        "LayerNorm two axes, positive axes",
        "nn.LayerNorm((8, 16), 1, 1, epsilon=1e-5)(x)",
        "torch.nn.LayerNorm((8, 16))(x)",
        "agrees",
        None,
        LAYER_NORM_INPUT,
    ),
    Claim("LeakyReLU()", "nn.LeakyReLU()(x)", "torch.nn.LeakyReLU()(x)", "differs", "MSA015"),
    Claim("leaky_relu(x)", "ops.leaky_relu(x)", "F.leaky_relu(x)", "differs", "MSA015"),
    Claim("LeakyReLU(0.2)", "nn.LeakyReLU(0.2)(x)", "torch.nn.LeakyReLU(0.2)(x)", "agrees"),
    Claim("GELU()", "nn.GELU()(x)", "torch.nn.GELU()(x)", "differs", "MSA016", ((20000,),), scale=3.0),
    Claim("GELU none", 'nn.GELU(approximate="none")(x)', "torch.nn.GELU()(x)", "raises TypeError", "MSA016"),
    Claim(
        "GELU tanh",
        'nn.GELU("tanh")(x)',
        'torch.nn.GELU(approximate="tanh")(x)',
        "raises TypeError",
        "MSA016",
    ),
    Claim("GELU(True)", "nn.GELU(True)(x)", 'torch.nn.GELU(approximate="tanh")(x)', "agrees"),
    Claim("ops.gelu", "ops.gelu(x)", "F.gelu(x)", "agrees"),
    Claim(
        "SmoothL1Loss()",
        "nn.SmoothL1Loss()(x, y)",
        "torch.nn.SmoothL1Loss()(x, y)",
        "differs",
        "MSA017",
        ((4, 3), (4, 3)),
        grad=True,
    ),
    Claim(
        "smooth_l1_loss",
        "ops.smooth_l1_loss(x, y)",
        "F.smooth_l1_loss(x, y)",
        "differs",
        "MSA017",
        ((4, 3), (4, 3)),
    ),
    Claim(
        "SmoothL1Loss beta mean",
        'nn.SmoothL1Loss(0.5, "mean")(x, y)',
        "torch.nn.SmoothL1Loss(beta=0.5)(x, y)",
        "agrees",
        None,
        ((4, 3), (4, 3)),
    ),
    Claim("ops.transpose two axes", "ops.transpose(x, 0, 1)", "torch.transpose(x, 0, 1)", "raises TypeError", "MSA018"),
    Claim(
        "ops.transpose two axes, graph",
        "ops.transpose(x, 1, 2)",
        "torch.transpose(x, 1, 2)",
        "raises TypeError",
        "MSA018",
        graph=True,
    ),
    Claim("ops.transpose permutation", "ops.transpose(x, (0, 2, 1, 3))", "x.permute(0, 2, 1, 3)", "agrees"),
    Claim("x.transpose(1, 2), PyNative", "x.transpose(1, 2)", "x.transpose(1, 2)", "agrees"),
    Claim(
        "x.transpose(1, 2), graph", "x.transpose(1, 2)", "x.transpose(1, 2)", "raises ValueError", "MSA018", graph=True
    ),
    Claim(
        "x.transpose(0, 1) of 3-D, graph",
        "x.transpose(0, 1)",
        "x.transpose(0, 1)",
        "raises ValueError",
        "MSA018",
        ((2, 3, 4),),
        graph=True,
        severity=Severity.WARNING,  # raises for every rank but 2, where it differs (the next claim)
    ),
    Claim(
        "x.transpose(0, 1) of 2-D, graph",
        "x.transpose(0, 1)",
        "x.transpose(0, 1)",
        "differs",
        "MSA018",
        ((2, 3),),
        graph=True,
    ),
    Claim(
        "x.transpose(1, 0) of 2-D, graph",
        "x.transpose(1, 0)",
        "x.transpose(1, 0)",
        "agrees",
        "MSA018",
        ((2, 3),),
        graph=True,
    ),
    Claim(
        "x.transpose(dim0=, dim1=), graph",
        "x.transpose(dim0=0, dim1=2)",
        "x.transpose(0, 2)",
        "agrees",
        None,
        ((2, 3, 4),),
        graph=True,
    ),
]


def snippet(claim: Claim, expression: str) -> str:
    """The expression in a port: in `construct` for a graph claim, else in a plain function (PyNative)."""
    parameters = ", ".join(("x", "y")[: len(claim.inputs)])
    if claim.graph:
        header = f"{PORT}class Net(nn.Cell):\n    def construct(self, {parameters}):\n"
        return f"{header}        value = {expression}\n        return value\n"
    return f"{PORT}def compute({parameters}):\n    value = {expression}\n    return value\n"


def our_findings(text: str) -> list[Finding]:
    result = Engine().analyze(text)
    assert result.syntax_problem is None and not result.rule_failures
    return [finding for finding in result.findings if finding.code in CODES]


def fixed_expression(claim: Claim) -> str | None:
    """The claim's expression after its rule's first fix (None when the rule offers none)."""
    text = snippet(claim, claim.mindspore)
    found = [finding for finding in our_findings(text) if finding.code == claim.code]
    if len(found) != 1 or not found[0].fixes:
        return None
    offer = found[0].fixes[0]
    assert offer.safety is FixSafety.SAFE, f"{claim.name}: the fix is proven here, so it must be safe in a port"
    fixed = apply_edits(text, compute_edits(text, found[0], offer))
    (line,) = [line for line in fixed.splitlines() if line.strip().startswith("value = ")]
    return line.strip().removeprefix("value = ")


def case(claim: Claim, expression: str, suffix: str = "") -> dict[str, Any]:
    return {
        "id": claim.name + suffix,
        "mindspore": expression,
        "torch": claim.torch,
        "inputs": [list(shape) for shape in claim.inputs],
        "scale": claim.scale,
        "graph": claim.graph,
        "grad": claim.grad,
    }


FIXED = {claim.name: fixed_expression(claim) for claim in CLAIMS if claim.code is not None}


@pytest.fixture(scope="module")
def observations() -> dict[str, dict[str, Any]]:
    cases = [case(claim, claim.mindspore) for claim in CLAIMS]
    cases += [case(claim, fixed, " (fixed)") for claim in CLAIMS if (fixed := FIXED.get(claim.name))]
    return {result["id"]: result for result in run_cases(RUNNER, cases)}


def modes(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {mode: result[mode] for mode in ("pynative", "strict", "lax") if mode in result}


def verdict(observed: dict[str, Any], torch_shape: list[int]) -> str:
    if "error" in observed:
        return "raises " + observed["error"].split(":", 1)[0]
    if observed["shape"] != torch_shape or observed["max_abs_diff"] > DIFFER:
        return "differs"
    return "agrees" if observed["max_abs_diff"] <= AGREE else "close"


ids = [claim.name for claim in CLAIMS]


@pytest.mark.parametrize("claim", CLAIMS, ids=ids)
def test_the_rule_flags_the_claims_it_makes_and_no_other(claim: Claim) -> None:
    codes = [finding.code for finding in our_findings(snippet(claim, claim.mindspore))]
    assert codes == ([claim.code] if claim.code else [])


@pytest.mark.parametrize("claim", CLAIMS, ids=ids)
def test_mindspore_behaves_as_claimed(claim: Claim, observations: dict[str, dict[str, Any]]) -> None:
    result = observations[claim.name]
    for mode, observed in modes(result).items():
        assert verdict(observed, result["torch_shape"]) == claim.observed, f"{mode}: {observed}"


@pytest.mark.parametrize("claim", [claim for claim in CLAIMS if claim.code], ids=[c.name for c in CLAIMS if c.code])
def test_the_severity_is_what_mindspore_earns(claim: Claim) -> None:
    (finding,) = our_findings(snippet(claim, claim.mindspore))
    if claim.severity is not None:
        assert finding.severity is claim.severity
    elif claim.observed.startswith("raises"):
        assert finding.severity is Severity.ERROR
    elif claim.observed == "differs":
        assert finding.severity in (Severity.WARNING, Severity.INFORMATION)
    else:
        assert finding.severity is Severity.HINT


FIXABLE = [claim for claim in CLAIMS if FIXED.get(claim.name)]


@pytest.mark.parametrize("claim", FIXABLE, ids=[claim.name for claim in FIXABLE])
def test_the_fix_gives_torch_s_result(claim: Claim, observations: dict[str, dict[str, Any]]) -> None:
    fixed = FIXED[claim.name]
    assert fixed is not None
    assert our_findings(snippet(claim, fixed)) == [], "the fixed expression is clean"
    result = observations[claim.name + " (fixed)"]
    for mode, observed in modes(result).items():
        assert verdict(observed, result["torch_shape"]) == "agrees", f"{fixed} in {mode}: {observed}"


def test_every_rule_is_proven_here() -> None:
    assert {claim.code for claim in CLAIMS if claim.code} == CODES
    assert {claim.code for claim in FIXABLE} == CODES - {"MSA014"}, "MSA014 alone has no fix"


def test_the_numbers_in_the_messages(observations: dict[str, dict[str, Any]]) -> None:
    gelu = observations["GELU()"]["pynative"]["max_abs_diff"]
    assert 4.0e-4 < gelu < 4.8e-4  # "up to 4.7e-4 apart"
    layer_norm = observations["LayerNorm epsilon at small scale"]["pynative"]["max_abs_diff"]
    assert 0.1 < layer_norm < 0.5  # "by 0.25 at activations of scale 0.01"
    # The unreduced loss's gradient is the sum's: 12 times the mean's for a (4, 3) input; the fix's is the mean's.
    assert observations["SmoothL1Loss()"]["grad_ratio"] == pytest.approx(12.0, rel=1e-4)
    assert observations["SmoothL1Loss() (fixed)"]["grad_ratio"] == pytest.approx(1.0, rel=1e-4)
