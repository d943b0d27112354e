"""Hovers: each provider looks at the position and may contribute a markdown section.

Providers: the documentation of the rules whose diagnostics cover the position, and what the mapping
data says about the torch or MindSpore API named there (`api_hover`). Sections are joined with a rule.
A provider gets the position in the negotiated encoding and that encoding's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lsprotocol.types import Diagnostic, Hover, MarkupContent, MarkupKind, Position, Range

from msmigrate.lsp.api_hover import api_documentation
from msmigrate.lsp.diagnostics import SOURCE, DiagnosticData
from msmigrate.lsp.documents import Document
from msmigrate.lsp.positions import UTF16, contains
from msmigrate.rules import rule_by_code


@dataclass(frozen=True)
class HoverSection:
    markdown: str
    range: Range | None = None


HoverProvider = Callable[[Document, Position, str], HoverSection | None]


def rule_documentation(document: Document, position: Position, encoding: str) -> HoverSection | None:
    """The doc of every rule with a diagnostic (as the client shows it now) under the position."""
    under: list[Diagnostic] = [
        diagnostic
        for diagnostic in document.published
        if diagnostic.source == SOURCE and contains(diagnostic.range, position)
    ]
    parts: list[str] = []
    seen: set[str] = set()
    for diagnostic in under:
        code = str(diagnostic.code)
        rule = rule_by_code(code)
        if rule is None or code in seen:
            continue
        seen.add(code)
        parts.append(_rule_markdown(code, rule.name(), rule.doc().as_markdown(code, rule.name()), diagnostic))
    if not parts:
        return None
    return HoverSection("\n\n---\n\n".join(parts), under[0].range)


def _rule_markdown(code: str, name: str, doc: str, diagnostic: Diagnostic) -> str:
    lines = [doc]
    data = DiagnosticData.from_json(diagnostic.data)
    if data is not None and data.fixes:
        offers = "\n".join(f"- {fix.title} ({fix.safety.value})" for fix in data.fixes)
        lines.append(f"**Fixes offered**\n\n{offers}")
    href = diagnostic.code_description.href if diagnostic.code_description else None
    if href:
        lines.append(f"[{code} ({name}) documentation]({href})")
    return "\n\n".join(lines)


PROVIDERS: tuple[HoverProvider, ...] = (rule_documentation, api_documentation)


def hover(document: Document, position: Position, markdown: bool, encoding: str = UTF16) -> Hover | None:
    sections = [section for provider in PROVIDERS if (section := provider(document, position, encoding)) is not None]
    if not sections:
        return None
    value = "\n\n---\n\n".join(section.markdown for section in sections)
    kind = MarkupKind.Markdown if markdown else MarkupKind.PlainText
    return Hover(contents=MarkupContent(kind=kind, value=value), range=sections[0].range)
