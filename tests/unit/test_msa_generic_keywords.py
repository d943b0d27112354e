"""MSA020: unknown keywords of MindSpore APIs, in the four call styles, with renames from the data."""

from __future__ import annotations

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Finding, FixSafety, Severity
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.rules import rule_by_code

RULE = rule_by_code("MSA020")
HEADER = "from mindspore import mint, nn, ops\n"


def findings(body: str) -> list[Finding]:
    assert RULE is not None
    return Engine(rules=(RULE,)).analyze(HEADER + body).findings


def fixed(body: str) -> str:
    text = HEADER + body
    for _ in range(10):
        result = findings(text.removeprefix(HEADER))
        offers = [(finding, offer) for finding in result for offer in finding.fixes]
        if not offers:
            return text.removeprefix(HEADER)
        finding, offer = offers[0]
        text = apply_edits(text, compute_edits(text, finding, offer))
    raise AssertionError("rename fixes did not converge")


@pytest.mark.parametrize(
    "call,flagged",
    [
        ("nn.Dense(4, 2, None, None, False)", []),
        ("nn.Dense(in_channels=4, out_channels=2, has_bias=False)", []),
        ("nn.Dense(has_bias=False, out_channels=2, in_channels=4)", []),
        ("nn.Dense(4, 2)", []),
        ("nn.Dense(in_features=4, out_features=2, bias=False)", ["in_features", "out_features", "bias"]),
        ("nn.Dense(bias=False, out_features=2, in_features=4)", ["bias", "out_features", "in_features"]),
        ("nn.Dense(4, 2, bias=False)", ["bias"]),
    ],
    ids=["positional", "keyword", "reordered", "defaults-only", "torch-keywords", "torch-reordered", "mixed"],
)
def test_call_styles(call: str, flagged: list[str]) -> None:
    found = findings(f"layer = {call}\n")
    assert [finding.message.split("parameter `")[1].split("`")[0] for finding in found] == flagged
    assert all(finding.severity is Severity.ERROR for finding in found)


@pytest.mark.parametrize(
    "call,expected",
    [
        (
            "nn.Dense(in_features=4, out_features=2, bias=False)",
            "nn.Dense(in_channels=4, out_channels=2, has_bias=False)",
        ),
        ("ops.mean(x, keepdim=True, dim=1)", "ops.mean(x, keep_dims=True, axis=1)"),
        ("ops.amax(x, dim=1, keepdim=True)", "ops.amax(x, axis=1, keepdims=True)"),
        ("nn.Softmax(dim=-1)", "nn.Softmax(axis=-1)"),
        ("nn.LayerNorm((4,), eps=1e-5, epsilon=1e-5)", "nn.LayerNorm((4,), eps=1e-5, epsilon=1e-5)"),
        ("mint.nn.Linear(4, 2, has_bias=False)", "mint.nn.Linear(4, 2, bias=False)"),
    ],
    ids=["dense", "mean-reordered", "amax", "softmax", "already-passed", "mint-legacy-name"],
)
def test_fixes_rename_from_the_mapping_data(call: str, expected: str) -> None:
    assert fixed(f"y = {call}\n") == f"y = {expected}\n"


def test_a_pure_rename_is_safe_and_a_spelling_guess_is_not() -> None:
    (renamed,) = findings("y = ops.mean(x, dim=1)\n")
    assert [offer.safety for offer in renamed.fixes] == [FixSafety.SAFE]
    (guessed,) = findings("y = ops.mean(x, keepdims=True)\n")
    assert "did you mean `keep_dims`" in guessed.message
    assert [offer.safety for offer in guessed.fixes] == [FixSafety.UNSAFE]


def test_a_value_transform_is_advised_without_a_fix() -> None:
    (finding,) = findings("y = ops.std(x, axis=1, unbiased=False)\n")
    assert "`ddof` = `int(unbiased)`" in finding.message
    assert finding.fixes == ()


def test_a_torch_only_parameter_says_to_remove_it() -> None:
    (finding,) = findings("act = nn.ReLU(inplace=True)\n")
    assert "no MindSpore counterpart" in finding.message


@pytest.mark.parametrize(
    "body",
    [
        "conv = nn.Conv2d(3, 8, 3, bias=False, groups=1)\n",  # the Conv rules report these keywords
        "drop = nn.Dropout(p=0.5, inplace=False)\n",
        "y = ops.mean(x, **options)\n",  # nothing explicit is unknown
        "y = ops.sum(x, dim=1, keepdim=True)\n",  # 2.10's ops.sum takes torch names
        "y = mint.mean(x, dim=1, keepdim=True)\n",
        "y = ops.not_in_the_data(x, dim=1)\n",  # no signature: nothing to say
        "import torch\ny = torch.mean(x, dim=1)\n",
        "try:\n    from torch import nn as backend\nexcept ImportError:\n    from mindspore import nn as backend\n"
        "layer = backend.Dense(4, 2, bias=False)\n",
    ],
    ids=["conv-owned", "dropout-owned", "spread", "ops-sum-2.10", "mint", "unknown-api", "torch", "either-framework"],
)
def test_silent(body: str) -> None:
    assert findings(body) == []


def test_the_finding_sits_on_the_keyword() -> None:
    (finding,) = findings("y = ops.cat((a, b), dim=0)\n")
    assert (finding.span.line, finding.span.column, finding.span.end_column) == (2, 20, 25)
