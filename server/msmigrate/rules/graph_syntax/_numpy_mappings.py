"""The numpy / host-library data of MSG001 and MSG003, read from `mappings/numpy_to_mindspore.toml`.

The file is data (its format is documented at its top); this module reads it once, at first use, into
typed records, and holds the argument binding that the rules (on `ast`) and the fixes (on libcst) share.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import tomllib

from msmigrate.mappings.store import DEFAULT_MAPPINGS_DIR

MAPPING_FILE = DEFAULT_MAPPINGS_DIR / "numpy_to_mindspore.toml"
_OPERATION = re.compile(r"\{ops\}\.(\w+)\(")
_PLACEHOLDER = re.compile(r"\{(?P<name>[A-Za-z_]+)(?::(?P<format>[a-z]+))?\}")


@dataclass(frozen=True)
class Argument:
    """What binding needs to know of one call argument."""

    keyword: str | None  # None for a positional argument
    starred: bool = False  # `*args` (positional) or `**kwargs` (keyword None as well)
    double_starred: bool = False


@dataclass(frozen=True)
class FunctionMapping:
    """A numpy function applied to tensors and its MindSpore counterpart."""

    name: str
    target: str | None  # dotted under `mindspore`: "ops.sin", "numpy.sum"
    positional: int
    min_positional: int
    keywords: dict[str, str]
    safe: bool
    fails_on_tensors: bool
    note: str = ""

    @property
    def target_package(self) -> str:
        """The `mindspore` submodule that holds the target: "ops" or "numpy"."""
        assert self.target is not None
        return self.target.split(".", 1)[0]

    @property
    def target_function(self) -> str:
        assert self.target is not None
        return self.target.split(".", 1)[1]

    def display_target(self) -> str:
        """How messages name the target: `ops.sin`, `mindspore.numpy.sum`."""
        assert self.target is not None
        return self.target if self.target_package == "ops" else f"mindspore.{self.target}"

    def accepts(self, arguments: Sequence[Argument]) -> bool:
        """Whether a call with these arguments can be rewritten by renaming the function (and keywords)."""
        positional = 0
        for argument in arguments:
            if argument.double_starred or argument.starred:
                return False
            if argument.keyword is None:
                positional += 1
            elif argument.keyword not in self.keywords:
                return False
        return self.min_positional <= positional <= self.positional


@dataclass(frozen=True)
class Variant:
    given: frozenset[str]
    text: str

    def placeholders(self) -> list[tuple[str, str | None]]:
        return [(match.group("name"), match.group("format")) for match in _PLACEHOLDER.finditer(self.text)]


@dataclass(frozen=True)
class DrawMapping:
    """A random draw and the MindSpore random operation that replaces it (templates per argument set)."""

    names: tuple[str, ...]
    parameters: tuple[str, ...]
    defaults: dict[str, str]
    variants: tuple[Variant, ...]
    int_parameters: frozenset[str] = field(default_factory=frozenset)
    advice: str = ""

    def operations(self, variant: int | None = None) -> list[str]:
        """The MindSpore operations the variant (or any variant) draws with: ["standard_normal"]."""
        chosen = self.variants if variant is None else (self.variants[variant],)
        return sorted({name for choice in chosen for name in _OPERATION.findall(choice.text)})

    @property
    def gathering(self) -> str | None:
        """The parameter that gathers every positional argument (`*shape`), if any."""
        for parameter in self.parameters:
            if parameter.startswith("*"):
                return parameter[1:]
        return None

    def bind(self, arguments: Sequence[Argument]) -> dict[str, list[int]] | None:
        """Parameter -> indices of the arguments bound to it; None when the call does not fit."""
        bound: dict[str, list[int]] = {}
        gathering = self.gathering
        plain = [parameter for parameter in self.parameters if not parameter.startswith("*")]
        position = 0
        for index, argument in enumerate(arguments):
            if argument.double_starred:
                return None
            if argument.keyword is None:
                if gathering is not None:
                    bound.setdefault(gathering, []).append(index)
                    continue
                if argument.starred or position >= len(plain):
                    return None
                bound[plain[position]] = [index]
                position += 1
            else:
                if argument.keyword not in plain or argument.keyword in bound:
                    return None
                bound[argument.keyword] = [index]
        return bound

    def choose_variant(self, bound: dict[str, list[int]]) -> int | None:
        """Index of the first variant that takes every passed parameter and can fill its placeholders."""
        passed = set(bound)
        for index, variant in enumerate(self.variants):
            if not passed <= variant.given:
                continue
            names = {name for name, _ in variant.placeholders() if name != "ops"}
            if all(name in bound or name in self.defaults for name in names):
                return index
        return None


@dataclass(frozen=True)
class RandomNames:
    not_draws: frozenset[str]
    seeding: frozenset[str]
    generators: dict[str, str]  # constructor -> generator class


@dataclass(frozen=True)
class NumpyMappings:
    third_party: frozenset[str]
    other_rules: tuple[str, ...]
    compiled: frozenset[str]
    frozen: frozenset[str]
    array_results: frozenset[str]
    functions: dict[str, FunctionMapping]
    random: RandomNames
    draws: dict[str, DrawMapping]  # every draw name -> its mapping

    def is_host_library(self, qualified_name: str) -> bool:
        """A name MindSpore runs through JIT Fallback: the standard library or a listed third-party package."""
        root = qualified_name.split(".", 1)[0]
        return root in self.third_party or (root in sys.stdlib_module_names and root != "builtins")

    def returns_arrays(self, qualified_name: str) -> bool:
        return qualified_name.split(".", 1)[0] in self.array_results

    def belongs_to_other_rules(self, qualified_name: str) -> bool:
        return any(qualified_name == module or qualified_name.startswith(f"{module}.") for module in self.other_rules)


@cache
def numpy_mappings() -> NumpyMappings:
    with MAPPING_FILE.open("rb") as stream:
        data = tomllib.load(stream)
    return _parse(data)


def _parse(data: dict[str, Any]) -> NumpyMappings:
    modules = data["host_modules"]
    functions = {name: _function(name, entry) for name, entry in data["functions"].items()}
    random = data["random"]
    draws: dict[str, DrawMapping] = {}
    for entry in data.get("draws", []):
        mapping = DrawMapping(
            names=tuple(entry["names"]),
            parameters=tuple(entry["parameters"]),
            defaults=dict(entry.get("defaults", {})),
            variants=tuple(Variant(frozenset(variant["given"]), variant["text"]) for variant in entry["variants"]),
            int_parameters=frozenset(entry.get("int_parameters", ())),
            advice=entry.get("advice", ""),
        )
        for name in mapping.names:
            draws[name] = mapping
    return NumpyMappings(
        third_party=frozenset(modules["third_party"]),
        other_rules=tuple(modules["other_rules"]),
        compiled=frozenset(modules["compiled"]),
        frozen=frozenset(modules["frozen"]),
        array_results=frozenset(modules["array_results"]),
        functions=functions,
        random=RandomNames(
            not_draws=frozenset(random["not_draws"]),
            seeding=frozenset(random["seeding"]),
            generators=dict(random["generators"]),
        ),
        draws=draws,
    )


def _function(name: str, entry: dict[str, Any]) -> FunctionMapping:
    safety = entry.get("safety", "unsafe")
    if safety not in ("safe", "unsafe"):
        raise ValueError(f"{MAPPING_FILE.name}: {name}: safety must be 'safe' or 'unsafe', not {safety!r}")
    return FunctionMapping(
        name=name,
        target=entry.get("target"),
        positional=entry.get("positional", 1),
        min_positional=entry.get("min_positional", 1),
        keywords=dict(entry.get("keywords", {})),
        safe=safety == "safe",
        fails_on_tensors=entry.get("fails_on_tensors", False),
        note=entry.get("note", ""),
    )


def render_variant(
    mapping: DrawMapping,
    variant: Variant,
    sources: dict[str, str],
    atoms: set[str],
    integer_literals: set[str],
    ops_reference: str,
) -> str:
    """The replacement text of `variant`.

    `sources` holds each passed parameter's source text (a gathered parameter's arguments joined with
    ", "); parameters not in `atoms` are parenthesised, since the templates combine them with operators.
    """
    gathering = mapping.gathering

    def substitute(match: re.Match[str]) -> str:
        name, form = match.group("name"), match.group("format")
        if name == "ops":
            return ops_reference
        if name in sources:
            text = sources[name]
            if name == gathering or name in atoms:
                return f"({text},)" if form == "shape" and name in integer_literals else text
            return f"({text})"
        return mapping.defaults[name]

    return _PLACEHOLDER.sub(substitute, variant.text)
