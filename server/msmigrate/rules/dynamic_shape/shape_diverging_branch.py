"""MSD009: an `if` on a tensor whose branches bind one name to values of different shapes."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from msmigrate.analysis.facts import Framework, FunctionNode
from msmigrate.analysis.findings import Category, FixOffer, FixSafety
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.dynamic_shape._apis import is_computed_tensor, is_tensor, is_torch_file, resolve, short
from msmigrate.rules.dynamic_shape._dataflow import DynamicShapes, dynamic_shapes, is_boolean_tensor
from msmigrate.rules.dynamic_shape._families import MASKED_SELECT
from msmigrate.rules.dynamic_shape._masking import index_broadcast, is_simple_reference
from msmigrate.rules.dynamic_shape._report import report_dynamic

BRANCH_FIX_ID = "branch-to-full-shape-mask"
LIKE_FUNCTIONS = frozenset(
    f"{module}{name}"
    for module in ("mindspore.ops.", "mindspore.mint.", "torch.")
    for name in ("zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like")
)
SHAPED_CONSTRUCTORS = frozenset(
    f"{module}{name}" for module in ("mindspore.ops.", "mindspore.mint.", "torch.") for name in ("zeros", "ones")
)
ELEMENTWISE_METHODS = frozenset({"astype", "abs", "float", "int", "long", "clone", "copy", "exp", "sigmoid"})
REDUCING_METHODS = frozenset({"sum", "mean", "max", "min", "prod", "any", "all"})


@dataclass(frozen=True)
class ShapeOf:
    """What is known of a value's shape: `kind` is "dynamic", "like" (the shape of `base`), "row" (one
    index into `base`) or "scalar" (a full reduction of `base`)."""

    kind: str
    base: str
    shown: str


@dataclass(frozen=True)
class Maskable:
    """A branch value the fix can turn into `data * mask`."""

    value: ast.expr
    data: ast.expr
    mask: ast.expr
    broadcast: str


class ShapeDivergingBranch(Rule):
    """An `if` on a tensor whose branches give one name values of different shapes.

    **What it does**

    Flags `if <tensor condition>:` ... `else:` ... where both branches assign the same name and the two
    values have different shapes: one has a data-dependent shape (`masked_select`, `x[mask]`,
    `nonzero`, ...) and the other does not, or one is a tensor and the other an element or a full
    reduction of it (`y = x` / `y = x[0]`). In PyTorch files the same branches are reported as
    information for the port.

    **Why is this bad?**

    The condition is known only when the graph runs, so MindSpore compiles both branches and joins
    their results: a name whose shape depends on the branch taken has a dynamic shape (even a dynamic
    rank) after the `if`. Measured on MindSpore 2.10 in GRAPH_MODE (CPU, STRICT and LAX): the
    migration guide's `masked_select`-or-`zeros_like` branch compiles, and inputs of one shape that
    take different branches give results of different shapes and ranks.

    **Example**

    ```python
    class KeepLarge(nn.Cell):
        def construct(self, x):
            if (x > 0.5).any():
                y = ops.masked_select(x, x > 0.5)
            else:
                y = ops.zeros_like(x)
            return y
    ```

    **Use instead**

    Make both branches produce the full shape, with the mask applied:

    ```python
    class KeepLarge(nn.Cell):
        def construct(self, x):
            if (x > 0.5).any():
                y = x * (x > 0.5)
            else:
                y = ops.zeros_like(x)
            return y
    ```

    **Fix safety**

    Unsafe. Offered when every branch value of a different shape is a `masked_select` or a boolean-mask
    index, each of which becomes `data * mask` (the data's full shape, zeros where the mask is False);
    later code sees the full shape instead of the selected values. Measured: the rewritten example
    compiles at both levels, keeps one shape whichever branch runs, and holds the selected values at
    the mask's positions.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/migration_guide/dynamic_shape.html
    https://www.mindspore.cn/docs/en/r2.2/migration_guide/model_development/model_and_cell.html
    """

    code = "MSD009"
    category = Category.DYNAMIC_SHAPE
    node_types = (ast.If,)
    frameworks = frozenset({Framework.MINDSPORE, Framework.BOTH, Framework.TORCH})

    def __init__(self) -> None:
        self._trackers: dict[FunctionNode, DynamicShapes] = {}

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.If)
        if not node.orelse or not is_computed_tensor(node.test, context):
            return
        tracker = dynamic_shapes(context, self._trackers)
        if tracker is None:
            return
        then_values, else_values = _last_bindings(node.body), _last_bindings(node.orelse)
        for name in sorted(then_values.keys() & else_values.keys()):
            then_value, else_value = then_values[name], else_values[name]
            then_shape = _shape_of(then_value, tracker, context)
            else_shape = _shape_of(else_value, tracker, context)
            if then_shape is None or else_shape is None or not _diverge(then_shape, else_shape):
                continue
            fixes: tuple[FixOffer, ...] = ()
            if not is_torch_file(context):
                fixes = _full_shape_fix(name, (then_value, else_value), (then_shape, else_shape), context)
            detail = (
                f"gives `{name}` values of different shapes in its branches ({then_shape.shown} / "
                f"{else_shape.shown}), so after the `if` its shape depends on the data"
            )
            report_dynamic(context, node.test, f"`if {short(node.test)}:`", detail, fixes=fixes)
            return


def _last_bindings(block: list[ast.stmt]) -> dict[str, ast.expr]:
    """`name -> value` of the last plain assignment to each name among the block's own statements."""
    found: dict[str, ast.expr] = {}
    for statement in block:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = statement.value
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value:
            found[statement.target.id] = statement.value
    return found


def _shape_of(value: ast.expr, tracker: DynamicShapes, context: RuleContext) -> ShapeOf | None:
    origin = tracker.origin_of(value)
    if origin is not None:
        return ShapeOf("dynamic", ast.dump(value), f"`{short(value)}`: data-dependent")
    return _static_shape_of(value, context)


def _static_shape_of(value: ast.expr, context: RuleContext) -> ShapeOf | None:
    shown = f"`{short(value)}`"
    if isinstance(value, ast.Name) and is_tensor(value, context):
        return ShapeOf("like", value.id, f"{shown}: the shape of `{value.id}`")
    if isinstance(value, ast.Call):
        names = context.qualified_names(value.func)
        first = value.args[0] if value.args else None
        if names & LIKE_FUNCTIONS and isinstance(first, ast.Name):
            return ShapeOf("like", first.id, f"{shown}: the shape of `{first.id}`")
        if (
            names & SHAPED_CONSTRUCTORS
            and isinstance(first, ast.Attribute)
            and first.attr == "shape"
            and isinstance(first.value, ast.Name)
        ):
            return ShapeOf("like", first.value.id, f"{shown}: the shape of `{first.value.id}`")
        func = value.func
        if isinstance(func, ast.Attribute) and not names and isinstance(func.value, ast.Name):
            if func.attr in ELEMENTWISE_METHODS:
                return _static_shape_of(func.value, context)
            if func.attr in REDUCING_METHODS and not value.args and not value.keywords:
                return ShapeOf("scalar", func.value.id, f"{shown}: a scalar")
    if isinstance(value, ast.BinOp | ast.Compare):
        operands = [value.left, value.right] if isinstance(value, ast.BinOp) else [value.left, *value.comparators]
        shapes = [_static_shape_of(operand, context) for operand in operands if is_tensor(operand, context)]
        if shapes and all(shape is not None and shape.kind == "like" for shape in shapes):
            bases = {shape.base for shape in shapes if shape is not None}
            if len(bases) == 1:
                return ShapeOf("like", bases.pop(), f"{shown}: the shape of `{shapes[0].base}`")  # type: ignore[union-attr]
        return None
    if (
        isinstance(value, ast.Subscript)
        and isinstance(value.value, ast.Name)
        and isinstance(value.slice, ast.Constant)
        and isinstance(value.slice.value, int)
        and is_tensor(value.value, context)
    ):
        return ShapeOf("row", value.value.id, f"{shown}: one index into `{value.value.id}`")
    return None


def _diverge(first: ShapeOf, second: ShapeOf) -> bool:
    if first.kind == "dynamic" or second.kind == "dynamic":
        return first != second
    # Two static shapes differ for sure only when both derive from the same tensor in different ways.
    return first.base == second.base and first.kind != second.kind


def _full_shape_fix(
    name: str, values: tuple[ast.expr, ast.expr], shapes: tuple[ShapeOf, ShapeOf], context: RuleContext
) -> tuple[FixOffer, ...]:
    maskables: list[Maskable] = []
    for value, shape in zip(values, shapes, strict=True):
        if shape.kind == "like":
            continue
        maskable = _maskable(value, context)
        if maskable is None:
            return ()
        maskables.append(maskable)
    span_of = context.source.span_of
    params: list[tuple[str, object]] = []
    for index, maskable in enumerate(maskables):
        for role in ("value", "data", "mask"):
            span = span_of(getattr(maskable, role))
            params.append((f"{role}{index}", (span.line, span.column, span.end_line, span.end_column)))
        params.append((f"broadcast{index}", maskable.broadcast))
    params.append(("count", len(maskables)))
    title = f"Keep the shape: make both branches give `{name}` the full shape, with the mask applied"
    return (FixOffer(title, FixSafety.UNSAFE, BRANCH_FIX_ID, tuple(params)),)


def _maskable(value: ast.expr, context: RuleContext) -> Maskable | None:
    if isinstance(value, ast.Call):
        resolved = resolve(value, context, MASKED_SELECT)
        if resolved is None or resolved.arguments.uncertain:
            return None
        data, mask = resolved.argument("input"), resolved.argument("mask")
        if data is None or mask is None:
            return None
        return Maskable(value, data, mask, "same")
    if isinstance(value, ast.Subscript) and is_boolean_tensor(value.slice, context):
        broadcast = index_broadcast(value.value, value.slice, context)
        if broadcast == "leading" and not (is_simple_reference(value.value) and is_simple_reference(value.slice)):
            return None
        return Maskable(value, value.value, value.slice, broadcast)
    return None
