"""Reads `mappings/torch_to_mindspore/` on first use: the index at once, a section file when asked for.

The index (about 1 ms to parse) says which file holds a torch API and answers MindSpore → torch; the
section files (2 MB in all) are parsed one at a time, the first time an API of theirs is looked up, and
entries become dataclasses only when asked for. Imports neither torch nor mindspore.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from msmigrate.mappings.model import MindSporeOnlyApi, ReverseHit, TorchApiMapping


def _find_mappings_dir() -> Path:
    """`mappings/` of a source checkout (editable install), else the copy a wheel installs as data.

    `MSMIGRATE_MAPPINGS_DIR` overrides both, for tests and for trying edited data.
    """
    override = os.environ.get("MSMIGRATE_MAPPINGS_DIR")
    if override:
        return Path(override)
    # server/msmigrate/mappings/store.py -> the repository root, which holds mappings/.
    in_checkout = Path(__file__).resolve().parents[3] / "mappings"
    if in_checkout.is_dir():
        return in_checkout
    return Path(sys.prefix) / "share" / "msmigrate" / "mappings"


DEFAULT_MAPPINGS_DIR = _find_mappings_dir()
ENTRIES_SUBDIR = "torch_to_mindspore"
INDEX_FILE = "index.json"
SIGNATURES_FILE = "signatures.json"
NAMESPACES_FILE = "namespaces.json"
SUPPORTED_SCHEMA = 1


class MappingDataError(RuntimeError):
    """The mapping files are missing or of a schema this code does not read."""


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise MappingDataError(f"mapping data not found: {path} (run `python -m tools.build_mappings`)") from error


class ApiMappings:
    """Lookups over the generated mapping data of one `mappings/` directory."""

    def __init__(self, directory: Path = DEFAULT_MAPPINGS_DIR) -> None:
        self.directory = directory
        self._entries_dir = directory / ENTRIES_SUBDIR
        index = _read_json(self._entries_dir / INDEX_FILE)
        if index.get("schema") != SUPPORTED_SCHEMA:
            raise MappingDataError(f"unsupported mapping schema {index.get('schema')!r} in {self._entries_dir}")
        self.verified: Mapping[str, str] = index["verified"]
        self._files: dict[str, str] = index["files"]
        self._section_of: dict[str, str] = index["torch"]
        self._aliases: dict[str, str] = index["aliases"]
        self._reverse: dict[str, list[list[str]]] = index["mindspore"]
        self._mindspore_only_sections: dict[str, str] = index["mindspore_only"]
        self._sections: dict[str, dict[str, Any]] = {}
        self._entries: dict[str, TorchApiMapping] = {}
        self._signatures: dict[str, Any] | None = None
        self._namespaces: dict[str, frozenset[str]] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ torch -> MindSpore

    def __contains__(self, torch_name: object) -> bool:
        return torch_name in self._section_of or torch_name in self._aliases

    def __len__(self) -> int:
        return len(self._section_of)

    def torch_names(self) -> Iterator[str]:
        """Every torch API with an entry (installed spelling), sorted."""
        return iter(self._section_of)

    def lookup(self, torch_name: str) -> TorchApiMapping | None:
        """The entry of a torch API, by its installed name or by the spelling a table used."""
        name = self._aliases.get(torch_name, torch_name)
        section = self._section_of.get(name)
        if section is None:
            return None
        entry = self._entries.get(name)
        if entry is None:
            entry = TorchApiMapping.from_json(self._section(section)["entries"][name])
            self._entries[name] = entry
        return entry

    def section(self, section: str) -> tuple[TorchApiMapping, ...]:
        """All entries of one section of the tables (`torch.nn`, `torch.Tensor`, ...)."""
        if section not in self._files:
            return ()
        return tuple(entry for name in self._section(section)["entries"] if (entry := self.lookup(name)))

    def sections(self) -> tuple[str, ...]:
        return tuple(self._files)

    def loaded_sections(self) -> tuple[str, ...]:
        """The sections parsed so far; the others are read when one of their APIs is looked up."""
        return tuple(self._sections)

    # ------------------------------------------------------------------ MindSpore -> torch

    def torch_for(self, mindspore_api: str) -> tuple[ReverseHit, ...]:
        """The torch APIs a MindSpore API stands for (roles current / legacy / mint_namesake / false_friend)."""
        return tuple(ReverseHit(torch, role) for torch, role in self._reverse.get(mindspore_api, ()))

    def mindspore_apis(self) -> Iterator[str]:
        """Every MindSpore API the data names as a counterpart or false friend, sorted."""
        return iter(self._reverse)

    def mindspore_only(self) -> tuple[MindSporeOnlyApi, ...]:
        """The current table's rows that have no torch API."""
        items = []
        for api, section in self._mindspore_only_sections.items():
            for record in self._section(section).get("mindspore_only", ()):
                if record["api"] == api:
                    items.append(
                        MindSporeOnlyApi(
                            record["api"], record["section"], record["diff_text"], record["exists"], record["links"]
                        )
                    )
        return tuple(items)

    # ------------------------------------------------------------------ signatures

    def signatures(self, api: str) -> tuple[str, ...]:
        """Signature texts of an API as installed (`(input, dim=None, keepdim=False)`); () when unknown.

        For a class, the constructor's. Reads `signatures.json` on first call.
        """
        if self._signatures is None:
            with self._lock:
                if self._signatures is None:
                    self._signatures = _read_json(self.directory / SIGNATURES_FILE)["apis"]
        return tuple(self._signatures.get(api, {}).get("signatures", ()))

    # ------------------------------------------------------------------ namespaces

    def namespace_members(self, namespace: str) -> frozenset[str] | None:
        """Public member names of a module or class as installed (`mindspore.nn`, `mindspore.Tensor`).

        None when `namespaces.json` does not record the namespace (then nothing can be said about it).
        Reads the file on first call (`python -m tools.introspect_namespaces` writes it).
        """
        if self._namespaces is None:
            with self._lock:
                if self._namespaces is None:
                    raw = _read_json(self.directory / NAMESPACES_FILE)["namespaces"]
                    self._namespaces = {name: frozenset(record["members"]) for name, record in raw.items()}
        return self._namespaces.get(namespace)

    def has_member(self, dotted: str) -> bool | None:
        """Does the installed package have `dotted` (`mindspore.nn.Linear`)? None when its namespace is not recorded."""
        namespace, _, member = dotted.rpartition(".")
        members = self.namespace_members(namespace)
        return None if members is None else member in members

    # ------------------------------------------------------------------ loading

    def _section(self, section: str) -> dict[str, Any]:
        data = self._sections.get(section)
        if data is None:
            with self._lock:
                data = self._sections.get(section)
                if data is None:
                    raw = _read_json(self._entries_dir / self._files[section])
                    data = {
                        "entries": {entry["torch"]: entry for entry in raw["entries"]},
                        "mindspore_only": raw.get("mindspore_only", []),
                    }
                    self._sections[section] = data
        return data


@cache
def load_mappings(directory: Path | None = None) -> ApiMappings:
    """The mapping data of `directory` (default: the repository's `mappings/`), read once per process."""
    return ApiMappings(directory or DEFAULT_MAPPINGS_DIR)
