"""MSA023 and its fix: `forward` without `construct` in a Cell subclass."""

from __future__ import annotations

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Finding, FixSafety, Severity
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.rules import rule_by_code

RULE = rule_by_code("MSA023")


def analyse(text: str) -> list[Finding]:
    assert RULE is not None
    return Engine(rules=(RULE,)).analyze(text).findings


SOURCE = """\
from mindspore import nn


class Base(nn.Cell):
    def forward(self, x):  # copied from torch
        return x

    def helper(self, x):
        return self.forward(x)


class Child(Base):
    @staticmethod
    def scale(x):
        return x

    def forward(self, x):
        class Inner:
            def forward(self, y):
                return y

        return super().forward(x) + Inner().forward(x) + self.helper(x)
"""


def test_each_forward_is_flagged_at_its_name_with_a_safe_fix() -> None:
    found = analyse(SOURCE)
    assert [(f.span.line, f.span.column, f.span.end_column) for f in found] == [(5, 8, 15), (17, 8, 15)]
    assert all(f.severity is Severity.ERROR for f in found)
    assert all([offer.safety for offer in f.fixes] == [FixSafety.SAFE] for f in found)


def test_the_fix_renames_the_method_and_the_calls_through_self_and_super() -> None:
    text = SOURCE
    for _ in range(3):
        found = analyse(text)
        if not found:
            break
        text = apply_edits(text, compute_edits(text, found[0], found[0].fixes[0]))
    assert analyse(text) == []
    assert "    def construct(self, x):  # copied from torch\n" in text
    assert "        return self.construct(x)\n" in text
    assert "return super().construct(x) + Inner().forward(x) + self.helper(x)" in text
    assert "            def forward(self, y):\n" in text  # a nested class keeps its own method


@pytest.mark.parametrize(
    "text",
    [
        "from mindspore import nn\nclass A(nn.Cell):\n    def construct(self, x):\n        return x\n"
        "    def forward(self, x):\n        return x\n",
        "from mindspore import nn\nclass A(nn.Cell):\n    def forward(self, x):\n        return x\n"
        "    construct = forward\n",
        "from mindspore import nn\nclass A(nn.Dense):\n    def forward(self, x):\n        return x\n",
        "from mindspore import nn\nfrom mylib import Mixin\nclass A(nn.Cell, Mixin):\n    def forward(self, x):\n"
        "        return x\n",
        "import torch\nclass A(torch.nn.Module):\n    def forward(self, x):\n        return x\n",
    ],
    ids=["has-construct", "aliased", "builtin-cell-base", "unknown-base", "torch-module"],
)
def test_classes_that_have_or_may_inherit_construct_are_silent(text: str) -> None:
    assert analyse(text) == []
