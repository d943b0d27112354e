"""`set-argument-value`: pass another value for one parameter of a layer call (MSA003 momentum, MSA004).

Params: `{"api": "mindspore.nn.BatchNorm2d", "parameter": "momentum", "value": "0.9"}`. The argument that
passes the parameter — positional or keyword — gets the new value in place; a parameter left to its
default is added as a keyword. With `"replaces": "track_running_stats"`, that keyword argument (a torch
name the layer does not accept) gives way to `parameter=value` in its place.
"""

from __future__ import annotations

import libcst as cst

from msmigrate.fixes._call_arguments import (
    as_keyword,
    find_argument,
    keyword_named,
    replace_argument,
    reported_call,
    set_keyword,
)
from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.rules.api_difference._layers import SET_ARGUMENT


@register_fix(SET_ARGUMENT)
def set_argument_value(target: FixTarget) -> cst.Module:
    call = reported_call(target)
    try:
        value = cst.parse_expression(str(target.params["value"]))
    except cst.ParserSyntaxError as error:
        raise FixError(f"not an expression: {target.params['value']!r}") from error
    api, parameter = str(target.params["api"]), str(target.params["parameter"])
    replaced = target.params.get("replaces")
    if replaced is None:
        fixed = set_keyword(call, api, parameter, value)
    else:
        if find_argument(call, api, parameter) is not None:
            raise FixError(f"the call already passes `{parameter}`")
        old = keyword_named(call, str(replaced))
        fixed = replace_argument(call, old, as_keyword(old, parameter, value))
    return target.module.deep_replace(call, fixed)  # type: ignore[return-value]
