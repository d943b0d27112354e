"""MSD009 fix: in an `if` on a tensor, each branch value with a selected shape becomes `data * mask`.

`masked_select(x, m)` and `x[m]` in a branch become `x * m` (with `m` given trailing unit dimensions
for `x[m]`), so that every branch binds the name to a tensor of the data's full shape.
"""

from __future__ import annotations

import libcst as cst

from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.fixes.mask_select import expression_at, masked_product
from msmigrate.rules.dynamic_shape.shape_diverging_branch import BRANCH_FIX_ID


@register_fix(BRANCH_FIX_ID)
def branch_to_full_shape_mask(target: FixTarget) -> cst.Module:
    replacements: dict[cst.CSTNode, cst.BaseExpression] = {}
    for index in range(int(target.params["count"])):
        value = expression_at(target, target.params[f"value{index}"])
        data = expression_at(target, target.params[f"data{index}"])
        mask = expression_at(target, target.params[f"mask{index}"])
        replacements[value] = masked_product(target, value, data, mask, target.params[f"broadcast{index}"])
    if not replacements:
        raise FixError("no branch value to rewrite")
    module = target.module
    for old, new in replacements.items():
        module = module.deep_replace(old, new)  # type: ignore[assignment]
    return module
