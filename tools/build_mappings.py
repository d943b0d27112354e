"""Regenerate `mappings/torch_to_mindspore/*.json` from the reference tables, the curated facts and the signatures.

    python -m tools.build_mappings            # write the files, print what the installed packages corrected
    python -m tools.build_mappings --check    # exit 1 if a file would change

Inputs (none of them imports torch or mindspore):
- `mappings/sources/*.tsv` — the current (master, = r2.6.0) and the r2.4.10 PyTorch→MindSpore tables and the
  per-parameter differences;
- `mappings/curated.toml` — value transforms, behaviour notes and false friends written by hand;
- `mappings/signatures.json` — what `python -m tools.introspect_signatures` read from the installed torch and
  mindspore. Where it disagrees with the docs, it wins, and the entry records a correction.

`mappings/README.md` describes the output schema.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import tomllib

from msmigrate.mappings.store import INDEX_FILE, SUPPORTED_SCHEMA
from tools.mapping_common import (
    CURATED_PATH,
    CURRENT_REF,
    CURRENT_TABLE,
    ENTRIES_DIR,
    LEGACY_REF,
    LEGACY_TABLE,
    PARAM_DIFFS,
    POSITIONAL,
    POSITIONAL_ONLY,
    SIGNATURES_PATH,
    SOURCES_DIR,
    UNKNOWN_DEFAULT,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    SigParam,
    canonical_default_text,
    dump_json,
    parse_signature,
    read_tsv,
    same_default,
)

ZH_TABLE = "pytorch_mindspore_api_mapping_zh.tsv"
# The master table read (2025-07-04) is identical to r2.6.0; links name the release, which does not move.
PINNED_CURRENT_REF = "r2.6.0"
TABLE_URL = "https://www.mindspore.cn/docs/en/{ref}/note/api_mapping/pytorch_api_mapping.html"
BEHAVIOUR_CHECK = "starts_in_inference_mode"
SIDE_KEY = {"torch": "torch", "mindspore": "ms"}
# Names the difference pages give the tensor argument; on a Tensor method it is the receiver.
SELF_NAMES = frozenset({"input", "self", "x", "input_x"})
# Tensor-argument names that MindSpore 2.x renamed in place (ops.amax(x) -> ops.amax(input)), and their
# position: a name missing from the installed signature is matched to the parameter at that position.
POSITIONAL_ALIASES = {"x": 0, "input_x": 0, "input": 0, "x1": 0, "x2": 1, "logits": 0, "labels": 1}


# ---------------------------------------------------------------------------------------------- signatures


@dataclass(frozen=True)
class ApiFacts:
    """What `signatures.json` says about one API name."""

    name: str
    exists: bool | None
    record: dict[str, Any]

    @cached_property
    def init(self) -> list[tuple[SigParam, ...]] | None:
        """Overloads of the callable (the constructor for a class); None when no signature is known."""
        if not self.exists or self.record.get("signature_source", "unavailable") == "unavailable":
            return None
        return [parse_signature(text) for text in self.record.get("signatures", [])]

    @cached_property
    def call(self) -> list[tuple[SigParam, ...]] | None:
        """Overloads of an instance call (`forward` / `construct`), for classes that have one."""
        texts = self.record.get("call_signatures")
        if not self.exists or not texts:
            return None
        return [parse_signature(text) for text in texts]


class Signatures:
    def __init__(self, data: dict[str, Any]) -> None:
        self.versions: dict[str, str] = data["versions"]
        self.apis: dict[str, Any] = data["apis"]
        self.mint_namesakes: dict[str, str] = data["mint_namesakes"]
        self._facts: dict[str, ApiFacts] = {}

    def facts(self, name: str) -> ApiFacts:
        if name not in self._facts:
            record = self.apis.get(name)
            if record is None:
                self._facts[name] = ApiFacts(name, None, {"missing": "not introspected"})
            else:
                self._facts[name] = ApiFacts(name, record.get("exists"), record)
        return self._facts[name]

    def installed_name(self, name: str) -> str:
        """The name as installed: the table's name, or its case-only correction (`nn.Hsigmoid` -> `nn.HSigmoid`)."""
        facts = self.facts(name)
        replacement = facts.record.get("did_you_mean")
        if facts.exists is False and replacement and replacement.lower() == name.lower():
            return str(replacement)
        return name


