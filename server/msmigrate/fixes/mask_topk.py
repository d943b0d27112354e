"""MSD004 fix: `values, _ = topk(x, k)` with a computed `k` becomes a mask of the values at least as large as the k-th.

    values, _ = ops.topk(x, k)
becomes
    values_sorted = ops.sort(x, descending=True)[0]
    values_mask = (x >= ops.expand_dims(values_sorted[..., k - 1], -1)).astype(x.dtype)
    values = x * values_mask

and `values.mean()` in the function becomes `values.sum() / values_mask.sum()`, the mean over the
kept values (the migration guide's rewrite of its "hardest 70 %" loss). Indexing the sorted values
with a 0-d `k - 1` keeps every shape static (measured on MindSpore 2.10).
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.fixes.imports import ensure_imported, reference_to
from msmigrate.fixes.mask_select import atom_code, expression_at
from msmigrate.rules.dynamic_shape.computed_topk import TOPK_FIX_ID


@register_fix(TOPK_FIX_ID)
def topk_to_kth_mask(target: FixTarget) -> cst.Module:
    data = expression_at(target, target.params["data"])
    k = expression_at(target, target.params["k"])
    statement = target.enclosing(cst.SimpleStatementLine, data)
    function = target.enclosing(cst.FunctionDef, statement)
    values = target.params["values"]
    taken = _bound_names(function)
    sorted_name = _fresh(f"{values}_sorted", taken)
    mask_name = _fresh(f"{values}_mask", taken | {sorted_name})
    ops_name = reference_to(target.module, "mindspore", "ops") or "ops"

    lines: list[str] = []
    data_text = target.module.code_for_node(data)
    if not isinstance(data, cst.Name | cst.Attribute):
        # The input is used three times: compute it once.
        input_name = _fresh(f"{values}_input", taken | {sorted_name, mask_name})
        lines.append(f"{input_name} = {data_text}")
        data_text = input_name
    descending, compare = ("True", ">=") if target.params["largest"] else ("False", "<=")
    k_text = atom_code(target.module, k)
    lines.append(f"{sorted_name} = {ops_name}.sort({data_text}, descending={descending})[0]")
    kth = f"{ops_name}.expand_dims({sorted_name}[..., {k_text} - 1], -1)"
    lines.append(f"{mask_name} = ({data_text} {compare} {kth}).astype({data_text}.dtype)")
    lines.append(f"{values} = {data_text} * {mask_name}")
    replacement = [cst.parse_statement(line + "\n") for line in lines]
    replacement[0] = replacement[0].with_changes(leading_lines=statement.leading_lines)
    replacement[-1] = replacement[-1].with_changes(trailing_whitespace=statement.trailing_whitespace)

    new_function = function.deep_replace(statement, cst.FlattenSentinel(replacement))
    if target.params["rewrite_mean"]:
        new_function = new_function.visit(_MeanOverMask(values, mask_name, ops_name))
    module, reached = ensure_imported(target.module.deep_replace(function, new_function), "mindspore", "ops")
    if reached != ops_name:
        raise FixError(f"`mindspore.ops` is reachable as `{reached}`, not `{ops_name}`")
    return module


def _bound_names(function: cst.FunctionDef) -> set[str]:
    names = {param.name.value for param in function.params.params}
    names.update(node.value for node in m.findall(function, m.Name()))  # type: ignore[union-attr]
    return names


def _fresh(name: str, taken: set[str]) -> str:
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}{number}"
    return candidate


class _MeanOverMask(cst.CSTTransformer):
    """`values.mean()` and `ops.mean(values)` -> `values.sum() / mask.sum()`."""

    def __init__(self, values: str, mask: str, ops_name: str) -> None:
        super().__init__()
        self.values = values
        self.mask = mask
        self.ops_name = ops_name
        self.rewritten: set[cst.BaseExpression] = set()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        method_mean = (
            isinstance(func, cst.Attribute)
            and func.attr.value == "mean"
            and m.matches(func.value, m.Name(self.values))
            and not updated_node.args
        )
        function_mean = (
            isinstance(func, cst.Attribute)
            and func.attr.value == "mean"
            and _dotted(func.value) == self.ops_name
            and len(updated_node.args) == 1
            and m.matches(updated_node.args[0], m.Arg(value=m.Name(self.values), keyword=None))
        )
        if not (method_mean or function_mean):
            return updated_node
        mean = cst.parse_expression(f"({self.values}.sum() / {self.mask}.sum())")
        self.rewritten.add(mean)
        return mean

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        return updated_node.with_changes(value=self._unwrapped(updated_node.value))

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        return updated_node.with_changes(value=self._unwrapped(updated_node.value))

    def _unwrapped(self, value: cst.BaseExpression | None) -> cst.BaseExpression | None:
        """A rewritten mean that is a whole statement value needs no parentheses."""
        if value is not None and value in self.rewritten:
            return value.with_changes(lpar=[], rpar=[])
        return value


def _dotted(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr.value}"
    return ""
