"""`drop-keyword`: remove one keyword argument that the called MindSpore layer does not accept (MSA007).

Params: `{"keyword": "padding_mode"}`. The finding's span is the call or the keyword argument itself.
"""

from __future__ import annotations

import libcst as cst

from msmigrate.fixes._call_arguments import keyword_named, remove_argument, reported_call
from msmigrate.fixes.core import FixTarget, register_fix
from msmigrate.rules.api_difference._layers import DROP_KEYWORD


@register_fix(DROP_KEYWORD)
def drop_keyword(target: FixTarget) -> cst.Module:
    call = reported_call(target)
    fixed = remove_argument(call, keyword_named(call, str(target.params["keyword"])))
    return target.module.deep_replace(call, fixed)  # type: ignore[return-value]
