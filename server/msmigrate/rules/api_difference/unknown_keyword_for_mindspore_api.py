"""MSA020: a keyword argument the called MindSpore API does not accept (a TypeError), renamed from the data."""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from msmigrate.analysis.calls import BoundArguments, bind_to_api
from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.mappings import load_mappings
from msmigrate.rules.api_difference._shared_fixes import rename_keyword_offer, short_name
from msmigrate.rules.base import Rule, RuleContext

# How close a misspelt keyword must be to a parameter name for a "did you mean" (difflib ratio).
CLOSE_NAME_CUTOFF = 0.8
# `x`, the torch value, in a transform of the mapping data (`1 - x`).
_TRANSFORM_INPUT = re.compile(r"\bx\b")


@dataclass(frozen=True)
class KeywordAdvice:
    """What to pass instead of an unknown keyword, and how sure the rename is."""

    new_name: str | None
    why: str
    safety: FixSafety | None  # None: no rename to offer (the value must change, or nothing fits)


class UnknownKeywordForMindSporeApi(Rule):
    """A MindSpore API called with a keyword it does not accept, often the PyTorch name of a parameter.

    **What it does**

    Binds each call of a MindSpore API (`mindspore.nn`, `ops`, `mint`, … — any API the mapping data
    records a signature for) to its installed 2.10 signature and flags every keyword argument the
    signature does not accept. When the mapping data knows the MindSpore name of that torch parameter
    (`Dense(bias=)` → `has_bias`, `LayerNorm(eps=)` → `epsilon`, `ops.mean(dim=, keepdim=)` → `axis`,
    `keep_dims`), or the legacy name of a parameter a `mint` API spells the torch way
    (`mint.nn.Linear(has_bias=)` → `bias`), the message says so and the fix renames it.

    **Why is this bad?**

    Python raises `TypeError: ... got an unexpected keyword argument` when the layer is built or the
    function called (measured on MindSpore 2.10 for `nn.Dense(bias=)`, `nn.LayerNorm(eps=)`,
    `ops.mean(dim=)`, `ops.softmax(dim=)`, `ops.cat(dim=)`, `nn.ReLU(inplace=)`): the port does not run.
    Positional arguments are not affected; a keyword copied from PyTorch code is.

    **Example**

    ```python
    self.fc = nn.Dense(512, 10, bias=False)
    y = ops.mean(x, dim=1, keepdim=True)
    ```

    **Use instead**

    ```python
    self.fc = nn.Dense(512, 10, has_bias=False)
    y = ops.mean(x, axis=1, keep_dims=True)
    ```

    **Fix safety**

    Renaming a keyword the mapping data records as a pure rename (same meaning, value kept) is safe: it
    removes a certain TypeError, and tests/oracle/test_msa_generic_fixes.py shows the renamed MindSpore
    call returns what the PyTorch call returns (reductions, `stack`, `split`, `softmax`, `Dense`,
    `LayerNorm`, `mint.nn.Linear`). A "did you mean" from the spelling alone is unsafe. A parameter whose
    value must be converted too (`unbiased` → `ddof=int(unbiased)`) gets the conversion in the message
    and no automatic fix. Conv, Dropout and BatchNorm keywords are left to MSA001-MSA009.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_api_mapping.html
    """

    code = "MSA020"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        if not node.keywords:
            return
        names = context.qualified_names(node.func)
        # After conditional imports the callee may be a torch API, whose keywords are fine: only a callee
        # that is MindSpore in every reading is checked.
        if not names or not all(name.startswith("mindspore.") for name in names):
            return
        if names & _apis_covered_elsewhere():
            return
        bindings = [(api, bind_to_api(node, api)) for api in sorted(names)]
        if any(binding is None for _, binding in bindings):
            return
        api, binding = bindings[0]
        assert binding is not None
        unknown_everywhere = set.intersection(*({kw.arg for kw in b.unknown_keywords} for _, b in bindings))  # type: ignore[union-attr]
        for keyword in binding.unknown_keywords:
            if keyword.arg not in unknown_everywhere:
                continue
            assert keyword.arg is not None
            advice = advice_for(api, keyword.arg, binding, node)
            shown = ast.unparse(node.func)
            if not short_name(api).endswith(shown):
                shown = f"{shown}` (`{short_name(api)}"
            when = "when the layer is built" if _is_class(api) else "at the call"
            message = f"`{shown}` has no parameter `{keyword.arg}` in MindSpore 2.10 (TypeError {when}): {advice.why}"
            fixes: tuple[FixOffer, ...] = ()
            if advice.new_name is not None and advice.safety is not None:
                fixes = (rename_keyword_offer(keyword.arg, advice.new_name, advice.safety),)
            context.report(keyword, message, Severity.ERROR, fixes=fixes)


