"""What the generic MSA rules (MSA021, MSA022, MSA10x) share: torch names, their MindSpore counterparts.

Answers come from the mapping data (`mappings/torch_to_mindspore/`) and from `mappings/namespaces.json`
(which public names the installed packages have), never from importing either framework.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache

from msmigrate.analysis.calls import bind_to_api, signatures_for
from msmigrate.mappings import Counterpart, load_mappings
from msmigrate.rules.api_difference._shared_fixes import short_name

# Two torch names the tables have no row for, because every port meets them first.
BASE_CLASSES = {"torch.nn.Module": "mindspore.nn.Cell", "torch.nn.Parameter": "mindspore.Parameter"}

# MindSpore namespace prefix -> the torch namespaces a name under it was most likely copied from.
_TORCH_NAMESPACES = (
    ("mindspore.mint.nn.functional.", ("torch.nn.functional.",)),
    ("mindspore.mint.nn.", ("torch.nn.",)),
    ("mindspore.mint.", ("torch.",)),
    ("mindspore.nn.functional.", ("torch.nn.functional.",)),
    ("mindspore.nn.", ("torch.nn.",)),
    ("mindspore.ops.", ("torch.", "torch.nn.functional.")),
    ("mindspore.", ("torch.",)),
)


@dataclass(frozen=True)
class Suggestion:
    """A MindSpore API (or namespace) to use instead, with what the data says about it."""

    api: str
    category: str  # consistent / differs / unknown
    cpu: bool | None
    counterpart: Counterpart | None  # None for base classes and namespaces

    @property
    def shown(self) -> str:
        text = f"`{short_name(self.api)}`"
        if self.category == "differs":
            text += " (differs)"
        if self.cpu is False:
            text += " (no CPU kernel in 2.10)"
        return text


def missing_name(names: frozenset[str]) -> str | None:
    """The dotted MindSpore name an attribute reads that the installed package certainly lacks, else None.

    Certain means: every qualified-name candidate is a MindSpore name, each one's namespace is recorded in
    namespaces.json, and none of them has the member.
    """
    if not names or not all(name.startswith("mindspore.") for name in names):
        return None
    mappings = load_mappings()
    if not all(mappings.has_member(name) is False for name in names):
        return None
    return sorted(names)[0]


def torch_twins(mindspore_name: str) -> tuple[str, ...]:
    """Torch names a MindSpore name was likely copied from: `mindspore.nn.Module` -> `torch.nn.Module`."""
    for prefix, torch_prefixes in _TORCH_NAMESPACES:
        if mindspore_name.startswith(prefix):
            rest = mindspore_name.removeprefix(prefix)
            return tuple(f"{torch_prefix}{rest}" for torch_prefix in torch_prefixes)
    return ()


@cache
def suggestions_for(torch_name: str) -> tuple[Suggestion, ...]:
    """MindSpore APIs that stand for `torch_name`: the data's counterparts (mint first), existing ones only."""
    if torch_name in BASE_CLASSES:
        return (Suggestion(BASE_CLASSES[torch_name], "unknown", None, None),)
    mappings = load_mappings()
    entry = mappings.lookup(torch_name)
    found: list[Suggestion] = []
    if entry is not None:
        ordered = [entry.mint, *entry.counterparts()]
        for counterpart in ordered:
            if counterpart is None or counterpart.exists is False:
                continue
            if any(suggestion.api == counterpart.api for suggestion in found):
                continue
            found.append(Suggestion(counterpart.api, counterpart.category, counterpart.cpu, counterpart))
        return tuple(found)
    # No table row: a `mindspore.mint` namespace with the torch path (`torch.nn.functional` ->
    # `mindspore.mint.nn.functional`) is the counterpart of a namespace.
    if torch_name.startswith("torch."):
        mint_name = "mindspore.mint." + torch_name.removeprefix("torch.")
        if mappings.namespace_members(mint_name) is not None:
            return (Suggestion(mint_name, "unknown", None, None),)
    return ()


def drop_in(call: ast.Call, torch_name: str, suggestion: Suggestion) -> tuple[bool, bool]:
    """(the call works unchanged with the suggestion's API, and the two signatures are the same).

    A drop-in is a counterpart the tables call consistent whose installed signature accepts the call as
    written; "same signature" (parameter names and defaults equal torch's) is what makes a switch safe.
    """
    if suggestion.counterpart is None or suggestion.category != "consistent":
        return False, False
    binding = bind_to_api(call, suggestion.api)
    if binding is None or binding.uncertain or binding.problems:
        return False, False
    torch_signatures = {_comparable(signature.text) for signature in signatures_for(torch_name)}
    target_signatures = {_comparable(signature.text) for signature in signatures_for(suggestion.api)}
    return True, bool(torch_signatures) and torch_signatures == target_signatures


def _comparable(signature_text: str) -> str:
    return signature_text.replace(" ", "")
