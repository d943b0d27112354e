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
from msmigrate.equivalence.result import InputSpec

log = logging.getLogger(__name__)

SECTION = "msmigrate"
EQUIVALENCE = "equivalence"  # a nested object, or dotted keys such as "equivalence.timeoutSeconds"
EQUIVALENCE_NAMES = ("interpreter", "timeoutSeconds", "device", "atol", "rtol", "inputs")
WIRE_NAMES = frozenset(
    {"jitSyntaxLevel", "select", "ignore", "showSyntaxErrors", EQUIVALENCE}
    | {f"{EQUIVALENCE}.{name}" for name in EQUIVALENCE_NAMES}
)
DEVICES = ("auto", "cpu", "gpu", "cuda", "ascend")


@dataclass(frozen=True)
class EquivalenceSettings:
    """How `msmigrate.runEquivalenceCheck` runs the paired check (the command's arguments override them)."""

    interpreter: str | None = None  # None: the interpreter running the server
    timeout_seconds: float = 300.0
    device: str = "auto"
    atol: float | None = None  # None: the per-dtype default
    rtol: float | None = None
    inputs: tuple[str, ...] = ()  # "2,3,8,8:float32" each; empty: the files' example_inputs()

    @classmethod
    def from_wire(cls, values: Mapping[str, Any], problems: list[str]) -> EquivalenceSettings:
        nested = values.get(EQUIVALENCE)
        merged: dict[str, Any] = dict(nested) if isinstance(nested, Mapping) else {}
        if nested is not None and not isinstance(nested, Mapping):
            problems.append(f"{EQUIVALENCE} must be an object, not {nested!r}")
        for name in EQUIVALENCE_NAMES:
            if f"{EQUIVALENCE}.{name}" in values:
                merged[name] = values[f"{EQUIVALENCE}.{name}"]
        return cls(
            interpreter=_interpreter(merged.get("interpreter"), problems),
            timeout_seconds=_number(merged, "timeoutSeconds", 300.0, problems, positive=True) or 300.0,
            device=_device(merged.get("device"), problems),
            atol=_number(merged, "atol", None, problems),
            rtol=_number(merged, "rtol", None, problems),
            inputs=_input_specs(merged.get("inputs"), problems),
        )


@dataclass(frozen=True)
class ServerSettings:
    jit_syntax_level: SyntaxLevel | None = None  # None: what the file sets, else MindSpore's default
    select: tuple[str, ...] = ()  # rule code prefixes; empty selects every rule
    ignore: tuple[str, ...] = ()
    show_syntax_errors: bool = True
    equivalence: EquivalenceSettings = field(default_factory=EquivalenceSettings)
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
            equivalence=EquivalenceSettings.from_wire(values, problems),
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


def _interpreter(value: Any, problems: list[str]) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return value.strip()
    problems.append(f"{EQUIVALENCE}.interpreter must be a path to a Python interpreter, not {value!r}")
    return None


def _number(
    values: Mapping[str, Any], key: str, default: float | None, problems: list[str], *, positive: bool = False
) -> float | None:
    value = values.get(key)
    if value is None:
        return default
    if isinstance(value, int | float) and not isinstance(value, bool) and (value > 0 or (value == 0 and not positive)):
        return float(value)
    kind = "a positive number" if positive else "a number >= 0 or null"
    problems.append(f"{EQUIVALENCE}.{key} must be {kind}, not {value!r}")
    return default


def _device(value: Any, problems: list[str]) -> str:
    if value is None:
        return "auto"
    if isinstance(value, str) and value.strip().lower() in DEVICES:
        return value.strip().lower()
    problems.append(f"{EQUIVALENCE}.device must be one of {', '.join(DEVICES)}, not {value!r}")
    return "auto"


def _input_specs(value: Any, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        problems.append(f'{EQUIVALENCE}.inputs must be a list such as ["2,3,32,32:float32"], not {value!r}')
        return ()
    for item in value:
        try:
            InputSpec.parse(item)
        except ValueError as error:
            problems.append(f"{EQUIVALENCE}.inputs: {error}")
            return ()
    return tuple(item.strip() for item in value)
