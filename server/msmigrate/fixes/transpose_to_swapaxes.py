"""`ops.transpose(x, a, b)` -> `ops.swapaxes(x, a, b)`, `x.transpose(a, b)` -> `x.swapaxes(a, b)` (MSA018).

Params: `renames` (optional), pairs of torch keyword -> `swapaxes` keyword (`dim0` -> `axis0`).
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.fixes.imports import ensure_imported, reference_to
from msmigrate.rules.api_difference.transpose_given_two_axes import FIX_ID

SWAPAXES = "swapaxes"


@register_fix(FIX_ID)
def transpose_to_swapaxes(target: FixTarget) -> cst.Module:
    call = target.node_at(cst.Call)
    renames = dict(_pairs(target.params.get("renames", ())))
    args = [
        arg.with_changes(keyword=cst.Name(renames[arg.keyword.value]))
        if arg.keyword is not None and arg.keyword.value in renames
        else arg
        for arg in call.args
    ]
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "transpose":
        swapped = call.with_changes(func=func.with_changes(attr=cst.Name(SWAPAXES)), args=args)
        return target.module.deep_replace(call, swapped)
    if isinstance(func, cst.Name) and func.value == "transpose":
        # `from mindspore.ops import transpose`: name `swapaxes` the same way (settled before the edit,
        # as `ensure_imported` adds `from mindspore.ops import swapaxes` only where nothing reaches it).
        name = reference_to(target.module, "mindspore.ops", SWAPAXES) or SWAPAXES
        swapped = call.with_changes(func=cst.parse_expression(name), args=args)
        module, reached = ensure_imported(target.module.deep_replace(call, swapped), "mindspore.ops", SWAPAXES)
        if reached != name:
            raise FixError(f"`mindspore.ops.swapaxes` is reachable as `{reached}`, not `{name}`")
        return module
    raise FixError("not a `transpose(...)` call")


def _pairs(value: object) -> list[tuple[str, str]]:
    """Rename pairs as the rule made them (tuples) or as JSON brought them back (lists)."""
    if not isinstance(value, Sequence):
        raise FixError("renames must be pairs")
    pairs: list[tuple[str, str]] = []
    for pair in value:
        if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise FixError("renames must be pairs of names")
        old, new = pair
        if not (isinstance(old, str) and isinstance(new, str)):
            raise FixError("renames must be pairs of names")
        pairs.append((old, new))
    return pairs