def advice_for(api: str, keyword: str, binding: BoundArguments, call: ast.Call) -> KeywordAdvice:
    accepted = [name for name in binding.signature.names if binding.signature.parameter(name).keyword]  # type: ignore[union-attr]
    passed = {kw.arg for kw in call.keywords} | set(binding.arguments)
    for diff_new, transform, note, namer in _renames_from_data(api, keyword):
        if diff_new not in accepted:
            continue
        if transform:
            return KeywordAdvice(
                None,
                f"MindSpore's parameter is `{diff_new}` = `{_TRANSFORM_INPUT.sub(keyword, transform)}` ({note})",
                None,
            )
        if diff_new in passed:
            return KeywordAdvice(None, f"MindSpore names it `{diff_new}`, which the call already passes", None)
        why = f"MindSpore names it `{diff_new}`" if namer == "MindSpore" else f"use `{diff_new}` ({namer})"
        return KeywordAdvice(diff_new, why, FixSafety.SAFE)
    close = [name for name in difflib.get_close_matches(keyword, accepted, n=1, cutoff=CLOSE_NAME_CUTOFF)]
    if close and close[0] not in passed:
        return KeywordAdvice(close[0], f"did you mean `{close[0]}`?", FixSafety.UNSAFE)
    torch_only = _torch_only_note(api, keyword)
    if torch_only is not None:
        return KeywordAdvice(None, torch_only, None)
    listed = ", ".join(accepted) or "none"
    return KeywordAdvice(None, f"it accepts: {listed}", None)


def _renames_from_data(api: str, keyword: str) -> Iterator[tuple[str, str | None, str, str]]:
    """(MindSpore name, transform or None, note, who names it so) for `keyword`, from the mapping data.

    Two directions: `keyword` is the torch name of a parameter `api` spells otherwise (a legacy API used
    with torch keywords), or it is the legacy MindSpore name of a parameter that a `mint` API spells the
    torch way (`mint.nn.Linear(has_bias=)`).
    """
    mappings = load_mappings()
    for hit in mappings.torch_for(api):
        if hit.role == "false_friend":
            continue
        entry = mappings.lookup(hit.torch)
        if entry is None:
            continue
        own = entry.counterpart(api)
        if own is not None:
            for diff in own.params:
                if diff.torch == keyword and diff.mindspore and diff.kind in ("rename", "transform"):
                    yield diff.mindspore, diff.transform, diff.note, "MindSpore"
        if own is not None and own.is_mint:
            for legacy in entry.legacy:
                for diff in legacy.params:
                    if diff.mindspore == keyword and diff.torch and diff.kind == "rename":
                        yield (
                            diff.torch,
                            None,
                            diff.note,
                            f"`{keyword}` is `{short_name(legacy.api)}`'s name; `mint` follows PyTorch",
                        )


def _torch_only_note(api: str, keyword: str) -> str | None:
    mappings = load_mappings()
    for hit in mappings.torch_for(api):
        entry = mappings.lookup(hit.torch)
        own = entry.counterpart(api) if entry is not None else None
        if own is None:
            continue
        for diff in own.params:
            if diff.torch == keyword and diff.kind == "torch_only":
                return f"PyTorch's `{keyword}` has no MindSpore counterpart here: remove it"
    return None


def _is_class(api: str) -> bool:
    return api.rsplit(".", 1)[-1][:1].isupper()


@cache
def _apis_covered_elsewhere() -> frozenset[str]:
    from msmigrate.rules import all_rules  # the registry imports this module: resolve it at first use

    # A rule that reports some APIs' torch keywords itself, with fixes of its own (MSA007 for the layers
    # whose keywords need a value transform, not a rename), declares them: one keyword, one report.
    return frozenset().union(*(rule.covers_keywords_of for rule in all_rules()))