def find_param(overloads: list[tuple[SigParam, ...]] | None, name: str) -> SigParam | bool | None:
    """The parameter in the first overload that has it; False when absent everywhere; None when unknowable.

    Unknowable: no signature, or an overload takes `**kwargs` (any keyword might be accepted). A `*sizes`
    parameter is found by its name (`sizes`).
    """
    if overloads is None:
        return None
    for params in overloads:
        for param in params:
            if param.name == name and param.kind != VAR_KEYWORD:
                return param
    if any(param.kind == VAR_KEYWORD for params in overloads for param in params):
        return None
    return False


def locate(facts: ApiFacts, name: str, prefer_call: bool) -> tuple[str | None, SigParam | bool | None]:
    """Where a parameter of an API lives ("init" / "call" for classes, None for functions) and its record."""
    if facts.record.get("kind") != "class":
        return None, find_param(facts.init, name)
    places = [("call", facts.call), ("init", facts.init)]
    if not prefer_call:
        places.reverse()
    results = [(where, find_param(overloads, name)) for where, overloads in places]
    for where, found in results:
        if isinstance(found, SigParam):
            return where, found
    if any(found is None for _, found in results):
        return places[0][0], None
    return places[0][0], False


# ---------------------------------------------------------------------------------------------- entries


@dataclass
class Counterpart:
    """One MindSpore counterpart of a torch API, as a JSON-ready dict plus bookkeeping."""

    data: dict[str, Any]
    params: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Entry:
    torch: str
    section: str
    data: dict[str, Any] = field(default_factory=dict)
    current: Counterpart | None = None
    legacy: list[Counterpart] = field(default_factory=list)
    mint_namesake: Counterpart | None = None
    corrections: list[dict[str, Any]] = field(default_factory=list)
    false_friends: list[dict[str, Any]] = field(default_factory=list)

    def counterparts(self) -> Iterator[Counterpart]:
        if self.current:
            yield self.current
        yield from self.legacy
        if self.mint_namesake:
            yield self.mint_namesake

    def counterpart_for(self, mindspore_api: str) -> Counterpart | None:
        for counterpart in self.counterparts():
            if mindspore_api in (counterpart.data["api"], counterpart.data.get("doc_api")):
                return counterpart
        return None


def pin_url(url: str) -> str:
    """Links read from master name r2.6.0, the release whose pages master held when it was read."""
    return url.replace(f"/docs/en/{CURRENT_REF}/", f"/docs/en/{PINNED_CURRENT_REF}/").replace(
        f"/docs/zh-CN/{CURRENT_REF}/", f"/docs/zh-CN/{PINNED_CURRENT_REF}/"
    )


def namespace_of(api: str) -> str:
    """`mindspore.mint.nn.functional.relu` -> `mint.nn.functional`; `mindspore.Tensor.abs` -> `Tensor`."""
    parts = api.split(".")[1:-1]
    return ".".join(parts) if parts else "mindspore"


def category_of(category_norm: str) -> str:
    return "consistent" if category_norm == "consistent" else "differs"


