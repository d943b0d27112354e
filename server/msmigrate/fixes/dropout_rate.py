"""`dropout-keep-prob-to-p`: `nn.Dropout(keep_prob)` → `nn.Dropout(p=...)` (MSA001).

Params: `{"meaning": "torch"}` passes the value as written as `p` (torch's drop rate: `Dropout(0.2)` →
`Dropout(p=0.2)`); `{"meaning": "mindspore", "p": "0.1"}` passes the given expression as `p`, the drop
rate that keeps what `keep_prob` kept (`keep_prob=0.9` → `p=0.1`).
"""

from __future__ import annotations

import libcst as cst

from msmigrate.fixes._call_arguments import as_keyword, find_argument, replace_argument, reported_call
from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.rules.api_difference.dropout_keep_prob_as_rate import DROPOUT_APIS, FIX_ID, TORCH_RATE_PARAMETER


@register_fix(FIX_ID)
def keep_prob_to_p(target: FixTarget) -> cst.Module:
    call = reported_call(target)
    (api,) = DROPOUT_APIS
    keep_prob = find_argument(call, api, "keep_prob")
    if keep_prob is None:
        raise FixError("the call passes no keep_prob")
    if find_argument(call, api, TORCH_RATE_PARAMETER) is not None:
        raise FixError("the call already passes p")
    positional = [argument for argument in call.args if argument.keyword is None]
    if keep_prob.keyword is None and positional[-1] is not keep_prob:
        raise FixError("keep_prob is followed by other positional arguments")
    meaning = target.params.get("meaning")
    if meaning == "torch":
        new = as_keyword(keep_prob, TORCH_RATE_PARAMETER)
    elif meaning == "mindspore":
        new = as_keyword(keep_prob, TORCH_RATE_PARAMETER, cst.parse_expression(str(target.params["p"])))
    else:
        raise FixError(f"unknown meaning {meaning!r}")
    return target.module.deep_replace(call, replace_argument(call, keep_prob, new))  # type: ignore[return-value]
