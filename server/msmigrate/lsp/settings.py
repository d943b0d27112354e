"""The server's settings: typed here, camelCase on the wire.

They arrive in `initializationOptions` (as `{"settings": {...}}`, `{"msmigrate": {...}}` or flat), in
`workspace/didChangeConfiguration` pushes, or from `workspace/configuration` pulls of the section
`msmigrate`. A value of the wrong type is reported and replaced by its default; it never stops the server.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.analysis.settings import AnalysisSettings

log = logging.getLogger(__name__)

SECTION = "msmigrate"
WIRE_NAMES = frozenset({"jitSyntaxLevel", "select", "ignore", "showSyntaxErrors"})


@dataclass(frozen=True)
class ServerSettings:
    jit_syntax_level: SyntaxLevel | None = None  # None: what the file sets, else MindSpore's default
    select: tuple[str, ...] = ()  # rule code prefixes; empty selects every rule
    ignore: tuple[str, ...] = ()
    show_syntax_errors: bool = True
    problems: tuple[str, ...] = field(default=(), compare=False)  # what was wrong with the wire value

    def analysis_settings(self) -> AnalysisSettings:
        return AnalysisSettings(select=self.select, ignore=self.ignore, jit_syntax_level=self.jit_syntax_level)

    @classmethod
    def from_wire(cls, payload: Any) -> ServerSettings:
        """Settings from any of the accepted payload shapes; unknown keys are ignored."""
        values = settings_section(payload)
        if values is None:
            return cls()
        problems: list[str] = []
        return cls(
            jit_syntax_level=_syntax_level(values.get("jitSyntaxLevel"), problems),
            select=_code_prefixes(values, "select", problems),
            ignore=_code_prefixes(values, "ignore", problems),
            show_syntax_errors=_flag(values, "showSyntaxErrors", True, problems),
            problems=tuple(problems),
        )


def settings_section(payload: Any) -> Mapping[str, Any] | None:
    """The msmigrate settings inside a payload, or None when it holds none."""
    if not isinstance(payload, Mapping):
        return None
    for wrapper in ("settings", SECTION):
        inner = payload.get(wrapper)
        if isinstance(inner, Mapping):
            return settings_section(inner) or inner
    if WIRE_NAMES.intersection(payload):
        return payload
    return None


def _syntax_level(value: Any, problems: list[str]) -> SyntaxLevel | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return SyntaxLevel(value.strip().lower())
        except ValueError:
            pass
    problems.append(f"jitSyntaxLevel must be 'strict', 'lax' or null, not {value!r}")
    return None


def _code_prefixes(values: Mapping[str, Any], key: str, problems: list[str]) -> tuple[str, ...]:
    value = values.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        problems.append(f"{key} must be a list of rule code prefixes, not {value!r}")
        return ()
    return tuple(item.strip().upper() for item in value if item.strip())


def _flag(values: Mapping[str, Any], key: str, default: bool, problems: list[str]) -> bool:
    value = values.get(key, default)
    if isinstance(value, bool):
        return value
    problems.append(f"{key} must be true or false, not {value!r}")
    return default
