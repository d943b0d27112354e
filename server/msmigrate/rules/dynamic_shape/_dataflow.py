"""Which expressions of a function are boolean tensors, and which have a data-dependent shape.

Both are intra-procedural and conservative, on top of the shared value analysis (`context.values`): a
name is a boolean mask only when every value bound to it is one, and an expression has a
data-dependent shape when it comes from an operation whose output size the data decides (or from a
name bound to such a result, or from an elementwise operation on one).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from msmigrate.analysis.facts import FunctionNode
from msmigrate.analysis.values import ValueKind
from msmigrate.rules.base import RuleContext
from msmigrate.rules.dynamic_shape._apis import is_computed_tensor, resolve, short
from msmigrate.rules.dynamic_shape._families import (
    ARANGE,
    SAMPLE_COUNT_PARAMETERS,
    SAMPLERS,
    SELECTION,
    TOPK,
    UNIQUE,
)

BOOLEAN_FUNCTIONS = frozenset(
    f"{module}{name}"
    for module in ("mindspore.ops.", "mindspore.mint.", "torch.")
    for name in (
        "logical_and",
        "logical_or",
        "logical_not",
        "logical_xor",
        "isnan",
        "isinf",
        "isfinite",
        "isclose",
        "eq",
        "ne",
        "gt",
        "ge",
        "lt",
        "le",
        "greater",
        "greater_equal",
        "less",
        "less_equal",
        "equal",
        "not_equal",
    )
)
BOOLEAN_METHODS = frozenset(
    {
        "bool",
        "eq",
        "ne",
        "gt",
        "ge",
        "lt",
        "le",
        "logical_not",
        "logical_and",
        "logical_or",
        "isnan",
        "isinf",
        "isfinite",
        "any",
        "all",
    }
)
BOOLEAN_DTYPES = frozenset({"mindspore.bool_", "mindspore.common.dtype.bool_", "torch.bool"})
CAST_METHODS = frozenset({"astype", "to", "type"})
# Results that no longer have the shape of their (dynamic) input: a reduction to a scalar or its shape.
SHAPE_ERASING_METHODS = frozenset(
    {"sum", "mean", "max", "min", "any", "all", "prod", "numel", "item", "size", "dim", "ndimension", "argmax"}
)
SHAPE_ERASING_FUNCTIONS = frozenset(
    f"{module}{name}"
    for module in ("mindspore.ops.", "mindspore.mint.", "torch.")
    for name in ("sum", "mean", "max", "min", "any", "all", "prod", "numel", "size", "shape", "argmax", "reduce_sum")
)


def is_boolean_tensor(expr: ast.expr, context: RuleContext) -> bool:
    """`x > 0`, `~mask`, `a & b`, `ops.logical_and(...)`, `m.bool()`, or a name always bound to one."""
    if not _is_boolean(expr, context, set()):
        return False
    values = context.values
    return values is not None and values.kind_of(expr) is ValueKind.TENSOR


def _is_boolean(expr: ast.expr, context: RuleContext, visiting: set[str]) -> bool:
    if isinstance(expr, ast.Compare):
        return True
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Invert | ast.Not):
        return _is_boolean(expr.operand, context, visiting)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitAnd | ast.BitOr | ast.BitXor):
        return _is_boolean(expr.left, context, visiting) and _is_boolean(expr.right, context, visiting)
    if isinstance(expr, ast.Call):
        return _is_boolean_call(expr, context)
    if isinstance(expr, ast.Name) and context.function is not None:
        if expr.id in visiting:
            return False
        bound = context.facts.index_of(context.function).bindings.get(expr.id)
        if not bound or any(value is None for value in bound):
            return False
        visiting.add(expr.id)
        try:
            return all(value is not None and _is_boolean(value, context, visiting) for value in bound)
        finally:
            visiting.discard(expr.id)
    return False


def _is_boolean_call(call: ast.Call, context: RuleContext) -> bool:
    func = call.func
    if context.qualified_names(func) & BOOLEAN_FUNCTIONS:
        return True
    if context.qualified_names(func) & {"mindspore.ops.cast"} and len(call.args) == 2:
        return bool(context.qualified_names(call.args[1]) & BOOLEAN_DTYPES)
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr in BOOLEAN_METHODS:
        return True
    if func.attr in CAST_METHODS and len(call.args) == 1 and not call.keywords:
        dtype = call.args[0]
        if isinstance(dtype, ast.Name) and dtype.id == "bool":
            return True
        return bool(context.qualified_names(dtype) & BOOLEAN_DTYPES)
    return False


@dataclass(frozen=True)
class Origin:
    """Where a data-dependent shape comes from: a short description and the line it arises on."""

    description: str
    line: int


class DynamicShapes:
    """The names of one function that may hold a tensor whose shape depends on data."""

    def __init__(self, function: FunctionNode, context: RuleContext) -> None:
        self.context = context
        self.names: dict[str, Origin] = {}
        assignments = context.facts.index_of(function).assignments
        # A few rounds settle chains written in any order (`ids = nz.squeeze(1)` after `nz = nonzero(m)`).
        for _ in range(3):
            before = dict(self.names)
            for target, value in assignments:
                if value is not None:
                    self._bind(target, value)
            if self.names == before:
                break

    def _bind(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            origin = self.origin_of(value)
            if origin is not None:
                self.names.setdefault(target.id, origin)
            return
        if not isinstance(target, ast.Tuple | ast.List):
            return
        if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
            for element_target, element_value in zip(target.elts, value.elts, strict=True):
                self._bind(element_target, element_value)
            return
        origin = self.origin_of(value)
        if origin is None or not isinstance(value, ast.Call):
            return
        # `unique(x, return_inverse=True)`: only the unique values vary in size; the inverse has x's shape.
        only_first = resolve(value, self.context, UNIQUE) is not None
        for index, element in enumerate(target.elts):
            if isinstance(element, ast.Name) and (index == 0 or not only_first):
                self.names.setdefault(element.id, origin)

    def origin_of(self, expr: ast.expr) -> Origin | None:
        """Why `expr` may have a data-dependent shape, or None."""
        if isinstance(expr, ast.Name):
            return self.names.get(expr.id)
        if isinstance(expr, ast.Call):
            return self._call_origin(expr)
        if isinstance(expr, ast.Subscript):
            return self._subscript_origin(expr)
        if isinstance(expr, ast.BinOp):
            return self.origin_of(expr.left) or self.origin_of(expr.right)
        if isinstance(expr, ast.UnaryOp):
            return self.origin_of(expr.operand)
        return None

    def _call_origin(self, call: ast.Call) -> Origin | None:
        context = self.context
        line = call.lineno
        selected = resolve(call, context, SELECTION)
        if selected is not None and selects_by_data(selected.api.family, call):
            return Origin(selected.shown, line)
        topk = resolve(call, context, TOPK)
        if topk is not None and is_computed_tensor(topk.argument("k"), context):
            return Origin(f"{topk.shown} with a computed `k`", line)
        sampler = resolve(call, context, SAMPLERS)
        if sampler is not None:
            count = next((sampler.argument(name) for name in SAMPLE_COUNT_PARAMETERS if sampler.argument(name)), None)
            if is_computed_tensor(count, context):
                return Origin(f"{sampler.shown} with a computed count", line)
        arange = resolve(call, context, ARANGE)
        if arange is not None and any(
            is_computed_tensor(arange.argument(name), context) for name in ("start", "end", "step")
        ):
            return Origin(f"{arange.shown} with a computed bound", line)
        func = call.func
        if context.qualified_names(func) & SHAPE_ERASING_FUNCTIONS:
            return None
        if isinstance(func, ast.Attribute) and not context.qualified_names(func):
            if func.attr in SHAPE_ERASING_METHODS:
                return None
            # A method of a dynamic tensor (`ids.squeeze(1)`, `ids.astype(...)`) keeps its dynamic size.
            return self.origin_of(func.value)
        names = context.qualified_names(func)
        if call.args and any(name.startswith(("mindspore.", "torch.")) for name in names):
            # An operation on a dynamic tensor (`ops.floor_div(ids, n)`) is as dynamic as it is.
            return self.origin_of(call.args[0])
        return None

    def _subscript_origin(self, subscript: ast.Subscript) -> Origin | None:
        context = self.context
        index = subscript.slice
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        for part in parts:
            if isinstance(part, ast.Slice):
                if any(is_computed_tensor(bound, context) for bound in (part.lower, part.upper, part.step)):
                    return Origin(f"`{short(subscript)}` (a slice with a computed bound)", subscript.lineno)
            elif is_boolean_tensor(part, context):
                return Origin(f"`{short(subscript)}` (boolean-mask indexing)", subscript.lineno)
            else:
                origin = self.origin_of(part)
                if origin is not None:
                    return origin
        # `dyn[0]` of a tuple result, `dyn[:, 0]` of a dynamic tensor: still dynamic.
        return self.origin_of(subscript.value)


def selects_by_data(family: str, call: ast.Call) -> bool:
    """Whether a call of a selection API sizes its output by the data: `where` only with one argument."""
    if family != "where":
        return True
    return len(call.args) == 1 and not call.keywords and not isinstance(call.args[0], ast.Starred)


def _is_tensor(expr: ast.expr | None, context: RuleContext) -> bool:
    values = context.values
    return expr is not None and values is not None and values.kind_of(expr) is ValueKind.TENSOR


def dynamic_shapes(context: RuleContext, cache: dict[FunctionNode, DynamicShapes]) -> DynamicShapes | None:
    """The tracker of the context's function, built once per rule object (one analysis)."""
    function = context.function
    if function is None:
        return None
    tracker = cache.get(function)
    if tracker is None:
        tracker = cache[function] = DynamicShapes(function, context)
    return tracker
