"""The PyTorch → MindSpore mapping data as frozen dataclasses (schema: mappings/README.md)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# A parameter the signature requires (JSON `null`); `None` in the fields below means "not known".
REQUIRED = "<required>"
# A default the signature has but does not print (torch builtins' keyword-only parameters, `out=...`).
UNKNOWN_DEFAULT = "..."

ROLES = ("current", "legacy", "mint_namesake")


def _default(record: Mapping[str, Any], key: str) -> str | None:
    if key not in record:
        return None
    value = record[key]
    return REQUIRED if value is None else str(value)


@dataclass(frozen=True, slots=True)
class ParamDiff:
    """One parameter-level difference between a torch API and one MindSpore counterpart.

    `kind` is one of: rename, default, transform, torch_only, ms_only, behaviour, note.
    Defaults are Python source text as the installed packages have them (`REQUIRED` when the argument
    must be given, None when unknown); `transform` is an expression in `x`, the torch value.
    """

    kind: str
    torch: str | None
    mindspore: str | None
    where: str | None
    transform: str | None
    torch_default: str | None
    ms_default: str | None
    defaults_differ: bool
    torch_missing: bool
    ms_missing: bool
    torch_is_self: bool
    ms_is_self: bool
    check: str | None
    note: str
    curated: bool
    source: str
    doc: str | None

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> ParamDiff:
        return cls(
            kind=record["kind"],
            torch=record.get("torch"),
            mindspore=record.get("mindspore"),
            where=record.get("where"),
            transform=record.get("transform"),
            torch_default=_default(record, "torch_default"),
            ms_default=_default(record, "ms_default"),
            defaults_differ=bool(record.get("defaults_differ")),
            torch_missing=bool(record.get("torch_missing")),
            ms_missing=bool(record.get("ms_missing")),
            torch_is_self=bool(record.get("torch_is_self")),
            ms_is_self=bool(record.get("ms_is_self")),
            check=record.get("check"),
            note=record.get("note", ""),
            curated=bool(record.get("curated")),
            source=record.get("source", ""),
            doc=record.get("doc"),
        )


@dataclass(frozen=True, slots=True)
class Counterpart:
    """A MindSpore API that stands for a torch API, in one role.

    Roles: `current` (the current mapping table, mostly mindspore.mint), `legacy` (the r2.4.10 table:
    mindspore.nn / ops / Tensor), `mint_namesake` (no table row; mindspore.mint has the torch name).
    `category` is consistent / differs / unknown; `cpu` says whether a mint API ran on CPU in the probe
    (None: not probed or not known).
    """

    role: str
    api: str
    doc_api: str | None
    namespace: str
    source: str
    category: str
    labels: tuple[str, ...]
    diff_text: str
    diff_text_zh: str | None
    exists: bool | None
    cpu: bool | None
    cpu_probe: str | None
    links: Mapping[str, str]
    torch_doc_version: str | None
    params: tuple[ParamDiff, ...]

    @property
    def is_mint(self) -> bool:
        return self.namespace == "mint" or self.namespace.startswith("mint.")

    @property
    def diff_page(self) -> str | None:
        """The difference page, pinned to the docs version that has it (r2.4.10 for torch.nn pages)."""
        return self.links.get("diff_page")

    def param(self, torch_name: str) -> ParamDiff | None:
        """The first difference that concerns the torch parameter `torch_name`."""
        return next((param for param in self.params if param.torch == torch_name), None)

    @classmethod
    def from_json(cls, role: str, record: Mapping[str, Any]) -> Counterpart:
        return cls(
            role=role,
            api=record["api"],
            doc_api=record.get("doc_api"),
            namespace=record["namespace"],
            source=record["source"],
            category=record["category"],
            labels=tuple(record.get("labels", ())),
            diff_text=record.get("diff_text", ""),
            diff_text_zh=record.get("diff_text_zh"),
            exists=record.get("exists"),
            cpu=record.get("cpu"),
            cpu_probe=record.get("cpu_probe"),
            links=dict(record.get("links", {})),
            torch_doc_version=record.get("torch_doc_version"),
            params=tuple(ParamDiff.from_json(param) for param in record.get("params", ())),
        )


@dataclass(frozen=True, slots=True)
class FalseFriend:
    """A MindSpore API with the torch API's name that does something else."""

    api: str
    expect_signature: str
    note: str
    source: str


@dataclass(frozen=True, slots=True)
class Correction:
    """Where the installed packages disagree with the docs; the installed packages win.

    `what`: api_missing, api_renamed, param_missing, param_renamed, param_gained, default_changed.
    """

    what: str
    side: str
    api: str | None
    param: str | None
    doc: str | None
    installed: str | None
    did_you_mean: str | None

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> Correction:
        installed = record.get("installed")
        return cls(
            what=record["what"],
            side=record["side"],
            api=record.get("api"),
            param=record.get("param"),
            doc=record.get("doc"),
            installed=REQUIRED if "installed" in record and installed is None else installed,
            did_you_mean=record.get("did_you_mean"),
        )


@dataclass(frozen=True, slots=True)
class TorchApiMapping:
    """Everything known about porting one torch API."""

    torch: str
    section: str
    torch_exists: bool | None
    doc_names: tuple[str, ...]
    did_you_mean: str | None
    current: Counterpart | None
    legacy: tuple[Counterpart, ...]
    mint_namesake: Counterpart | None
    false_friends: tuple[FalseFriend, ...]
    corrections: tuple[Correction, ...]

    @property
    def mint(self) -> Counterpart | None:
        """The mindspore.mint counterpart: the current table's, else the namesake found by introspection."""
        if self.current is not None and self.current.is_mint:
            return self.current
        return self.mint_namesake

    def counterparts(self) -> Iterator[Counterpart]:
        if self.current is not None:
            yield self.current
        yield from self.legacy
        if self.mint_namesake is not None:
            yield self.mint_namesake

    def counterpart(self, mindspore_api: str) -> Counterpart | None:
        """The counterpart named `mindspore_api` (installed name or the name the docs used)."""
        return next((c for c in self.counterparts() if mindspore_api in (c.api, c.doc_api)), None)

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> TorchApiMapping:
        mindspore = record.get("mindspore", {})
        current = mindspore.get("current")
        namesake = mindspore.get("mint_namesake")
        return cls(
            torch=record["torch"],
            section=record["section"],
            torch_exists=record.get("torch_exists"),
            doc_names=tuple(record.get("doc_names", ())),
            did_you_mean=record.get("did_you_mean"),
            current=Counterpart.from_json("current", current) if current else None,
            legacy=tuple(Counterpart.from_json("legacy", item) for item in mindspore.get("legacy", ())),
            mint_namesake=Counterpart.from_json("mint_namesake", namesake) if namesake else None,
            false_friends=tuple(
                FalseFriend(item["api"], item["expect_signature"], item["note"], item["source"])
                for item in record.get("false_friends", ())
            ),
            corrections=tuple(Correction.from_json(item) for item in record.get("corrections", ())),
        )


@dataclass(frozen=True, slots=True)
class ReverseHit:
    """A torch API a MindSpore API stands for, and in which role (or `false_friend`)."""

    torch: str
    role: str


@dataclass(frozen=True, slots=True)
class MindSporeOnlyApi:
    """A row of the current table with no torch API."""

    api: str
    section: str
    diff_text: str
    exists: bool | None
    links: Mapping[str, str]
