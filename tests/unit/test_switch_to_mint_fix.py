"""`switch-to-mint`: replaces the callee through the file's own imports, adding one only when needed."""

from __future__ import annotations

import ast

import pytest

from msmigrate.analysis.findings import Category, Finding, FixSafety, Severity, Span
from msmigrate.analysis.source import SourceText
from msmigrate.fixes import FixError, compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.mappings import load_mappings
from msmigrate.rules.api_difference._shared_fixes import switch_offer, switch_to_counterpart_offer


def first_call_span(text: str, callee: bool = False) -> Span:
    call = next(node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call))
    return SourceText(text).span_of(call.func if callee else call)


def switched(text: str, target: str, callee: bool = False) -> str:
    finding = Finding("MSA021", "test", Severity.ERROR, first_call_span(text, callee), Category.API_DIFFERENCE)
    return apply_edits(text, compute_edits(text, finding, switch_offer(target, cpu=True)))


@pytest.mark.parametrize(
    "imports,expected_call",
    [
        ("from mindspore import nn, mint\n", "mint.nn.Dropout(p=0.2)"),
        ("import mindspore as ms\nfrom mindspore import nn\n", "ms.mint.nn.Dropout(p=0.2)"),
        ("from mindspore import nn\nimport mindspore.mint.nn as mnn\n", "mnn.Dropout(p=0.2)"),
        ("from mindspore.mint import nn as tnn\nfrom mindspore import nn\n", "tnn.Dropout(p=0.2)"),
    ],
    ids=["from-import", "package-alias", "module-alias", "submodule-alias"],
)
def test_existing_imports_are_reused(imports: str, expected_call: str) -> None:
    text = f"{imports}drop = nn.Dropout(p=0.2)  # keep me\n"
    fixed = switched(text, "mindspore.mint.nn.Dropout")
    assert fixed == f"{imports}drop = {expected_call}  # keep me\n"


def test_the_import_is_added_after_the_last_import_when_nothing_reaches_the_target() -> None:
    text = '"""Model."""\nfrom mindspore import nn\n\nlayer = nn.Dense(4, 2)\n'
    fixed = switched(text, "mindspore.mint.nn.Linear")
    assert (
        fixed == '"""Model."""\nfrom mindspore import nn\nfrom mindspore import mint\n\nlayer = mint.nn.Linear(4, 2)\n'
    )


def test_the_callee_span_works_like_the_call_span_and_parentheses_stay() -> None:
    text = "from mindspore import ops, mint\ny = (ops.clamp)(x, min=0)\n"
    assert (
        switched(text, "mindspore.mint.clamp", callee=True)
        == "from mindspore import ops, mint\ny = (mint.clamp)(x, min=0)\n"
    )


def test_a_legacy_counterpart_target_is_reachable_too() -> None:
    text = "import mindspore.nn as nn\nlayer = nn.Linear(4, 2)\n"
    assert switched(text, "mindspore.nn.Dense") == "import mindspore.nn as nn\nlayer = nn.Dense(4, 2)\n"


@pytest.mark.parametrize("target", ["torch.nn.Linear", "mindspore.Tensor.permute", "mindspore"])
def test_targets_that_are_not_mindspore_module_attributes_are_refused(target: str) -> None:
    with pytest.raises(FixError):
        switched("from mindspore import nn\nlayer = nn.Dense(4, 2)\n", target)


def test_title_carries_the_cpu_caveat_from_the_mapping() -> None:
    dropout = load_mappings().lookup("torch.nn.Dropout")
    assert dropout is not None and dropout.mint is not None and dropout.mint.cpu is False
    offer = switch_to_counterpart_offer(dropout.mint)
    assert offer.safety is FixSafety.UNSAFE
    assert offer.title == "Switch to `mint.nn.Dropout` (mint.nn.Dropout has no CPU kernel in MindSpore 2.10)"
    linear = load_mappings().lookup("torch.nn.Linear")
    assert linear is not None and linear.mint is not None and linear.mint.cpu is True
    assert "CPU" not in switch_to_counterpart_offer(linear.mint).title
