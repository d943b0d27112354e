"""The rule interface: one class per hazard, a fixed docstring, one `report` call per finding."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from msmigrate.analysis.facts import Framework, FunctionNode, GraphScope, ModuleFacts, SyntaxLevel
from msmigrate.analysis.findings import Category, FixOffer, Severity, Span
from msmigrate.analysis.names import ImportTable
from msmigrate.analysis.source import SourceText
from msmigrate.analysis.values import ValueKinds, value_kinds_of

DOC_HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "References")
_HEADING_LINE = re.compile(r"^\s*\*\*(?P<title>[^*]+)\*\*\s*$")
_URL = re.compile(r"https?://\S+[^\s.,)>\]]")


@dataclass(frozen=True)
class RuleDoc:
    summary: str
    sections: dict[str, str]

    @property
    def url(self) -> str | None:
        match = _URL.search(self.sections.get("References", ""))
        return match.group(0) if match else None

    def as_markdown(self, code: str, name: str) -> str:
        parts = [f"**{code}** `{name}` — {self.summary}"]
        for heading in DOC_HEADINGS:
            body = self.sections.get(heading)
            if body:
                parts.append(f"**{heading}**\n\n{body}")
        return "\n\n".join(parts)


def parse_rule_doc(docstring: str | None) -> RuleDoc:
    """Split a rule docstring into its summary line and its `**Heading**` sections."""
    lines = (docstring or "").strip("\n").splitlines()
    summary = lines[0].strip() if lines else ""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    indent = _common_indent(lines[1:])
    for raw in lines[1:]:
        line = raw[indent:] if len(raw) >= indent else raw.strip()
        heading = _HEADING_LINE.match(line)
        if heading:
            current = sections.setdefault(heading.group("title").strip(), [])
            continue
        if current is not None:
            current.append(line)
    return RuleDoc(summary, {title: "\n".join(body).strip() for title, body in sections.items()})


def _common_indent(lines: list[str]) -> int:
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    return min(indents, default=0)


class Rule:
    """Base class. Subclasses set the class variables and implement `check`.

    The engine calls `check(node, context)` for every node whose type is in `node_types`, inside
    graph-compiled functions only when `graph_scope_only` is set. A rule never raises on purpose; if it
    does, the engine logs the error and goes on with the other rules.
    """

    code: ClassVar[str]
    category: ClassVar[Category]
    node_types: ClassVar[tuple[type[ast.AST], ...]]
    graph_scope_only: ClassVar[bool] = False
    # For a rule about particular APIs: the last names they can be called by (`Dropout` for
    # `mindspore.nn.Dropout`). The engine then skips calls `x.attr(...)` whose `attr` is not one of
    # them; calls through a bare name are always checked, as an import alias can rename any API.
    callee_names: ClassVar[frozenset[str] | None] = None
    # MindSpore APIs whose unaccepted (torch) keywords this rule reports with its own fixes; the generic
    # keyword rule (MSA020) stays silent on them, so a keyword gets one report.
    covers_keywords_of: ClassVar[frozenset[str]] = frozenset()
    frameworks: ClassVar[frozenset[Framework]] = frozenset({Framework.MINDSPORE, Framework.BOTH})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        raise NotImplementedError

    @classmethod
    def name(cls) -> str:
        return cls.__name__

    @classmethod
    def doc(cls) -> RuleDoc:
        cached = cls.__dict__.get("_parsed_doc")
        if cached is None:
            cached = parse_rule_doc(cls.__doc__)
            cls._parsed_doc = cached  # type: ignore[attr-defined]
        return cached

    @classmethod
    def doc_url(cls) -> str | None:
        return cls.doc().url


@dataclass
class Report:
    rule: type[Rule]
    span: Span
    message: str
    severity: Severity
    fixes: tuple[FixOffer, ...]


class RuleContext:
    """What a rule sees of the node it is checking: module facts, the enclosing graph scope, values."""

    def __init__(
        self,
        source: SourceText,
        facts: ModuleFacts,
        imports: ImportTable,
        function: FunctionNode | None,
        scope: GraphScope | None,
        sink: Callable[[Report], None],
    ) -> None:
        self.source = source
        self.facts = facts
        self.imports = imports
        self.function = function
        self.scope = scope
        self._sink = sink
        self.current_rule: type[Rule] | None = None
        self._qualified_names: dict[ast.expr, frozenset[str]] = {}

    @property
    def in_graph(self) -> bool:
        return self.scope is not None

    @property
    def level(self) -> SyntaxLevel:
        return self.scope.level if self.scope is not None else self.facts.effective_level

    @cached_property
    def values(self) -> ValueKinds | None:
        if self.function is None:
            return None
        return value_kinds_of(self.function, self.facts, self.imports)

    def parent_of(self, node: ast.AST) -> ast.AST | None:
        """The node's parent inside the current function (None at module level or at the function)."""
        if self.function is None:
            return None
        return self.facts.index_of(self.function).parents.get(node)

    def qualified_names(self, expr: ast.expr) -> frozenset[str]:
        # Several rules resolve the same callee. Keyed by the node itself (identity), which the cache keeps
        # alive, so a node a rule builds on the fly cannot be mistaken for another.
        names = self._qualified_names.get(expr)
        if names is None:
            names = self._qualified_names[expr] = self.imports.qualified_names(expr)
        return names

    def involves_tensor(self, expr: ast.expr) -> bool:
        values = self.values
        return values is not None and values.involves_tensor(expr)

    def scope_description(self) -> str:
        """`in Net.construct` or `in Net.construct → self.helper()`, for messages."""
        if self.scope is None:
            return ""
        chain = " → ".join((self.scope.root, *self.scope.via))
        return f"in {chain}"

    def report(
        self,
        where: ast.AST | Span,
        message: str,
        severity: Severity,
        fixes: tuple[FixOffer, ...] = (),
    ) -> None:
        assert self.current_rule is not None
        span = where if isinstance(where, Span) else self.source.span_of(where)
        self._sink(Report(self.current_rule, span, message, severity, fixes))
