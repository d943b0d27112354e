"""`rename-keyword`: renames one keyword of the call at the finding, keeping value, layout and comments."""

from __future__ import annotations

import ast

import pytest

from msmigrate.analysis.findings import Category, Finding, FixSafety, Severity, Span
from msmigrate.analysis.source import SourceText
from msmigrate.fixes import FixError, compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.rules.api_difference._shared_fixes import rename_keyword_offer

SOURCE = """\
from mindspore import nn

layer = nn.Conv2d(
    3, 8, 3,
    bias=False,  # torch spelling
    groups=1,
)
pair = (nn.Dense(4, 2, bias=True), nn.Dense(2, 1, bias=False))
"""


def node_span(text: str, predicate: object, index: int = 0) -> Span:
    """The span of the `index`-th node (in walk order) for which `predicate(node)` holds."""
    nodes = [node for node in ast.walk(ast.parse(text)) if predicate(node)]  # type: ignore[operator]
    return SourceText(text).span_of(nodes[index])


def renamed(text: str, span: Span, old: str, new: str) -> str:
    finding = Finding("MSA020", "test", Severity.ERROR, span, Category.API_DIFFERENCE)
    return apply_edits(text, compute_edits(text, finding, rename_keyword_offer(old, new, FixSafety.SAFE)))


def is_call_to(name: str) -> object:
    return lambda node: isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name


def is_keyword(name: str) -> object:
    return lambda node: isinstance(node, ast.keyword) and node.arg == name


def test_span_of_the_call_renames_its_keyword_and_keeps_the_comment() -> None:
    fixed = renamed(SOURCE, node_span(SOURCE, is_call_to("Conv2d")), "bias", "has_bias")
    assert "    has_bias=False,  # torch spelling\n" in fixed
    assert fixed.replace("has_bias=False", "bias=False") == SOURCE


def test_span_of_the_keyword_renames_that_keyword_only() -> None:
    second = node_span(SOURCE, is_keyword("bias"), index=2)
    fixed = renamed(SOURCE, second, "bias", "has_bias")
    assert "pair = (nn.Dense(4, 2, bias=True), nn.Dense(2, 1, has_bias=False))\n" in fixed


def test_span_of_one_call_of_two_on_a_line_renames_in_that_call() -> None:
    first_dense = node_span(SOURCE, is_call_to("Dense"), index=0)
    fixed = renamed(SOURCE, first_dense, "bias", "has_bias")
    assert "pair = (nn.Dense(4, 2, has_bias=True), nn.Dense(2, 1, bias=False))\n" in fixed


def test_keyword_of_an_inner_call_is_found_through_the_keyword_span() -> None:
    text = "from mindspore import ops\ny = ops.mean(ops.abs(x), dim=1, keepdim=True)\n"
    fixed = renamed(text, node_span(text, is_keyword("keepdim")), "keepdim", "keep_dims")
    assert fixed.endswith("y = ops.mean(ops.abs(x), dim=1, keep_dims=True)\n")


@pytest.mark.parametrize(
    "text,old,new,why",
    [
        ("from mindspore import nn\nd = nn.Dense(4, 2, bias=True, has_bias=True)\n", "bias", "has_bias", "already"),
        ("from mindspore import nn\nd = nn.Dense(4, 2, True)\n", "bias", "has_bias", "no `bias=`"),
        ("from mindspore import nn\nd = nn.Dense(4, 2, bias=True)\n", "bias", "has bias", "not a keyword"),
    ],
    ids=["new-already-passed", "old-not-passed", "bad-name"],
)
def test_refuses_what_it_cannot_rename(text: str, old: str, new: str, why: str) -> None:
    span = node_span(text, lambda node: isinstance(node, ast.Call))
    with pytest.raises(FixError, match=why):
        renamed(text, span, old, new)


def test_a_span_that_is_no_call_or_keyword_is_refused() -> None:
    text = "from mindspore import nn\nd = nn.Dense(4, 2, bias=True)\n"
    with pytest.raises(FixError, match="no call"):
        renamed(text, Span(2, 0, 2, 1), "bias", "has_bias")