class Builder:
    def __init__(self, data_dir: Path, curated: dict[str, Any], signatures: Signatures) -> None:
        self.data_dir = data_dir
        self.curated = curated
        self.signatures = signatures
        self.entries: dict[str, Entry] = {}
        self.mindspore_only: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ tables

    def entry_for(self, table_name: str, section: str) -> Entry:
        installed = self.signatures.installed_name(table_name)
        entry = self.entries.get(installed)
        if entry is None:
            entry = Entry(installed, section)
            facts = self.signatures.facts(installed)
            entry.data["torch_exists"] = facts.exists
            if facts.exists is False and facts.record.get("did_you_mean"):
                entry.data["did_you_mean"] = facts.record["did_you_mean"]
            if facts.exists is False:
                entry.corrections.append(
                    {"what": "api_missing", "side": "torch", "api": installed, **self._did_you_mean(facts)}
                )
            self.entries[installed] = entry
        if installed != table_name and table_name not in entry.data.setdefault("doc_names", []):
            entry.data["doc_names"].append(table_name)
            entry.corrections.append(
                {"what": "api_renamed", "side": "torch", "doc": table_name, "installed": installed}
            )
        return entry

    @staticmethod
    def _did_you_mean(facts: ApiFacts) -> dict[str, str]:
        replacement = facts.record.get("did_you_mean")
        return {"did_you_mean": replacement} if replacement else {}

    def counterpart_from_row(self, entry: Entry, row: dict[str, str], ref: str, zh_text: str | None) -> Counterpart:
        table_api = row["mindspore_api"]
        api = self.signatures.installed_name(table_api)
        facts = self.signatures.facts(api)
        data: dict[str, Any] = {
            "api": api,
            "namespace": namespace_of(api),
            "source": f"table@{ref}",
            "category": category_of(row["category_norm"]),
            "labels": row["category_norm"].split("+"),
            "diff_text": row["category"],
            "exists": facts.exists,
            "links": {"table": TABLE_URL.format(ref=PINNED_CURRENT_REF if ref == CURRENT_REF else ref)},
            "torch_doc_version": row["torch_version"],
        }
        if zh_text:
            data["diff_text_zh"] = zh_text
        if row["diff_doc"]:
            data["links"]["diff_page"] = pin_url(row["diff_doc"])
        if row["mindspore_doc_url"].startswith("http"):
            data["links"]["mindspore_api"] = pin_url(row["mindspore_doc_url"])
        if row["torch_doc_url"]:
            data["links"]["torch_api"] = row["torch_doc_url"]
        if api != table_api:
            data["doc_api"] = table_api
            entry.corrections.append({"what": "api_renamed", "side": "mindspore", "doc": table_api, "installed": api})
        elif facts.exists is False:
            entry.corrections.append(
                {"what": "api_missing", "side": "mindspore", "api": api, **self._did_you_mean(facts)}
            )
        self._add_cpu(data, facts)
        return Counterpart(data)

    @staticmethod
    def _add_cpu(data: dict[str, Any], facts: ApiFacts) -> None:
        if "cpu" in facts.record:
            data["cpu"] = facts.record["cpu"]
            data["cpu_probe"] = facts.record["cpu_probe"]

    def read_tables(self) -> None:
        zh_rows = read_tsv(ZH_TABLE, self.data_dir)
        for row, zh_row in zip(read_tsv(CURRENT_TABLE, self.data_dir), zh_rows, strict=True):
            if not row["torch_api"]:
                self.add_mindspore_only(row, zh_row["category"])
                continue
            entry = self.entry_for(row["torch_api"], row["section"])
            entry.current = self.counterpart_from_row(entry, row, CURRENT_REF, zh_row["category"])
        for row in read_tsv(LEGACY_TABLE, self.data_dir):
            entry = self.entry_for(row["torch_api"], row["section"])
            entry.legacy.append(self.counterpart_from_row(entry, row, LEGACY_REF, None))

    def add_mindspore_only(self, row: dict[str, str], zh_text: str) -> None:
        facts = self.signatures.facts(row["mindspore_api"])
        data: dict[str, Any] = {
            "api": row["mindspore_api"],
            "section": row["section"],
            "source": f"table@{CURRENT_REF}",
            "diff_text": row["category"],
            "diff_text_zh": zh_text,
            "exists": facts.exists,
            "links": {
                "table": TABLE_URL.format(ref=PINNED_CURRENT_REF),
                "mindspore_api": pin_url(row["mindspore_doc_url"]),
            },
        }
        self._add_cpu(data, facts)
        self.mindspore_only.append(data)

    def add_mint_namesakes(self) -> None:
        for torch_api, mint_api in sorted(self.signatures.mint_namesakes.items()):
            entry = self.entries.get(self.signatures.installed_name(torch_api))
            if entry is None or (entry.current and entry.current.data["namespace"].startswith("mint")):
                continue
            facts = self.signatures.facts(mint_api)
            data: dict[str, Any] = {
                "api": mint_api,
                "namespace": namespace_of(mint_api),
                "source": "introspection",
                "category": "unknown",
                "labels": [],
                "diff_text": "Not in the mapping tables; found by name in the installed mindspore.mint.",
                "exists": facts.exists,
                "links": {},
            }
            self._add_cpu(data, facts)
            entry.mint_namesake = Counterpart(data)

    # ------------------------------------------------------------------ parameters

    def read_param_diffs(self) -> None:
        for row in read_tsv(PARAM_DIFFS, self.data_dir):
            entry = self.entries.get(self.signatures.installed_name(row["torch_api"]))
            if entry is None:
                raise ValueError(f"parameter row for an API no table maps: {row['torch_api']}")
            counterpart = entry.counterpart_for(row["mindspore_api"])
            if counterpart is None:
                counterpart = self.counterpart_from_doc(entry, row)
            counterpart.params.extend(self.params_from_row(row, counterpart))

    def counterpart_from_doc(self, entry: Entry, row: dict[str, str]) -> Counterpart:
        """A pair only a difference page names (torch.nn.Embedding -> mindspore.nn.Embedding, r2.0 page)."""
        api = self.signatures.installed_name(row["mindspore_api"])
        facts = self.signatures.facts(api)
        ref_match = re.search(r"/docs/en/([^/]+)/", row["doc"])
        ref = ref_match.group(1) if ref_match else "unknown"
        data: dict[str, Any] = {
            "api": api,
            "namespace": namespace_of(api),
            "source": f"diff_page@{ref}",
            "category": "differs",
            "labels": ["see_diff_doc"],
            "diff_text": f"Difference page of {ref} only; no mapping table row.",
            "exists": facts.exists,
            "links": {"diff_page": row["doc"]},
        }
        counterpart = Counterpart(data)
        entry.legacy.append(counterpart)
        return counterpart

    @staticmethod
    def params_from_row(row: dict[str, str], counterpart: Counterpart) -> list[dict[str, Any]]:
        """One record per named parameter pair (a row may list `a,b` or `beta1, beta2`)."""
        kind = row["kind"]
        torch_names = [name.strip().lstrip("*") for name in row["torch_param"].split(",") if name.strip()]
        ms_names = [name.strip().lstrip("*") for name in row["mindspore_param"].split(",") if name.strip()]
        base: dict[str, Any] = {
            "note": row["difference"],
            "curated": row["curated"] == "yes",
            "source": row["source"],
            "doc_label": row["doc_label"],
        }
        if row["doc"] and row["doc"] != counterpart.data["links"].get("diff_page"):
            base["doc"] = pin_url(row["doc"])
        if kind == "behaviour":
            if "set_train" in row["mindspore_param"]:
                base["check"] = BEHAVIOUR_CHECK
            return [{**base, "kind": "behaviour"}]
        if row["torch_default"]:
            base["doc_torch_default"] = canonical_default_text(row["torch_default"])
        if row["mindspore_default"]:
            base["doc_ms_default"] = canonical_default_text(row["mindspore_default"])
        base["where_hint"] = "call" if kind == "input" else "init"
        pairs: list[tuple[str | None, str | None]]
        if len(torch_names) <= 1 and len(ms_names) <= 1:
            pairs = [(torch_names[0] if torch_names else None, ms_names[0] if ms_names else None)]
        elif len(torch_names) == 1:
            pairs = [(torch_names[0], name) for name in ms_names]
        elif len(ms_names) == 1:
            pairs = [(name, ms_names[0]) for name in torch_names]
        else:
            pairs = [(name, None) for name in torch_names] + [(None, name) for name in ms_names]
        records = []
        for torch_name, ms_name in pairs:
            record = dict(base)
            if torch_name:
                record["torch"] = torch_name
            if ms_name:
                record["mindspore"] = ms_name
            records.append(record)
        return records

    # ------------------------------------------------------------------ curated facts

    def apply_curated(self) -> None:
        for row in self.curated.get("transform", []):
            counterpart = self._curated_counterpart(row)
            match = next(
                (
                    record
                    for record in counterpart.params
                    if record.get("kind") != "behaviour"
                    and record.get("mindspore") == row["mindspore_param"]
                    and record.get("torch") in (row["torch_param"], None)
                ),
                None,
            )
            if match is None:
                match = {"where_hint": "init", "curated": True}
                counterpart.params.append(match)
            elif match.get("note") and match["note"] != row["note"]:
                match["doc_note"] = match["note"]
            match.update(
                torch=row["torch_param"],
                mindspore=row["mindspore_param"],
                transform=row["transform"],
                note=row["note"],
                curated=True,
                source=f"mappings/curated.toml; {row['source']}",
            )
        for row in self.curated.get("rename", []):
            counterpart = self._curated_counterpart(row)
            match = next(
                (
                    record
                    for record in counterpart.params
                    if record.get("kind") != "behaviour" and record.get("torch") == row["torch_param"]
                ),
                None,
            )
            if match is None:
                match = {"where_hint": "init", "curated": True}
                counterpart.params.append(match)
            match.update(
                torch=row["torch_param"],
                mindspore=row["mindspore_param"],
                note=row["note"],
                curated=True,
                source=f"mappings/curated.toml; {row['source']}",
            )
        for row in self.curated.get("torch_only", []):
            counterpart = self._curated_counterpart(row)
            for record in counterpart.params:
                if record.get("kind") != "behaviour" and record.get("torch") == row["torch_param"]:
                    if record.get("note") and record["note"] != row["note"]:
                        record["doc_note"] = record["note"]
                    for key in ("mindspore", "ms_default", "doc_ms_default"):
                        record.pop(key, None)
                    record.update(note=row["note"], curated=True, source=f"mappings/curated.toml; {row['source']}")
        for row in self.curated.get("behaviour", []):
            self._curated_counterpart(row).params.append(
                {
                    "kind": "behaviour",
                    "check": row["check"],
                    "note": row["note"],
                    "curated": True,
                    "source": f"mappings/curated.toml; {row['source']}",
                }
            )
        for row in self.curated.get("false_friend", []):
            entry = self.entries[row["torch"]]
            entry.false_friends.append(
                {
                    "api": row["mindspore"],
                    "expect_signature": row["expect_signature"],
                    "exists": self.signatures.facts(row["mindspore"]).exists,
                    "note": row["note"],
                    "source": f"mappings/curated.toml; {row['source']}",
                }
            )

    def _curated_counterpart(self, row: dict[str, str]) -> Counterpart:
        entry = self.entries.get(row["torch"])
        counterpart = entry.counterpart_for(row["mindspore"]) if entry else None
        if counterpart is None:
            raise ValueError(f"curated row names a pair no table maps: {row['torch']} -> {row['mindspore']}")
        return counterpart

    # ------------------------------------------------------------------ installed packages win

    def reconcile(self) -> None:
        """Check every parameter record against the signatures; the installed packages win."""
        for entry in self.entries.values():
            torch_facts = self.signatures.facts(entry.torch)
            for counterpart in entry.counterparts():
                ms_facts = self.signatures.facts(counterpart.data["api"])
                for record in counterpart.params:
                    self.reconcile_record(entry, counterpart, record, torch_facts, ms_facts)
                self.add_introspected_params(counterpart, torch_facts, ms_facts)
                counterpart.params = [self.finish_record(record) for record in counterpart.params]

    def reconcile_record(
        self,
        entry: Entry,
        counterpart: Counterpart,
        record: dict[str, Any],
        torch_facts: ApiFacts,
        ms_facts: ApiFacts,
    ) -> None:
        prefer_call = record.pop("where_hint", "init") == "call"
        if record.get("kind") == "behaviour":
            return
        for side, facts in (("torch", torch_facts), ("mindspore", ms_facts)):
            name = record.get(side)
            if name:
                self.reconcile_side(entry, counterpart, record, side, facts, prefer_call)
        # A parameter the docs call one-sided that the other side now has under the same name.
        for side, other, facts in (("torch", "mindspore", ms_facts), ("mindspore", "torch", torch_facts)):
            name = record.get(side)
            if not name or record.get(other) or record.get("transform") or record.get(f"{SIDE_KEY[side]}_is_self"):
                continue
            where, found = locate(facts, name, prefer_call)
            if isinstance(found, SigParam):
                record[other] = name
                record[f"{SIDE_KEY[other]}_default"] = found.default
                if where:
                    record["where"] = where
                entry.corrections.append({"what": "param_gained", "side": other, "api": facts.name, "param": name})
        for key in ("torch", "ms"):
            if record.get(f"doc_{key}_default") == record.get(f"{key}_default"):
                record.pop(f"doc_{key}_default", None)

    def reconcile_side(
        self,
        entry: Entry,
        counterpart: Counterpart,
        record: dict[str, Any],
        side: str,
        facts: ApiFacts,
        prefer_call: bool,
    ) -> None:
        """Check one side's parameter name and default against its installed signature."""
        key = SIDE_KEY[side]
        name = record[side]
        where, found = locate(facts, name, prefer_call)
        if found is False and facts.record.get("kind") == "method" and name in SELF_NAMES:
            # The function's page describes the tensor argument; a method receives it as `self`.
            record[f"{key}_is_self"] = True
            return
        if found is False and name in POSITIONAL_ALIASES:
            renamed = self.positional_rename(counterpart, record, side, facts, where, POSITIONAL_ALIASES[name])
            if renamed:
                entry.corrections.append(
                    {"what": "param_renamed", "side": side, "api": facts.name, "doc": name, "installed": renamed.name}
                )
                record[side] = renamed.name
                found = renamed
        if where:
            record["where"] = where
        if found is False:
            record[f"{key}_missing"] = True
            entry.corrections.append({"what": "param_missing", "side": side, "api": facts.name, "param": name})
        elif isinstance(found, SigParam):
            record[f"{key}_default"] = found.default
            doc_default = record.get(f"doc_{key}_default")
            if doc_default is not None and _comparable(found.default) and not same_default(doc_default, found.default):
                entry.corrections.append(
                    {
                        "what": "default_changed",
                        "side": side,
                        "api": facts.name,
                        "param": name,
                        "doc": doc_default,
                        "installed": found.default,
                    }
                )

    @staticmethod
    def positional_rename(
        counterpart: Counterpart, record: dict[str, Any], side: str, facts: ApiFacts, where: str | None, index: int
    ) -> SigParam | None:
        """The parameter now at the place of a renamed tensor argument (`x` -> `input`), if unambiguous."""
        overloads = facts.call if where == "call" else facts.init
        if not overloads or len(overloads) != 1:
            return None
        positional = [p for p in overloads[0] if p.kind in (POSITIONAL, POSITIONAL_ONLY)]
        if index >= len(positional):
            return None
        candidate = positional[index]
        named = {other.get(side) for other in counterpart.params if other is not record}
        return None if candidate.name in named else candidate

    def add_introspected_params(self, counterpart: Counterpart, torch_facts: ApiFacts, ms_facts: ApiFacts) -> None:
        """Differences the signatures show and no doc row mentions: one-sided parameters, other defaults."""
        named_torch = {record.get("torch") for record in counterpart.params}
        named_ms = {record.get("mindspore") for record in counterpart.params}
        places: list[tuple[str | None, Any, Any]] = [(None, torch_facts.init, ms_facts.init)]
        if torch_facts.record.get("kind") == "class" and ms_facts.record.get("kind") == "class":
            places = [("init", torch_facts.init, ms_facts.init), ("call", torch_facts.call, ms_facts.call)]
        for where, torch_overloads, ms_overloads in places:
            if not torch_overloads or not ms_overloads:
                continue
            if any(
                p.kind in (VAR_POSITIONAL, VAR_KEYWORD) for params in (*torch_overloads, *ms_overloads) for p in params
            ):
                continue  # *args / **kwargs: which names are accepted is not visible
            torch_params = _union(torch_overloads)
            ms_params = _union(ms_overloads)
            paired = _leading_positional_renames(torch_overloads, ms_overloads)
            for torch_name, ms_name in paired:
                if torch_name in named_torch or ms_name in named_ms:
                    continue
                counterpart.params.append(
                    {
                        "torch": torch_name,
                        "mindspore": ms_name,
                        "note": "same position, other name (read from the signatures)",
                        "source": "introspection",
                        "curated": False,
                        **({"where": where} if where else {}),
                    }
                )
                named_torch.add(torch_name)
                named_ms.add(ms_name)
            for name, param in torch_params.items():
                if name in named_torch:
                    continue
                if name not in ms_params:
                    counterpart.params.append(
                        _introspected(where, torch=name, torch_default=param.default, note="not in MindSpore")
                    )
                elif (
                    _comparable(param.default)
                    and _comparable(ms_params[name].default)
                    and not same_default(param.default, ms_params[name].default)
                ):
                    counterpart.params.append(
                        _introspected(
                            where,
                            torch=name,
                            mindspore=name,
                            torch_default=param.default,
                            ms_default=ms_params[name].default,
                            note="defaults differ",
                        )
                    )
            for name, param in ms_params.items():
                if name not in named_ms and name not in torch_params:
                    counterpart.params.append(
                        _introspected(where, mindspore=name, ms_default=param.default, note="not in torch")
                    )

    @staticmethod
    def finish_record(record: dict[str, Any]) -> dict[str, Any]:
        """Derive `kind` and `defaults_differ` from what the record holds once the signatures are in."""
        if record.get("kind") != "behaviour":
            torch_name, ms_name = record.get("torch"), record.get("mindspore")
            if record.get("transform"):
                kind = "transform"
            elif torch_name and not ms_name:
                kind = "torch_only"
            elif ms_name and not torch_name:
                kind = "ms_only"
            elif torch_name and ms_name and torch_name != ms_name:
                kind = "rename"
            elif torch_name and _defaults_differ(record):
                kind = "default"
            else:
                kind = "note"
            record["kind"] = kind
            if _defaults_differ(record):
                record["defaults_differ"] = True
        if not record.get("doc_label"):
            record.pop("doc_label", None)
        return record

    # ------------------------------------------------------------------ output

    def entry_json(self, entry: Entry) -> dict[str, Any]:
        data: dict[str, Any] = {"torch": entry.torch, "section": entry.section, **entry.data}
        mindspore: dict[str, Any] = {}
        if entry.current:
            mindspore["current"] = {**entry.current.data, "params": entry.current.params}
        if entry.legacy:
            mindspore["legacy"] = [{**counterpart.data, "params": counterpart.params} for counterpart in entry.legacy]
        if entry.mint_namesake:
            mindspore["mint_namesake"] = {**entry.mint_namesake.data, "params": entry.mint_namesake.params}
        data["mindspore"] = mindspore
        if entry.false_friends:
            data["false_friends"] = entry.false_friends
        if entry.corrections:
            data["corrections"] = _unique(entry.corrections)
        return data

    def files(self) -> dict[str, str]:
        """File name -> text of every generated file."""
        by_section: dict[str, list[Entry]] = {}
        for entry in self.entries.values():
            by_section.setdefault(entry.section, []).append(entry)
        header = {
            "schema": SUPPORTED_SCHEMA,
            "generated_by": "python -m tools.build_mappings",
            "verified": dict(sorted(self.signatures.versions.items())),
            "sources": {
                "current_table": f"{CURRENT_TABLE} (docs {CURRENT_REF} = {PINNED_CURRENT_REF})",
                "legacy_table": f"{LEGACY_TABLE} (docs {LEGACY_REF})",
                "param_diffs": PARAM_DIFFS,
                "curated": "mappings/curated.toml",
                "signatures": "mappings/signatures.json",
            },
        }
        files: dict[str, str] = {}
        for section, entries in sorted(by_section.items()):
            content: dict[str, Any] = {
                **header,
                "section": section,
                "entries": [self.entry_json(entry) for entry in sorted(entries, key=lambda e: e.torch)],
            }
            only = [item for item in self.mindspore_only if item["section"] == section]
            if only:
                content["mindspore_only"] = only
            files[f"{section}.json"] = dump_json(content)
        files[INDEX_FILE] = dump_json({**header, **self.index(by_section)})
        return files

    def index(self, by_section: dict[str, list[Entry]]) -> dict[str, Any]:
        """What the loader reads first: which file holds a torch API, and the reverse index."""
        reverse: dict[str, list[list[str]]] = {}
        aliases: dict[str, str] = {}
        for entry in sorted(self.entries.values(), key=lambda e: e.torch):
            for name in entry.data.get("doc_names", []):
                aliases[name] = entry.torch
            roles = [("current", entry.current), *(("legacy", c) for c in entry.legacy)]
            roles.append(("mint_namesake", entry.mint_namesake))
            for role, counterpart in roles:
                if counterpart is None:
                    continue
                for api in {counterpart.data["api"], counterpart.data.get("doc_api", counterpart.data["api"])}:
                    hit = [entry.torch, role]
                    if hit not in reverse.setdefault(api, []):
                        reverse[api].append(hit)
            for friend in entry.false_friends:
                reverse.setdefault(friend["api"], []).append([entry.torch, "false_friend"])
        return {
            "files": {section: f"{section}.json" for section in sorted(by_section)},
            "torch": {entry.torch: entry.section for entry in sorted(self.entries.values(), key=lambda e: e.torch)},
            "aliases": dict(sorted(aliases.items())),
            "mindspore": dict(sorted(reverse.items())),
            "mindspore_only": {item["api"]: item["section"] for item in self.mindspore_only},
        }


