"""What the mapping data says about one API, in words: shared by the hover and the migration report.

A torch API falls in one of four groups:

- `consistent`: every counterpart the official tables name (current and r2.4.10) is "Consistent";
- `differs`: at least one of them differs (the parameter rows and behaviour notes say how);
- `unknown`: a counterpart exists but no table judged it (a `mindspore.mint` namesake found by
  introspection), or the named counterpart is missing from MindSpore 2.10;
- `no_counterpart`: neither table lists the API, so no documented MindSpore counterpart exists.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from msmigrate.mappings import (
    REQUIRED,
    UNKNOWN_DEFAULT,
    ApiMappings,
    Counterpart,
    FalseFriend,
    MappingDataError,
    ParamDiff,
    TorchApiMapping,
    load_mappings,
)

MAPPING_TABLE_URL = "https://www.mindspore.cn/docs/en/r2.6.0/note/api_mapping/pytorch_api_mapping.html"
TABLE_ROLES = ("current", "legacy")
ROLE_LABELS = {"current": "current", "legacy": "legacy", "mint_namesake": "mint (same name)"}
# Phrases the data uses when a row's note only repeats its kind; such notes are left out.
_GENERIC_NOTES = re.compile(
    r"^(renamed|defaults differ|same position|not in mindspore|mindspore-only|torch-only|not in torch)",
    re.IGNORECASE,
)
_TORCH_VALUE = re.compile(r"\bx\b")


class Group(enum.Enum):
    DIFFERS = "differs"
    NO_COUNTERPART = "no_counterpart"
    UNKNOWN = "unknown"
    CONSISTENT = "consistent"

    @property
    def title(self) -> str:
        return GROUP_TITLES[self]


GROUP_TITLES = {
    Group.DIFFERS: "differs",
    Group.NO_COUNTERPART: "no counterpart",
    Group.UNKNOWN: "unknown",
    Group.CONSISTENT: "consistent",
}
GROUP_MEANINGS = {
    Group.DIFFERS: "a counterpart exists, but parameters, defaults or behaviour differ",
    Group.NO_COUNTERPART: "not in the official PyTorch → MindSpore mapping tables (current and r2.4.10)",
    Group.UNKNOWN: "a counterpart exists that no table judged, or the named one is missing in MindSpore 2.10",
    Group.CONSISTENT: "every counterpart the tables name is consistent",
}


@dataclass(frozen=True)
class ParamRow:
    """One parameter difference as a table row."""

    kind: str
    torch: str | None
    mindspore: str | None
    where: str | None  # `init` (constructor), `call` (forward / construct input), or None
    difference: str

    def to_json(self) -> dict[str, str | None]:
        return {
            "kind": self.kind,
            "torch": self.torch,
            "mindspore": self.mindspore,
            "where": self.where,
            "difference": self.difference,
        }


def mappings_or_none() -> ApiMappings | None:
    try:
        return load_mappings()
    except MappingDataError:
        return None


def torch_entry(name: str, mappings: ApiMappings | None = None) -> TorchApiMapping | None:
    """The entry of a torch API, also when code spells it through a defining module.

    Code writes `torch.nn.Parameter` where a table wrote `torch.nn.parameter.Parameter`, and the other
    way round (`torch.nn.modules.conv.Conv2d`).
    """
    mappings = mappings if mappings is not None else mappings_or_none()
    if mappings is None:
        return None
    for candidate in _spellings(name):
        entry = mappings.lookup(candidate)
        if entry is not None:
            return entry
    return None


def _spellings(name: str) -> Iterable[str]:
    yield name
    parts = name.split(".")
    if "modules" in parts[:-1]:  # torch.nn.modules.conv.Conv2d -> torch.nn.Conv2d
        index = parts.index("modules")
        yield ".".join(parts[:index] + parts[-1:])
    if len(parts) >= 3 and parts[-1][:1].isupper():  # torch.nn.Parameter -> torch.nn.parameter.Parameter
        yield ".".join([*parts[:-1], parts[-1].lower(), parts[-1]])


def table_counterparts(entry: TorchApiMapping) -> list[Counterpart]:
    return [counterpart for counterpart in entry.counterparts() if counterpart.role in TABLE_ROLES]


def group_of(entry: TorchApiMapping | None) -> Group:
    if entry is None:
        return Group.NO_COUNTERPART
    judged = [counterpart for counterpart in table_counterparts(entry) if counterpart.exists is not False]
    if not judged:
        return Group.UNKNOWN
    categories = {counterpart.category for counterpart in judged}
    if "differs" in categories:
        return Group.DIFFERS
    if categories == {"consistent"}:
        return Group.CONSISTENT
    return Group.UNKNOWN


def short_api(name: str) -> str:
    """`mindspore.mint.nn.Dropout` -> `mint.nn.Dropout`: the namespace is what a reader compares."""
    return name.removeprefix("mindspore.")


def cpu_text(counterpart: Counterpart) -> str:
    """Whether the `mint` form ran on CPU in MindSpore 2.10's probe; "" for other namespaces."""
    if not counterpart.is_mint:
        return ""
    if counterpart.cpu is True:
        return "runs on CPU"
    if counterpart.cpu is False:
        return "no CPU kernel"
    return "CPU not known"


