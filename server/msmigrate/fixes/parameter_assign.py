"""`param.set_data(value)` -> `ops.assign(param, value)`: the graph-mode form of a Parameter update (MSG008)."""

from __future__ import annotations

import libcst as cst

from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.fixes.imports import ensure_imported, reference_to
from msmigrate.rules.graph_syntax.parameter_mutation_in_graph import FIX_ID


@register_fix(FIX_ID)
def set_data_to_assign(target: FixTarget) -> cst.Module:
    call = target.node_at(cst.Call)
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "set_data") or len(call.args) != 1:
        raise FixError("not a `param.set_data(value)` call")
    (data,) = call.args
    if data.star or (data.keyword is not None and data.keyword.value != "data"):
        raise FixError("`set_data` is called with other arguments than the new value")
    # The name is settled before the edit: `ensure_imported` below adds `from mindspore import ops` only
    # where no existing import reaches `mindspore.ops`, and then the name is `ops`.
    ops_name = reference_to(target.module, "mindspore", "ops") or "ops"
    receiver = cst.Arg(value=func.value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    value = data.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)
    assign = call.with_changes(func=cst.parse_expression(f"{ops_name}.assign"), args=[receiver, value])
    module, reached = ensure_imported(target.module.deep_replace(call, assign), "mindspore", "ops")
    if reached != ops_name:
        raise FixError(f"`mindspore.ops` is reachable as `{reached}`, not `{ops_name}`")
    return module
