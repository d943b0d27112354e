"""MSD001/MSD002 fix: `masked_select(x, mask)` or `x[mask]` becomes `x * mask`, a tensor of the full shape.

The selected values stay at the mask's positions and everything else is zero, as the MindSpore
migration guide recommends for data-dependent selections. Where the selection is returned directly,
the mask is returned beside it so that callers can tell valid positions from padding.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from msmigrate.analysis.findings import Span
from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.rules.dynamic_shape._masking import MASK_FIX_ID

# Expressions that bind tighter than `*` and take a method call without parentheses.
ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)


@register_fix(MASK_FIX_ID)
def select_to_mask(target: FixTarget) -> cst.Module:
    selection = _selection_node(target)
    data = expression_at(target, target.params["data"])
    mask = expression_at(target, target.params["mask"])
    replacement = masked_product(target, selection, data, mask, target.params["broadcast"])
    if target.params["return_mask"]:
        return _return_with_mask(target, selection, replacement, atom_code(target.module, mask))
    return target.module.deep_replace(selection, replacement)  # type: ignore[return-value]


def masked_product(
    target: FixTarget, selection: cst.BaseExpression, data: cst.BaseExpression, mask: cst.BaseExpression, broadcast: str
) -> cst.BaseExpression:
    """`data * mask`, to stand where `selection` stands (parenthesized where an operator needs it)."""
    data_text, mask_text = atom_code(target.module, data), atom_code(target.module, mask)
    if broadcast == "leading":
        # `x[mask]` selects along the mask's (leading) dimensions: give it trailing unit dimensions.
        factor = f"{mask_text}.reshape({mask_text}.shape + (1,) * ({data_text}.ndim - {mask_text}.ndim))"
    else:
        factor = mask_text
    replacement = cst.parse_expression(f"{data_text} * {factor}")
    if selection.lpar:
        return replacement.with_changes(lpar=selection.lpar, rpar=selection.rpar)
    if _needs_parentheses(target.module, selection):
        return replacement.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return replacement


def _selection_node(target: FixTarget) -> cst.Call | cst.Subscript:
    for node in target.nodes_at():
        if isinstance(node, cst.Call | cst.Subscript):
            return node
    raise FixError("no selection at the finding's position; re-run the analysis")


def expression_at(target: FixTarget, where: Sequence[int]) -> cst.BaseExpression:
    for node in target.nodes_at(Span(*where)):
        if isinstance(node, cst.BaseExpression):
            return node
    raise FixError("the selection's operands moved; re-run the analysis")


def atom_code(module: cst.Module, node: cst.BaseExpression) -> str:
    """Source of `node`, parenthesized unless it already binds tighter than any operator."""
    code = module.code_for_node(node)
    if node.lpar or isinstance(node, ATOMS):
        return code
    return f"({code})"


def _needs_parentheses(module: cst.Module, node: cst.BaseExpression) -> bool:
    """Whether `a * b` standing where `node` stands would bind differently without parentheses."""
    parent = _parent_of(module, node)
    if isinstance(parent, cst.Attribute | cst.Subscript | cst.Call | cst.UnaryOperation):
        # `(a * b).sum()`, `(a * b)[0]`, `-(a * b)`; as an argument or index it stands alone.
        return getattr(parent, "value", getattr(parent, "func", getattr(parent, "expression", None))) is node
    if isinstance(parent, cst.BinaryOperation):
        if isinstance(parent.operator, cst.Power):
            return True
        # `c / (a * b)` differs from `c / a * b`; `(a * b) / c` and `c + a * b` do not.
        tight = (cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.MatrixMultiply)
        return parent.right is node and isinstance(parent.operator, tight)
    return False


def _parent_of(module: cst.Module, node: cst.CSTNode) -> cst.CSTNode | None:
    finder = _ParentFinder(node)
    module.visit(finder)
    return finder.parent


class _ParentFinder(cst.CSTVisitor):
    def __init__(self, child: cst.CSTNode) -> None:
        self.child = child
        self.parent: cst.CSTNode | None = None
        self._stack: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is self.child:
            self.parent = self._stack[-1] if self._stack else None
            return False
        self._stack.append(node)
        return self.parent is None

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self._stack and self._stack[-1] is original_node:
            self._stack.pop()


def _return_with_mask(
    target: FixTarget, selection: cst.BaseExpression, replacement: cst.BaseExpression, mask_text: str
) -> cst.Module:
    statement = target.enclosing(cst.Return, selection)
    if statement.value is not selection:
        raise FixError("the selection is not the returned value")
    returned = cst.parse_expression(f"({target.module.code_for_node(replacement)}, {mask_text})")
    assert isinstance(returned, cst.Tuple)
    returned = returned.with_changes(lpar=[], rpar=[])
    return target.module.deep_replace(statement, statement.with_changes(value=returned))  # type: ignore[return-value]
