"""`rename-keyword`: rename one keyword argument of a call, keeping its value, formatting and comments.

Contract for rules offering it (build the offer with
`msmigrate.rules.api_difference._shared_fixes.rename_keyword_offer`):

- the finding's span is the `ast.Call` whose keyword is renamed, or the `ast.keyword` itself
  (`bias=False`); a span that is neither makes the fix fail with `FixError`;
- params: `{"old": "bias", "new": "has_bias"}` — the keyword as written and the name it gets;
- the value is kept as written: a rule whose parameter needs its value converted too
  (`p` -> `keep_prob = 1 - p`) offers another fix, not this one;
- the fix refuses (FixError) when the call has no `old=` keyword or already passes `new=` (renaming
  would pass the parameter twice).

Its safety is the offering rule's claim: safe where the renamed MindSpore call computes what the torch
call did (a pure rename, proven by an oracle test), unsafe otherwise.
"""

from __future__ import annotations

import libcst as cst

from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.rules.api_difference._shared_fixes import RENAME_KEYWORD


@register_fix(RENAME_KEYWORD)
def rename_keyword(target: FixTarget) -> cst.Module:
    old = str(target.params["old"])
    new = str(target.params["new"])
    if not new.isidentifier():
        raise FixError(f"`{new}` is not a keyword name")
    call, argument = _call_and_argument(target, old)
    if any(arg.keyword is not None and arg.keyword.value == new for arg in call.args):
        raise FixError(f"the call already passes `{new}=`")
    renamed = argument.with_changes(keyword=argument.keyword.with_changes(value=new))  # type: ignore[union-attr]
    return target.module.deep_replace(argument, renamed)  # type: ignore[return-value]


def _call_and_argument(target: FixTarget, old: str) -> tuple[cst.Call, cst.Arg]:
    for node in target.nodes_at():
        if isinstance(node, cst.Arg) and _is_keyword(node, old):
            return target.enclosing(cst.Call, node), node
        if isinstance(node, cst.Call):
            argument = next((arg for arg in node.args if _is_keyword(arg, old)), None)
            if argument is None:
                raise FixError(f"the call passes no `{old}=` keyword")
            return node, argument
    raise FixError(f"no call or `{old}=` argument at the finding's position; re-run the analysis")


def _is_keyword(argument: cst.Arg, name: str) -> bool:
    return argument.keyword is not None and argument.keyword.value == name