def _introspected(where: str | None, **fields: Any) -> dict[str, Any]:
    record = {key: value for key, value in fields.items() if value is not None or key.endswith("_default")}
    record.update(source="introspection", curated=False)
    if where:
        record["where"] = where
    return record


def _union(overloads: list[tuple[SigParam, ...]]) -> dict[str, SigParam]:
    params: dict[str, SigParam] = {}
    for overload in overloads:
        for param in overload:
            params.setdefault(param.name, param)
    return params


def _leading_positional_renames(
    torch_overloads: list[tuple[SigParam, ...]], ms_overloads: list[tuple[SigParam, ...]]
) -> list[tuple[str, str]]:
    """Required positional parameters at the same place with other names (`input` / `x`), single overloads only."""
    if len(torch_overloads) != 1 or len(ms_overloads) != 1:
        return []
    pairs = []
    for torch_param, ms_param in zip(torch_overloads[0], ms_overloads[0], strict=False):
        positional = (POSITIONAL, POSITIONAL_ONLY)
        if torch_param.kind not in positional or ms_param.kind not in positional:
            break
        if torch_param.default is not None or ms_param.default is not None:
            break
        if torch_param.name != ms_param.name:
            pairs.append((torch_param.name, ms_param.name))
    return pairs


def _comparable(default: str | None) -> bool:
    return default is not None and default != UNKNOWN_DEFAULT


