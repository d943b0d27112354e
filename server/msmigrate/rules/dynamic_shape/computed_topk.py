"""MSD004: `topk` whose `k` is computed from tensor values."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category, FixOffer, FixSafety
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.dynamic_shape._apis import (
    ResolvedCall,
    is_computed_tensor,
    is_literal,
    is_torch_file,
    resolve,
    short,
)
from msmigrate.rules.dynamic_shape._families import TOPK
from msmigrate.rules.dynamic_shape._report import report_dynamic

TOPK_FIX_ID = "topk-to-kth-mask"


class ComputedTopK(Rule):
    """`topk` with a `k` computed from tensor values: as many results as the data decides.

    **What it does**

    Flags `ops.topk(x, k)`, `mint.topk`, `x.topk(k)` and the `ops.TopK()` primitive when `k` is a
    tensor or computed from one (`k = int(mask.sum())`, `k = (mask.sum() * 0.7).astype(ms.int32)`).
    A constant `k` (`topk(x, 5)`, `self.k` set in `__init__`) is not flagged. In PyTorch files
    `torch.topk` and `x.topk` are reported as information for the port.

    **Why is this bad?**

    The output has `k` elements along the reduced axis, so a `k` known only at run time gives the
    graph a dynamic shape. Measured on MindSpore 2.10 in GRAPH_MODE (CPU, STRICT and LAX): it
    compiles, and two inputs of the same shape give outputs of different lengths.

    **Example**

    The "hardest 70 % of the positives" loss of the MindSpore migration guide, ported literally:

    ```python
    class ClassLoss(nn.Cell):
        def construct(self, con, label):
            mask = label > 0
            pos_num = ops.clamp(mask.sum() * 0.7, 1).astype(ms.int32)
            loss, _ = ops.topk(con * mask, pos_num)
            return loss.mean()
    ```

    **Use instead**

    Sort once, take the k-th largest value, and keep the values at least as large with a mask:

    ```python
    class ClassLoss(nn.Cell):
        def construct(self, con, label):
            mask = label > 0
            pos_num = ops.clamp(mask.sum() * 0.7, 1).astype(ms.int32)
            con = con * mask
            con_sorted = ops.sort(con, descending=True)[0]
            loss_mask = (con >= ops.expand_dims(con_sorted[..., pos_num - 1], -1)).astype(con.dtype)
            loss = con * loss_mask
            return loss.sum() / loss_mask.sum()
    ```

    **Fix safety**

    Unsafe. Offered where the values are bound by `values, indices = topk(x, k)` (indices unused) or
    `values = topk(x, k)[0]`, along the last axis. The values become `x * mask`: the full shape, in
    the input's order rather than sorted, with zeros elsewhere; ties with the k-th value are all
    kept; `values.mean()` in the same function becomes `values.sum() / mask.sum()`. Other uses of the
    values see the new shape. Measured on the migration guide's loss: the rewrite compiles at both
    levels and gives the loss the original gives, for inputs with different numbers of positives.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/migration_guide/dynamic_shape.html
    https://www.mindspore.cn/docs/en/r2.2/migration_guide/model_development/model_and_cell.html
    """

    code = "MSD004"
    category = Category.DYNAMIC_SHAPE
    node_types = (ast.Call,)
    frameworks = frozenset({Framework.MINDSPORE, Framework.BOTH, Framework.TORCH})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        resolved = resolve(node, context, TOPK, lambda found: not is_literal(found.argument("k")))
        if resolved is None:
            return
        k = resolved.argument("k")
        if not is_computed_tensor(k, context):
            return
        assert k is not None
        fixes: tuple[FixOffer, ...] = ()
        if not is_torch_file(context) and not resolved.api.torch:
            fixes = _kth_mask_fix(resolved, context)
        detail = f"takes `k = {short(k)}`, computed from tensors, so it returns as many values as the data decides"
        report_dynamic(context, node, resolved.shown, detail, torch_api=resolved.api.torch, fixes=fixes)


def _kth_mask_fix(resolved: ResolvedCall, context: RuleContext) -> tuple[FixOffer, ...]:
    """The fix needs `values[, indices] = topk(...)` with the indices unused, along the last axis."""
    arguments = resolved.arguments
    data, k = resolved.argument("input"), resolved.argument("k")
    if data is None or k is None or arguments.uncertain or arguments.problems:
        return ()
    dim = resolved.argument("dim")
    if dim is not None and not (_is_number(dim, -1) or (isinstance(dim, ast.Constant) and dim.value is None)):
        return ()
    largest = resolved.argument("largest")
    if largest is not None and not (isinstance(largest, ast.Constant) and isinstance(largest.value, bool)):
        return ()
    values_name = _values_target(resolved.call, context)
    if values_name is None:
        return ()
    function = context.function
    bound_once = function is not None and len(context.facts.index_of(function).bindings.get(values_name, [])) == 1
    span_of = context.source.span_of
    data_span, k_span = span_of(data), span_of(k)
    params = (
        ("data", (data_span.line, data_span.column, data_span.end_line, data_span.end_column)),
        ("k", (k_span.line, k_span.column, k_span.end_line, k_span.end_column)),
        ("values", values_name),
        ("largest", not (isinstance(largest, ast.Constant) and largest.value is False)),
        ("rewrite_mean", bound_once),
    )
    title = f"Keep the shape: mask `{values_name}` to the values at least as large as the k-th (sort once)"
    return (FixOffer(title, FixSafety.UNSAFE, TOPK_FIX_ID, params),)


def _values_target(call: ast.Call, context: RuleContext) -> str | None:
    """The name the top-k values are bound to, when the statement has a shape the fix can rewrite."""
    parent = context.parent_of(call)
    statement = parent
    if isinstance(parent, ast.Subscript) and isinstance(parent.slice, ast.Constant) and parent.slice.value == 0:
        statement = context.parent_of(parent)
        if not (isinstance(statement, ast.Assign) and statement.value is parent):
            return None
        target = statement.targets[0] if len(statement.targets) == 1 else None
        return target.id if isinstance(target, ast.Name) else None
    if not (isinstance(statement, ast.Assign) and statement.value is call and len(statement.targets) == 1):
        return None
    target = statement.targets[0]
    if not (isinstance(target, ast.Tuple) and len(target.elts) == 2):
        return None
    values, indices = target.elts
    if not (isinstance(values, ast.Name) and isinstance(indices, ast.Name)):
        return None
    if context.function is not None and _is_read(indices.id, context):
        return None
    return values.id


def _is_read(name: str, context: RuleContext) -> bool:
    assert context.function is not None
    return any(
        isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
        for node in context.facts.index_of(context.function).nodes
    )


def _is_number(expr: ast.expr, number: int) -> bool:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub) and isinstance(expr.operand, ast.Constant):
        return expr.operand.value == -number
    return isinstance(expr, ast.Constant) and expr.value == number
