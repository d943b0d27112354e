"""MSG006 fix: a set display of constants tested with `in` becomes a tuple display."""

from __future__ import annotations

import libcst as cst

from msmigrate.fixes.core import FixError, FixTarget, register_fix


@register_fix("set-display-to-tuple")
def set_display_to_tuple(target: FixTarget) -> cst.Module:
    old = target.node_at(cst.Set)
    if any(isinstance(element, cst.StarredElement) for element in old.elements):
        raise FixError("a starred element has no tuple-membership equivalent here")
    new = cst.Tuple(
        elements=old.elements,
        lpar=[cst.LeftParen(whitespace_after=old.lbrace.whitespace_after)],
        rpar=[cst.RightParen(whitespace_before=old.rbrace.whitespace_before)],
    )
    return target.module.deep_replace(old, new)  # type: ignore[return-value]
