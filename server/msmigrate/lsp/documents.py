"""Open documents, their text as the client sees it, and their analyses cached per version.

The server keeps its own copy of each document rather than pygls's workspace copy: pygls splits lines
with `str.splitlines`, which also breaks at form feeds and "\\u2028", so its incremental edits drift
from the client's text on such files. Here changes are applied with LSP's own line rules
(`positions.apply_change`).

An analysis (`Snapshot`) is cached per version and settings generation; a few recent versions are kept
so a code action or a `codeAction/resolve` can compute edits on exactly the text its diagnostic saw.
"""

from __future__ import annotations

import asyncio
import enum
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

from lsprotocol.types import Diagnostic

from msmigrate.analysis.engine import AnalysisResult
from msmigrate.analysis.findings import Finding, Span
from msmigrate.lsp.positions import LineIndex

KEPT_SNAPSHOTS = 4
PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")
NOTEBOOK_SCHEMES = frozenset({"vscode-notebook-cell", "vscode-notebook"})


class DocumentKind(enum.Enum):
    PYTHON = "python"
    IGNORED = "ignored"  # another language, or a notebook (cells are not analysed as modules)


def document_kind(uri: str, language_id: str | None) -> DocumentKind:
    parsed = urlparse(uri)
    path = unquote(parsed.path).lower()
    if parsed.scheme in NOTEBOOK_SCHEMES or path.endswith(".ipynb"):
        return DocumentKind.IGNORED
    if language_id == "python" or path.endswith(PYTHON_SUFFIXES):
        return DocumentKind.PYTHON
    return DocumentKind.IGNORED


@dataclass
class Snapshot:
    """One version of a document, analysed, with its diagnostics already in LSP form."""

    uri: str
    version: int
    text: str
    settings_generation: int
    lines: LineIndex
    result: AnalysisResult | None  # None when the document was not analysed (too large)
    findings: list[tuple[Finding, Diagnostic]] = field(default_factory=list)
    syntax_diagnostic: Diagnostic | None = None  # set when the text does not parse
    notice: Diagnostic | None = None  # why the document was not analysed

    @property
    def parses(self) -> bool:
        return self.result is not None and self.result.syntax_problem is None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [diagnostic for _, diagnostic in self.findings]

    def finding(self, code: str, span: Span) -> Finding | None:
        return next((found for found, _ in self.findings if found.code == code and found.span == span), None)


@dataclass
class Document:
    uri: str
    kind: DocumentKind
    version: int
    text: str
    snapshots: OrderedDict[int, Snapshot] = field(default_factory=OrderedDict)
    last_good: Snapshot | None = None  # the latest snapshot that parsed; shown while the text does not
    pending: asyncio.Task[None] | None = None  # the scheduled analysis of the latest version
    published: list[Diagnostic] = field(default_factory=list)
    logged_failures: set[tuple[int, str]] = field(default_factory=set)  # (version, rule code)

    def snapshot(self, version: int, settings_generation: int | None = None) -> Snapshot | None:
        snapshot = self.snapshots.get(version)
        if snapshot is None:
            return None
        if settings_generation is not None and snapshot.settings_generation != settings_generation:
            return None
        return snapshot

    def text_of(self, version: int) -> str | None:
        """The text of a version, if it is the current one or still cached."""
        if version == self.version:
            return self.text
        snapshot = self.snapshots.get(version)
        return snapshot.text if snapshot is not None else None

    def remember(self, snapshot: Snapshot) -> None:
        self.snapshots[snapshot.version] = snapshot
        self.snapshots.move_to_end(snapshot.version)
        while len(self.snapshots) > KEPT_SNAPSHOTS:
            self.snapshots.popitem(last=False)
        if snapshot.parses and (self.last_good is None or snapshot.version >= self.last_good.version):
            self.last_good = snapshot

    def cancel_pending(self) -> None:
        if self.pending is not None and not self.pending.done():
            self.pending.cancel()
        self.pending = None


class DocumentStore:
    def __init__(self) -> None:
        self._documents: dict[str, Document] = {}

    def open(
        self, uri: str, language_id: str | None, version: int, text: str, kind: DocumentKind | None = None
    ) -> Document:
        """Open a document; its kind follows from URI and language unless given (a notebook's joined cells)."""
        previous = self._documents.get(uri)
        if previous is not None:
            previous.cancel_pending()
        document = Document(uri, kind or document_kind(uri, language_id), version, text)
        self._documents[uri] = document
        return document

    def get(self, uri: str) -> Document | None:
        return self._documents.get(uri)

    def close(self, uri: str) -> Document | None:
        document = self._documents.pop(uri, None)
        if document is not None:
            document.cancel_pending()
        return document

    def analysable(self) -> list[Document]:
        return [document for document in self._documents.values() if document.kind is DocumentKind.PYTHON]

    def all(self) -> list[Document]:
        return list(self._documents.values())
