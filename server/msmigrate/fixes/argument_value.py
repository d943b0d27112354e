"""`set-argument-value`: pass another value for one parameter of a layer call (MSA003 momentum, MSA004).

Params: `{"api": "mindspore.nn.BatchNorm2d", "parameter": "momentum", "value": "0.9"}`. The argument that
passes the parameter — positional or keyword — gets the new value in place; a parameter left to its
default is added as a keyword.
"""

from __future__ import annotations

import libcst as cst

from msmigrate.fixes._call_arguments import reported_call, set_keyword
from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.rules.api_difference._layers import SET_ARGUMENT


@register_fix(SET_ARGUMENT)
def set_argument_value(target: FixTarget) -> cst.Module:
    call = reported_call(target)
    try:
        value = cst.parse_expression(str(target.params["value"]))
    except cst.ParserSyntaxError as error:
        raise FixError(f"not an expression: {target.params['value']!r}") from error
    fixed = set_keyword(call, str(target.params["api"]), str(target.params["parameter"]), value)
    return target.module.deep_replace(call, fixed)  # type: ignore[return-value]
