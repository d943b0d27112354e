"""MSA023: a Cell subclass defines PyTorch's `forward` and no `construct` (an AttributeError when called)."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import CELL_BASES, ClassInfo, ModuleFacts
from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity, Span
from msmigrate.rules.base import Rule, RuleContext

FIX_ID = "forward-to-construct"
TORCH_METHOD = "forward"
CELL_METHOD = "construct"


class ForwardWithoutConstruct(Rule):
    """A `mindspore.nn.Cell` subclass with a `forward` method and no `construct`.

    **What it does**

    Flags `def forward` in a class whose bases lead (through classes of the same file) only to
    `mindspore.nn.Cell`, when neither the class nor those bases define `construct`.

    **Why is this bad?**

    A Cell runs `construct` when called; `forward` is PyTorch's name and MindSpore never calls it.
    Measured on MindSpore 2.10: the Cell is built, and calling it raises `AttributeError: For 'Cell',
    the method 'construct' is not defined.` in PYNATIVE_MODE and in GRAPH_MODE.

    **Example**

    ```python
    class Block(nn.Cell):
        def forward(self, x):
            return self.dense(x)
    ```

    **Use instead**

    ```python
    class Block(nn.Cell):
        def construct(self, x):
            return self.dense(x)
    ```

    **Fix safety**

    Safe: the fix renames the method to `construct`, and `super().forward(...)` / `self.forward(...)`
    calls in the class to `construct`, which removes a certain AttributeError and changes nothing else
    in the file. Code elsewhere that calls `net.forward(x)` explicitly must call `net(x)` instead.

    **References**

    https://www.mindspore.cn/docs/en/r2.6.0/api_python/nn/mindspore.nn.Cell.html
    """

    code = "MSA023"
    category = Category.API_DIFFERENCE
    node_types = (ast.FunctionDef, ast.AsyncFunctionDef)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        if node.name != TORCH_METHOD or context.function is not node:
            return
        owner = context.facts.class_of_method(node)
        if owner is None or not owner.is_cell or not _only_cell_ancestry(owner, context.facts):
            return
        if _defines_construct(owner, context.facts):
            return
        message = (
            f"`{owner.node.name}.forward` is never called: a MindSpore Cell runs `construct`, and calling "
            f"`{owner.node.name}(...)` raises AttributeError ('construct' is not defined); rename it to `construct`"
        )
        fix = FixOffer("Rename `forward` to `construct`", FixSafety.SAFE, FIX_ID)
        context.report(_name_span(node, context), message, Severity.ERROR, fixes=(fix,))


def _ancestry(owner: ClassInfo, facts: ModuleFacts) -> list[ClassInfo]:
    """The class and its in-file bases, transitively."""
    found: list[ClassInfo] = []
    queue = [owner]
    while queue:
        current = queue.pop(0)
        if current in found:
            continue
        found.append(current)
        queue.extend(facts.classes[base] for base in current.local_bases if base in facts.classes)
    return found


def _only_cell_ancestry(owner: ClassInfo, facts: ModuleFacts) -> bool:
    """Every base is an in-file class or `nn.Cell` itself: no base from elsewhere can supply `construct`."""
    for current in _ancestry(owner, facts):
        for base, names in zip(current.node.bases, current.base_names, strict=True):
            is_local = isinstance(base, ast.Name) and base.id in facts.classes
            if not is_local and not (names and names <= CELL_BASES):
                return False
    return True


def _defines_construct(owner: ClassInfo, facts: ModuleFacts) -> bool:
    for current in _ancestry(owner, facts):
        if CELL_METHOD in current.methods:
            return True
        for statement in current.node.body:
            targets = statement.targets if isinstance(statement, ast.Assign) else []
            if any(isinstance(target, ast.Name) and target.id == CELL_METHOD for target in targets):
                return True  # `construct = forward`
    return False


def _name_span(function: ast.FunctionDef | ast.AsyncFunctionDef, context: RuleContext) -> Span:
    """The span of the method's name in `def forward(` (what the fix finds again)."""
    line = function.lineno
    text = context.source.line(line)
    start = context.source.byte_to_codepoint(line, function.col_offset)
    column = text.find(TORCH_METHOD, start)
    return Span(line, column, line, column + len(TORCH_METHOD))
