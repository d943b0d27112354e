"""The engine hands a call to a rule with `callee_names` only when the callee can be one of its APIs."""

from __future__ import annotations

import ast
from typing import ClassVar

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Category, Severity
from msmigrate.rules.base import Rule, RuleContext

SOURCE = """\
import mindspore.nn as nn
from mindspore import ops
from mindspore.nn import Dropout as D


class Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.a = nn.Dropout(0.2)
        self.b = D(0.2)

    def construct(self, x):
        return ops.relu(self.a(x))
"""


class SeesDropoutCalls(Rule):
    """Test rule: reports every call the engine hands it.

    **What it does**

    Nothing real.
    """

    code = "MSA999"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names: ClassVar[frozenset[str] | None] = frozenset({"Dropout"})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        context.report(node, ast.unparse(node.func), Severity.HINT)


class SeesEveryCall(SeesDropoutCalls):
    callee_names = None


def seen(rule: type[Rule]) -> set[str]:
    return {finding.message for finding in Engine(rules=(rule,)).analyze(SOURCE).findings}


def test_attribute_calls_with_another_last_name_are_skipped_but_aliases_are_not() -> None:
    # `super().__init__` and `ops.relu` end in other names; `D` and `super` are bare names an alias may hide.
    assert seen(SeesDropoutCalls) == {"nn.Dropout", "D", "super"}


def test_a_rule_without_callee_names_sees_every_call() -> None:
    assert seen(SeesEveryCall) == {"nn.Dropout", "D", "super", "super().__init__", "ops.relu", "self.a"}