def cpu_detail(counterpart: Counterpart) -> str:
    """The probe's message when the CPU could not run the `mint` form."""
    if counterpart.is_mint and counterpart.cpu is False and counterpart.cpu_probe:
        return counterpart.cpu_probe
    return ""


def doc_link(counterpart: Counterpart) -> tuple[str, str] | None:
    """(label, url): the difference page (pinned to the docs version that has it), else the API page."""
    diff_page = counterpart.diff_page
    if diff_page:
        return f"difference page ({_version_of(diff_page)})", diff_page
    api_page = counterpart.links.get("mindspore_api")
    if api_page:
        return f"API page ({_version_of(api_page)})", api_page
    return None


def _version_of(url: str) -> str:
    match = re.search(r"/docs/(?:en|zh-CN)/([^/]+)/", url)
    return match.group(1) if match else "docs"


def param_rows(counterpart: Counterpart) -> list[ParamRow]:
    """The counterpart's parameter differences, most consequential first (behaviour notes are separate)."""
    params = [param for param in counterpart.params if param.kind != "behaviour"]
    params.sort(key=_importance)
    return [ParamRow(param.kind, param.torch, param.mindspore, param.where, _difference(param)) for param in params]


def behaviour_notes(counterparts: Iterable[Counterpart]) -> list[str]:
    """Behaviour differences no parameter carries, once each (several counterparts repeat them)."""
    notes: list[str] = []
    seen: set[str] = set()
    for counterpart in counterparts:
        for param in counterpart.params:
            if param.kind != "behaviour":
                continue
            key = param.check or param.note
            if key not in seen:
                seen.add(key)
                notes.append(param.note)
    return notes


def _importance(param: ParamDiff) -> tuple[int, int, int]:
    order = {"transform": 0, "default": 1, "rename": 2, "note": 3, "torch_only": 4, "ms_only": 5}
    rank = order.get(param.kind, 6)
    if param.kind == "default" and not param.defaults_differ:
        rank = 3
    introspected = 1 if param.source == "introspection" else 0
    return (param.where == "call", introspected, rank)


