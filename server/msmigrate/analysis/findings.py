"""What the engine reports: findings with positions, severities and offered fixes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    """Ordered as LSP's DiagnosticSeverity so the value can go on the wire unchanged."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Severity:
        return cls[label.upper()]


class Category(enum.Enum):
    GRAPH_SYNTAX = "graph-syntax"
    API_DIFFERENCE = "api-difference"
    DYNAMIC_SHAPE = "dynamic-shape"


class FixSafety(enum.Enum):
    """How much a fix can be trusted; only SAFE fixes are preferred and join "fix all"."""

    SAFE = "safe"  # meaning preserved, or a certain compile/runtime error removed
    UNSAFE = "unsafe"  # meaning may change
    SUGGESTION = "suggestion"  # advice only, no edit


@dataclass(frozen=True, order=True)
class Span:
    """A source range: 1-based lines, 0-based columns counted in Unicode code points.

    The engine speaks only this; the LSP layer converts to the negotiated encoding once.
    """

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class FixOffer:
    """A fix a rule offers. Its edits are computed lazily (libcst) by `msmigrate.fixes`.

    `fix_id` names the rewrite in the fix registry; `params` are JSON-able arguments for it.
    """

    title: str
    safety: FixSafety
    fix_id: str
    params: tuple[tuple[str, Any], ...] = ()

    def param_dict(self) -> dict[str, Any]:
        return dict(self.params)


@dataclass(frozen=True)
class TextEdit:
    span: Span
    new_text: str


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    severity: Severity
    span: Span
    category: Category
    doc_url: str | None = None
    fixes: tuple[FixOffer, ...] = field(default=())


@dataclass(frozen=True)
class SyntaxProblem:
    """The file does not parse: one problem, reported on its own."""

    message: str
    span: Span
