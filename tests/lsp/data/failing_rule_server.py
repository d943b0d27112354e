"""The real server with one extra rule that always raises, to see how a failing rule is handled."""

from __future__ import annotations

import ast
import sys

import msmigrate.analysis.engine as engine_module
from msmigrate.analysis.findings import Category
from msmigrate.lsp.server import start_stdio
from msmigrate.rules.base import Rule, RuleContext

FAILING_CODE = "MSG999"


class AlwaysFails(Rule):
    """Raises on every call it sees."""

    code = FAILING_CODE
    category = Category.GRAPH_SYNTAX
    node_types = (ast.Call,)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        raise RuntimeError("this rule always fails")


registered = engine_module.all_rules()
engine_module.all_rules = lambda: (*registered, AlwaysFails)

sys.exit(start_stdio())