def _difference(param: ParamDiff) -> str:
    parts: list[str] = []
    if param.kind == "transform" and param.transform:
        torch_name = param.torch or "x"
        target = param.mindspore or torch_name
        if target == torch_name:  # `momentum = 1 - momentum` would not say which side is which
            target, torch_name = f"{target}_ms", f"{torch_name}_torch"
        parts.append(f"{target} = {_TORCH_VALUE.sub(torch_name, param.transform)}")
    elif param.kind == "rename":
        parts.append("renamed")
    elif param.kind == "torch_only":
        parts.append("torch only")
    elif param.kind == "ms_only":
        parts.append("MindSpore only" + (f", default {_value(param.ms_default)}" if param.ms_default else ""))
    if param.defaults_differ and param.kind != "ms_only":
        parts.append(f"default {_value(param.torch_default)} → {_value(param.ms_default)}")
    if param.torch_missing or param.ms_missing:
        side = "torch" if param.torch_missing else "MindSpore"
        parts.append(f"not in the installed {side} signature")
    note = param.note.strip()
    if note and (param.kind in ("note", "transform") or (param.curated and not _GENERIC_NOTES.match(note))):
        parts.append(note)
    if not parts:
        parts.append(note or param.kind.replace("_", " "))
    return "; ".join(parts)


def _value(default: str | None) -> str:
    if default is None or default == UNKNOWN_DEFAULT:
        return "?"
    if default == REQUIRED:
        return "required"
    return default


def differences_summary(entry: TorchApiMapping, limit: int = 4) -> str:
    """One line saying what differs, for the report's table: the differing counterparts' main rows."""
    pieces: list[str] = []
    for counterpart in table_counterparts(entry):
        if counterpart.category != "differs":
            continue
        rows = [row for row in param_rows(counterpart) if row.where != "call"][:limit]
        described = "; ".join(_row_summary(row) for row in rows)
        if not described:
            link = doc_link(counterpart)
            page = f"see {link[1]}" if link is not None else "see the mapping table"
            described = counterpart.diff_text if counterpart.diff_text not in ("", "diff") else page
        pieces.append(f"{short_api(counterpart.api)}: {described}")
    notes = behaviour_notes(entry.counterparts())
    if notes:
        pieces.append(f"behaviour: {notes[0]}")
    return " | ".join(pieces)


def _row_summary(row: ParamRow) -> str:
    if row.kind == "transform":
        return row.difference.split(";", 1)[0]
    if row.kind == "rename" and row.torch and row.mindspore:
        default = next((part for part in row.difference.split("; ") if part.startswith("default ")), "")
        return f"{row.torch} → {row.mindspore}" + (f" ({default})" if default else "")
    if row.kind == "default":
        default = next((part for part in row.difference.split("; ") if part.startswith("default ")), "default")
        return f"{row.torch or row.mindspore} {default}"
    if row.kind == "torch_only":
        return f"{row.torch} torch only"
    if row.kind == "ms_only":
        return f"{row.mindspore} MindSpore only"
    named = row.torch or row.mindspore
    return f"{named}: {row.difference}" if named else row.difference


@dataclass(frozen=True)
class ReverseMatch:
    """A torch API a MindSpore API stands for (or is mistaken for), with the counterpart record."""

    torch: str
    role: str  # current / legacy / mint_namesake / false_friend
    entry: TorchApiMapping
    counterpart: Counterpart | None
    false_friend: FalseFriend | None


def reverse_matches(mindspore_api: str, mappings: ApiMappings | None = None) -> list[ReverseMatch]:
    mappings = mappings if mappings is not None else mappings_or_none()
    if mappings is None:
        return []
    matches: list[ReverseMatch] = []
    for hit in mappings.torch_for(mindspore_api):
        entry = mappings.lookup(hit.torch)
        if entry is None:
            continue
        if hit.role == "false_friend":
            friend = next((item for item in entry.false_friends if item.api == mindspore_api), None)
            matches.append(ReverseMatch(hit.torch, hit.role, entry, None, friend))
            continue
        counterpart = next(
            (c for c in entry.counterparts() if c.role == hit.role and mindspore_api in (c.api, c.doc_api)), None
        )
        matches.append(ReverseMatch(hit.torch, hit.role, entry, counterpart, None))
    return matches
