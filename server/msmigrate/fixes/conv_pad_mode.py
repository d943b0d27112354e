"""`conv-pad-mode`: give a convolution the pad mode, padding and bias a PyTorch port needs (MSA005, MSA006).

Params: `api` (the MindSpore layer, to locate positional arguments), `pad_mode` (`"pad"`, or `"same"` /
`"valid"` for PyTorch's string padding), optionally `padding` (the new padding as source text, or `""`
to drop it) and `has_bias` (True adds `has_bias=True`). Arguments passed positionally stay positional.
"""

from __future__ import annotations

import libcst as cst

from msmigrate.fixes._call_arguments import find_argument, remove_argument, reported_call, set_keyword
from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.rules.api_difference.conv_padding_without_pad_mode import FIX_ID


@register_fix(FIX_ID)
def conv_pad_mode(target: FixTarget) -> cst.Module:
    call = reported_call(target)
    fixed = call
    api = str(target.params["api"])
    if "padding" in target.params:
        fixed = _with_padding(fixed, api, str(target.params["padding"]))
    if "pad_mode" in target.params:
        fixed = set_keyword(fixed, api, "pad_mode", cst.SimpleString(f'"{target.params["pad_mode"]}"'))
    if target.params.get("has_bias"):
        if any(argument.keyword is not None and argument.keyword.value == "bias" for argument in fixed.args):
            raise FixError("the call passes torch's `bias=`; rename it to `has_bias=` instead")
        fixed = set_keyword(fixed, api, "has_bias", cst.Name("True"))
    return target.module.deep_replace(call, fixed)  # type: ignore[return-value]


def _with_padding(call: cst.Call, api: str, padding: str) -> cst.Call:
    existing = find_argument(call, api, "padding")
    if existing is None:
        raise FixError("the call passes no padding")
    if padding:
        return set_keyword(call, api, "padding", cst.parse_expression(padding))
    if existing.keyword is None:
        # A positional padding may be followed by other positional arguments: 0 keeps their places.
        return set_keyword(call, api, "padding", cst.Integer("0"))
    return remove_argument(call, existing)