def _defaults_differ(record: dict[str, Any]) -> bool:
    """Both defaults known and different, or one side requires the argument the other defaults."""
    if "torch_default" not in record or "ms_default" not in record:
        return False
    torch_default, ms_default = record["torch_default"], record["ms_default"]
    if UNKNOWN_DEFAULT in (torch_default, ms_default):
        return False
    if torch_default is None or ms_default is None:
        return torch_default != ms_default
    return not same_default(torch_default, ms_default)


def _unique(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    unique = []
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


# ---------------------------------------------------------------------------------------------- entry points


def build(
    data_dir: Path = SOURCES_DIR, curated_path: Path = CURATED_PATH, signatures_path: Path = SIGNATURES_PATH
) -> Builder:
    with curated_path.open("rb") as handle:
        curated = tomllib.load(handle)
    signatures = Signatures(json.loads(signatures_path.read_text(encoding="utf-8")))
    builder = Builder(data_dir, curated, signatures)
    builder.read_tables()
    builder.add_mint_namesakes()
    builder.read_param_diffs()
    builder.apply_curated()
    builder.reconcile()
    return builder


def summary(builder: Builder) -> list[str]:
    """Counts per section and role, and what the installed packages corrected."""
    rows = []
    totals: Counter[str] = Counter()
    header = f"{'section':<26}{'entries':>8}{'current':>8}{'(mint)':>8}{'legacy':>8}{'namesake':>9}{'params':>8}"
    rows.append(header)
    by_section: dict[str, list[Entry]] = {}
    for entry in builder.entries.values():
        by_section.setdefault(entry.section, []).append(entry)
    for section, entries in sorted(by_section.items(), key=lambda item: -len(item[1])):
        counts = Counter(
            entries=len(entries),
            current=sum(1 for e in entries if e.current),
            mint=sum(1 for e in entries if e.current and e.current.data["namespace"].startswith("mint")),
            legacy=sum(1 for e in entries if e.legacy),
            namesake=sum(1 for e in entries if e.mint_namesake),
            params=sum(len(c.params) for e in entries for c in e.counterparts()),
        )
        totals.update(counts)
        rows.append(
            f"{section:<26}{counts['entries']:>8}{counts['current']:>8}{counts['mint']:>8}"
            f"{counts['legacy']:>8}{counts['namesake']:>9}{counts['params']:>8}"
        )
    rows.append(
        f"{'all':<26}{totals['entries']:>8}{totals['current']:>8}{totals['mint']:>8}"
        f"{totals['legacy']:>8}{totals['namesake']:>9}{totals['params']:>8}"
    )
    corrections = Counter(
        (item["what"], item["side"]) for entry in builder.entries.values() for item in _unique(entry.corrections)
    )
    corrected = sum(1 for entry in builder.entries.values() if entry.corrections)
    versions = builder.signatures.versions
    rows.append("")
    rows.append(
        f"corrections by the installed packages (torch {versions['torch']}, mindspore {versions['mindspore']}): "
        f"{sum(corrections.values())} in {corrected} entries"
    )
    for (what, side), count in sorted(corrections.items()):
        rows.append(f"  {what:<16}{side:<10}{count:>6}")
    kinds = Counter(record["kind"] for e in builder.entries.values() for c in e.counterparts() for record in c.params)
    rows.append("parameter records by kind: " + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is out of date")
    args = parser.parse_args(argv)
    builder = build()
    files = builder.files()
    stale = sorted(
        name
        for name, text in files.items()
        if not (ENTRIES_DIR / name).exists() or (ENTRIES_DIR / name).read_text(encoding="utf-8") != text
    )
    extra = (
        sorted(path.name for path in ENTRIES_DIR.glob("*.json") if path.name not in files)
        if ENTRIES_DIR.exists()
        else []
    )
    if args.check:
        for name in stale + extra:
            print(f"out of date: {ENTRIES_DIR / name}")
        return 1 if stale or extra else 0
    ENTRIES_DIR.mkdir(parents=True, exist_ok=True)
    for name in extra:
        (ENTRIES_DIR / name).unlink()
    for name, text in files.items():
        (ENTRIES_DIR / name).write_text(text, encoding="utf-8")
    for line in summary(builder):
        print(line)
    print(f"wrote {len(files)} files to {ENTRIES_DIR} ({len(stale)} changed, {len(extra)} removed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
