"""Argument surgery on a layer call for the layer fixes (Dropout, BatchNorm, Conv): find, replace, add, drop.

A parameter is found as the installed signature binds it (`mappings/signatures.json`), so the fixes
work whichever way the call passes it: positionally, by keyword, or not at all.
"""

from __future__ import annotations

import libcst as cst

from msmigrate.analysis.calls import signatures_for
from msmigrate.fixes.core import FixError, FixTarget


def reported_call(target: FixTarget) -> cst.Call:
    """The call at the finding's span, or the call whose argument (`bias=True`) is at the span."""
    for node in target.nodes_at():
        if isinstance(node, cst.Call):
            return node
    for node in target.nodes_at():
        if isinstance(node, cst.Arg):
            return target.enclosing(cst.Call, node)
    raise FixError("no call at the finding's position; re-run the analysis")


def keyword_named(call: cst.Call, name: str) -> cst.Arg:
    for argument in call.args:
        if argument.keyword is not None and argument.keyword.value == name:
            return argument
    raise FixError(f"the call passes no `{name}=`")


def find_argument(call: cst.Call, api: str, name: str) -> cst.Arg | None:
    """The argument that passes parameter `name` of `api`, by keyword or by position; None when left out."""
    for argument in call.args:
        if argument.keyword is not None and argument.keyword.value == name:
            return argument
    signatures = signatures_for(api)
    if not signatures:
        raise FixError(f"no installed signature for {api}")
    positional_names = [parameter.name for parameter in signatures[0].parameters if parameter.positional]
    positional = [argument for argument in call.args if argument.keyword is None]
    if any(argument.star for argument in call.args):
        raise FixError("the call spreads *args or **kwargs; its arguments cannot be located")
    if name in positional_names:
        index = positional_names.index(name)
        if index < len(positional):
            return positional[index]
    return None


def keyword_argument(name: str, value: cst.BaseExpression) -> cst.Arg:
    """`name=value`, spelled as PEP 8 spells keyword arguments (no spaces around `=`)."""
    no_space = cst.SimpleWhitespace("")
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
    )


def as_keyword(argument: cst.Arg, name: str, value: cst.BaseExpression | None = None) -> cst.Arg:
    """The argument passed as `name=` (its value replaced when `value` is given), keeping its comma."""
    keyword = keyword_argument(name, value if value is not None else argument.value)
    return keyword.with_changes(comma=argument.comma)


def replace_argument(call: cst.Call, old: cst.Arg, new: cst.Arg) -> cst.Call:
    return call.with_changes(args=[new if argument is old else argument for argument in call.args])


def append_argument(call: cst.Call, new: cst.Arg) -> cst.Call:
    """`call` with `new` last; a trailing comma and the layout between arguments are kept."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # A trailing comma stays trailing; the new argument is laid out like the one before it, or for a
        # single argument, like that argument after the opening parenthesis (not like the closing one).
        if len(args) > 1 and isinstance(args[-2].comma, cst.Comma):
            separator = args[-2].comma
        elif isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
            separator = last.comma.with_changes(whitespace_after=call.whitespace_before_args)
        else:
            separator = last.comma
        args[-1] = last.with_changes(comma=separator)
        args.append(new.with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new.with_changes(comma=cst.MaybeSentinel.DEFAULT))
    return call.with_changes(args=args)


def remove_argument(call: cst.Call, old: cst.Arg) -> cst.Call:
    args = [argument for argument in call.args if argument is not old]
    if args and call.args[-1] is old:
        # The argument before the removed last one takes over its comma (trailing or none).
        args[-1] = args[-1].with_changes(comma=old.comma)
    return call.with_changes(args=args)


def set_keyword(call: cst.Call, api: str, name: str, value: cst.BaseExpression) -> cst.Call:
    """Pass `name=value`: replace the argument that passes it (keeping a positional one positional) or add it."""
    existing = find_argument(call, api, name)
    if existing is None:
        return append_argument(call, keyword_argument(name, value))
    return replace_argument(call, existing, existing.with_changes(value=value))
