"""Offers of the two fixes every API-difference rule may use: `rename-keyword` and `switch-to-mint`.

The fixes themselves (libcst) live in `msmigrate.fixes.rename_keyword` and `msmigrate.fixes.switch_to_mint`;
this module holds only their ids and how an offer is spelled, so rules stay on the fast path (no libcst).
"""

from __future__ import annotations

from msmigrate.analysis.findings import FixOffer, FixSafety
from msmigrate.mappings import Counterpart

RENAME_KEYWORD = "rename-keyword"
SWITCH_TO_MINT = "switch-to-mint"


def rename_keyword_offer(old: str, new: str, safety: FixSafety) -> FixOffer:
    """Rename the keyword argument `old=` of the reported call to `new=` (the value is kept as written).

    The finding must be reported at the `ast.Call` or at the `ast.keyword` itself.
    """
    return FixOffer(f"Rename `{old}=` to `{new}=`", safety, RENAME_KEYWORD, (("old", old), ("new", new)))


def short_name(api: str) -> str:
    """`mindspore.mint.nn.Dropout` -> `mint.nn.Dropout`, the way people write it."""
    return api.removeprefix("mindspore.")


def switch_offer(target: str, cpu: bool | None, safety: FixSafety = FixSafety.UNSAFE) -> FixOffer:
    """Replace the callee of the reported call by `target` (a dotted `mindspore.…` API).

    `cpu` is the mapping's CPU probe for `target` (`Counterpart.cpu`): False puts the caveat in the title,
    since the switched code then fails on a CPU-only machine.
    """
    title = f"Switch to `{short_name(target)}`"
    if cpu is False:
        title += f" ({short_name(target)} has no CPU kernel in MindSpore 2.10)"
    return FixOffer(title, safety, SWITCH_TO_MINT, (("target", target),))


def switch_to_counterpart_offer(counterpart: Counterpart, safety: FixSafety = FixSafety.UNSAFE) -> FixOffer:
    return switch_offer(counterpart.api, counterpart.cpu, safety)
