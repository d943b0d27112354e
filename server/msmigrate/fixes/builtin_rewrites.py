"""MSG007 fixes: built-ins that graph mode folds at compile time, rewritten as graph-friendly code.

- `reversed(seq)` -> `seq[::-1]` (a tuple or list display, a name bound to one, an `nn.CellList`);
- `reversed(range(stop))` -> `range(stop - 1, -1, -1)`, `reversed(range(start, stop))` ->
  `range(stop - 1, start - 1, -1)`;
- `sorted(t)` on a tensor -> `ops.sort(t)[0]` (`descending=True` for `reverse=True`).

The finding's span is the built-in's name; the call around it is the node rewritten.
"""

from __future__ import annotations

import libcst as cst

from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.fixes.imports import ensure_imported

# Expressions that bind tighter than binary `-`: written as they are in `stop - 1`.
_ATOMS = (cst.Name, cst.Attribute, cst.Subscript, cst.Call, cst.Integer)


def _call_at_finding(target: FixTarget) -> cst.Call:
    """The call whose callee (`sorted` or `builtins.sorted`) is exactly the finding's span."""
    for callee in target.nodes_at():
        if isinstance(callee, cst.Name | cst.Attribute):
            call = target.enclosing(cst.Call, callee)
            if call.func is callee:
                return call
    raise FixError("no call of the built-in at the finding's position; re-run the analysis")


def _only_argument(call: cst.Call) -> cst.BaseExpression:
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        raise FixError("expected exactly one positional argument")
    return call.args[0].value


@register_fix("reversed-to-slice")
def reversed_to_slice(target: FixTarget) -> cst.Module:
    call = _call_at_finding(target)
    sequence = _only_argument(call)
    reverse_step = cst.UnaryOperation(operator=cst.Minus(), expression=cst.Integer("1"))
    sliced = cst.Subscript(
        value=sequence,
        slice=[cst.SubscriptElement(slice=cst.Slice(lower=None, upper=None, step=reverse_step))],
    )
    return target.module.deep_replace(call, sliced)  # type: ignore[return-value]


@register_fix("reversed-range-to-range")
def reversed_range_to_range(target: FixTarget) -> cst.Module:
    call = _call_at_finding(target)
    range_call = _only_argument(call)
    if not isinstance(range_call, cst.Call) or not 1 <= len(range_call.args) <= 2:
        raise FixError("expected `reversed(range(stop))` or `reversed(range(start, stop))`")
    if any(argument.keyword is not None or argument.star for argument in range_call.args):
        raise FixError("range() with keyword or starred arguments")
    bounds = [argument.value for argument in range_call.args]
    start, stop = (None, bounds[0]) if len(bounds) == 1 else (bounds[0], bounds[1])
    first = _minus_one(stop, target.module)
    last = cst.parse_expression("-1") if start is None else _minus_one(start, target.module)
    counted_down = range_call.with_changes(
        args=[cst.Arg(first), cst.Arg(last), cst.Arg(cst.parse_expression("-1"))],
    )
    return target.module.deep_replace(call, counted_down)  # type: ignore[return-value]


def _minus_one(bound: cst.BaseExpression, module: cst.Module) -> cst.BaseExpression:
    if isinstance(bound, cst.Integer):
        return cst.parse_expression(str(int(bound.evaluated_value) - 1))
    text = module.code_for_node(bound)
    return cst.parse_expression(f"{text} - 1" if isinstance(bound, _ATOMS) else f"({text}) - 1")


@register_fix("sorted-to-ops-sort")
def sorted_to_ops_sort(target: FixTarget) -> cst.Module:
    call = _call_at_finding(target)
    positional = [argument for argument in call.args if argument.keyword is None]
    if len(positional) != 1 or positional[0].star:
        raise FixError("expected exactly one positional argument")
    module, ops = ensure_imported(target.module, "mindspore", "ops")
    sorted_values = target.module.code_for_node(positional[0].value)
    descending = ", descending=True" if target.params.get("descending") else ""
    replacement = cst.parse_expression(f"{ops}.sort({sorted_values}{descending})[0]")
    return module.deep_replace(call, replacement)  # type: ignore[return-value]
