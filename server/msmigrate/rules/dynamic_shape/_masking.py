"""The offer of the mask rewrite (`x[mask]`, `masked_select(x, mask)` -> `x * mask`), shared by MSD001 and MSD002.

The rule decides whether the rewrite is possible and passes the positions of the data and the mask;
the fix (`msmigrate.fixes.mask_select`) rebuilds the expression from them.
"""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import FixOffer, FixSafety
from msmigrate.rules.base import RuleContext
from msmigrate.rules.dynamic_shape._apis import is_tensor

MASK_FIX_ID = "select-to-mask"


def is_simple_reference(expr: ast.expr) -> bool:
    """`box`, `self.mask`, `outputs.scores`: cheap to repeat, with no side effects."""
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return isinstance(expr, ast.Name)


def mask_fix_offer(
    node: ast.expr, data: ast.expr, mask: ast.expr, context: RuleContext, broadcast: str
) -> FixOffer | None:
    """The offer for `node` (the selection) given its data and mask.

    `broadcast` is "same" when `data * mask` broadcasts as the selection does (`masked_select`, or a
    mask computed elementwise from the data), "leading" when the mask covers the leading dimensions of
    the data (`x[mask]`) and must be given trailing unit dimensions.
    """
    if broadcast == "leading" and not (is_simple_reference(data) and is_simple_reference(mask)):
        return None
    returned = isinstance(context.parent_of(node), ast.Return) and is_simple_reference(mask)
    span_of = context.source.span_of
    data_span, mask_span = span_of(data), span_of(mask)
    mask_text = ast.unparse(mask)
    title = f"Keep the shape: multiply by `{mask_text}` (zeros where it is False)"
    if returned:
        title += " and return the mask too"
    params = (
        ("data", (data_span.line, data_span.column, data_span.end_line, data_span.end_column)),
        ("mask", (mask_span.line, mask_span.column, mask_span.end_line, mask_span.end_column)),
        ("broadcast", broadcast),
        ("return_mask", returned),
    )
    return FixOffer(title, FixSafety.UNSAFE, MASK_FIX_ID, params)


def index_broadcast(data: ast.expr, mask: ast.expr, context: RuleContext) -> str:
    """How `data * mask` must broadcast to stand for `data[mask]`: "same" or "leading" (see `mask_fix_offer`)."""
    return "same" if _elementwise_of(mask, data, context) else "leading"


def _elementwise_of(mask: ast.expr, data: ast.expr, context: RuleContext) -> bool:
    """`x > 0` for `x[...]` (directly or through one local name): a mask of the data's own shape."""
    if isinstance(mask, ast.Name) and context.function is not None:
        bound = context.facts.index_of(context.function).bindings.get(mask.id, [])
        if len(bound) != 1 or bound[0] is None:
            return False
        mask = bound[0]
    if not isinstance(mask, ast.Compare) or len(mask.comparators) != 1:
        return False
    shown = ast.dump(data)
    operands = (mask.left, mask.comparators[0])
    others = [operand for operand in operands if ast.dump(operand) != shown]
    # One side is the data; the other must not widen the shape (a number or a 0-d reduction is fine).
    return (
        len(others) == 1
        and isinstance(others[0], ast.Constant | ast.Attribute | ast.Name)
        and not is_tensor(others[0], context)
    )
