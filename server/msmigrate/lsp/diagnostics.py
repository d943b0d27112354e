"""Analyse documents and publish their diagnostics, versioned, never stale.

Open and save analyse at once; changes are debounced. An analysis runs on a worker thread so the
event loop keeps answering requests, and its diagnostics are published only if the version it saw is
still the document's latest (the `version` field of the publish is that version). While the text does
not parse, one syntax-error diagnostic is shown next to the last good migration diagnostics.

A command can add diagnostics of its own to a document (`show_command_diagnostics`; the equivalence check
marks the first diverging line). Each publish replaces all of a URI's diagnostics, so they are merged into
every publish of the document version they were made for, and dropped once the document changes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol.types import (
    CodeDescription,
    Diagnostic,
    DiagnosticSeverity,
    LogMessageParams,
    MessageType,
    Position,
    PublishDiagnosticsParams,
    Range,
)

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Finding, FixOffer, FixSafety, Span
from msmigrate.lsp.documents import Document, DocumentKind, Snapshot
from msmigrate.lsp.positions import LineIndex

if TYPE_CHECKING:
    from msmigrate.lsp.server import MsmigrateServer

log = logging.getLogger(__name__)

SOURCE = "msmigrate"
SYNTAX_ERROR_CODE = "syntax-error"
TOO_LARGE_CODE = "file-too-large"
MAX_DOCUMENT_BYTES = 5_000_000
DEBOUNCE_SECONDS = 0.35


@dataclass
class CommandDiagnostics:
    diagnostics: list[Diagnostic]
    version: int | None  # the document version they describe; None: the file was not open (its saved text)


@dataclass(frozen=True)
class DiagnosticData:
    """What `Diagnostic.data` carries, so a code action needs no new analysis.

    On the wire: `{"uri", "version", "code", "span": [line, column, endLine, endColumn],
    "fixes": [{"title", "safety", "fixId", "params"}]}`; the span is the engine's (1-based lines,
    code-point columns) in the text of `version`.
    """

    uri: str
    version: int
    code: str
    span: Span
    fixes: tuple[FixOffer, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "version": self.version,
            "code": self.code,
            "span": [self.span.line, self.span.column, self.span.end_line, self.span.end_column],
            "fixes": [
                {"title": fix.title, "safety": fix.safety.value, "fixId": fix.fix_id, "params": fix.param_dict()}
                for fix in self.fixes
            ],
        }

    @classmethod
    def from_json(cls, payload: Any) -> DiagnosticData | None:
        """The data of one of our diagnostics, or None for anything else (clients may mangle it)."""
        try:
            line, column, end_line, end_column = (int(value) for value in payload["span"])
            fixes = tuple(
                FixOffer(
                    title=str(fix["title"]),
                    safety=FixSafety(fix["safety"]),
                    fix_id=str(fix["fixId"]),
                    params=tuple(sorted(dict(fix.get("params") or {}).items())),
                )
                for fix in payload.get("fixes") or ()
            )
            return cls(
                uri=str(payload["uri"]),
                version=int(payload["version"]),
                code=str(payload["code"]),
                span=Span(line, column, end_line, end_column),
                fixes=fixes,
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


def finding_diagnostic(finding: Finding, uri: str, version: int, lines: LineIndex, encoding: str) -> Diagnostic:
    data = DiagnosticData(uri, version, finding.code, finding.span, finding.fixes)
    return Diagnostic(
        range=lines.span_to_range(finding.span, encoding),
        message=finding.message,
        severity=DiagnosticSeverity(int(finding.severity)),
        code=finding.code,
        code_description=CodeDescription(href=finding.doc_url) if finding.doc_url else None,
        source=SOURCE,
        data=data.to_json(),
    )


def analyse(uri: str, version: int, text: str, engine: Engine, settings_generation: int, encoding: str) -> Snapshot:
    """Analyse one version of a document (runs on a worker thread; touches no server state)."""
    lines = LineIndex(text)
    if _too_large(text):
        notice = Diagnostic(
            range=Range(start=Position(line=0, character=0), end=Position(line=0, character=0)),
            message=f"msmigrate skipped this file: it is larger than {MAX_DOCUMENT_BYTES // 1_000_000} MB",
            severity=DiagnosticSeverity.Information,
            code=TOO_LARGE_CODE,
            source=SOURCE,
        )
        return Snapshot(uri, version, text, settings_generation, lines, result=None, notice=notice)
    result = engine.analyze(text)
    # The facts hold the document's syntax tree (~2 MB per 1,000 lines) and nothing here reads them
    # again: keeping them in cached snapshots cost two thirds of the server's memory with 50 files open.
    result.facts = None
    snapshot = Snapshot(uri, version, text, settings_generation, lines, result)
    if result.syntax_problem is not None:
        snapshot.syntax_diagnostic = Diagnostic(
            range=lines.span_to_range(result.syntax_problem.span, encoding),
            message=result.syntax_problem.message,
            severity=DiagnosticSeverity.Error,
            code=SYNTAX_ERROR_CODE,
            source=SOURCE,
        )
    snapshot.findings = [
        (finding, finding_diagnostic(finding, uri, version, lines, encoding)) for finding in result.findings
    ]
    return snapshot


def _too_large(text: str) -> bool:
    # A code point takes at most 4 UTF-8 bytes: only texts near the limit need encoding.
    if len(text) * 4 <= MAX_DOCUMENT_BYTES:
        return False
    return len(text.encode("utf-8", errors="surrogatepass")) > MAX_DOCUMENT_BYTES


def diagnostics_to_show(document: Document, snapshot: Snapshot, show_syntax_errors: bool) -> list[Diagnostic]:
    if snapshot.notice is not None:
        return [snapshot.notice]
    if snapshot.parses:
        return snapshot.diagnostics
    shown = [snapshot.syntax_diagnostic] if show_syntax_errors and snapshot.syntax_diagnostic else []
    if document.last_good is not None:
        shown.extend(document.last_good.diagnostics)
    return shown


class DiagnosticsPublisher:
    """Schedules analyses per document and publishes their diagnostics."""

    def __init__(self, server: MsmigrateServer) -> None:
        self.server = server
        self.command_diagnostics: dict[str, CommandDiagnostics] = {}  # by URI

    def show_command_diagnostics(self, uri: str, diagnostics: list[Diagnostic]) -> None:
        """Show a command's diagnostics next to the analysis ones until the document changes (or they are dropped)."""
        document = self.server.documents.get(uri)
        open_python = document is not None and document.kind is DocumentKind.PYTHON
        self.command_diagnostics[uri] = CommandDiagnostics(list(diagnostics), document.version if open_python else None)
        self._republish(uri)

    def drop_command_diagnostics(self, uri: str) -> None:
        if self.command_diagnostics.pop(uri, None) is not None:
            self._republish(uri)

    def _republish(self, uri: str) -> None:
        document = self.server.documents.get(uri)
        if document is not None and document.kind is DocumentKind.PYTHON:
            self.schedule(document)  # the analysis is cached: this publishes at once, merged
            return
        extra = self.command_diagnostics.get(uri)
        self.server.text_document_publish_diagnostics(
            PublishDiagnosticsParams(uri=uri, diagnostics=list(extra.diagnostics) if extra else [])
        )

    def _with_command_diagnostics(self, uri: str, version: int, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        extra = self.command_diagnostics.get(uri)
        if extra is None:
            return diagnostics
        if extra.version is None:  # made from the saved file, which the editor has just opened
            extra.version = version
        if extra.version != version:
            del self.command_diagnostics[uri]
            return diagnostics
        return diagnostics + extra.diagnostics

    def schedule(self, document: Document, *, delay: float = 0.0) -> None:
        """Analyse the document's latest version after `delay` seconds, replacing any pending run."""
        if document.kind is not DocumentKind.PYTHON:
            return
        document.cancel_pending()
        document.pending = asyncio.ensure_future(self._analyse_and_publish(document, document.version, delay))

    async def snapshot_for(self, document: Document) -> Snapshot:
        """The analysis of the document's current version under the current settings (cached)."""
        state = self.server.state
        version = document.version
        cached = document.snapshot(version, state.settings_generation)
        if cached is not None:
            return cached
        loop = asyncio.get_running_loop()
        snapshot = await loop.run_in_executor(
            self.server.executor,
            analyse,
            document.uri,
            version,
            document.text,
            state.engine,
            state.settings_generation,
            state.encoding,
        )
        if snapshot.settings_generation == state.settings_generation:
            document.remember(snapshot)
            self._log_rule_failures(document, snapshot)
        return snapshot

    async def _analyse_and_publish(self, document: Document, version: int, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            if not self._is_latest(document, version):
                return
            snapshot = await self.snapshot_for(document)
            # Settings that changed meanwhile scheduled a fresh run; this one is stale either way.
            current_settings = snapshot.settings_generation == self.server.state.settings_generation
            if not (current_settings and self._is_latest(document, version)):
                return
            if not snapshot.parses and document.last_good is not None:
                await self._reanalyse_last_good(document)
                if not self._is_latest(document, version):
                    return
            self.publish(document, snapshot)
        except asyncio.CancelledError:
            raise
        except Exception:  # one bad analysis must not stop the next ones
            log.exception("analysing %s (version %s) failed", document.uri, version)
            self.server.log_to_client(f"msmigrate could not analyse {document.uri}; see the server log", error=True)

    def _is_latest(self, document: Document, version: int) -> bool:
        return self.server.documents.get(document.uri) is document and document.version == version

    async def _reanalyse_last_good(self, document: Document) -> None:
        """Bring the kept diagnostics of the last good text up to the current settings."""
        state = self.server.state
        last_good = document.last_good
        if last_good is None or last_good.settings_generation == state.settings_generation:
            return
        loop = asyncio.get_running_loop()
        refreshed = await loop.run_in_executor(
            self.server.executor,
            analyse,
            document.uri,
            last_good.version,
            last_good.text,
            state.engine,
            state.settings_generation,
            state.encoding,
        )
        if document.last_good is last_good and refreshed.parses:
            document.last_good = refreshed

    def publish(self, document: Document, snapshot: Snapshot) -> None:
        diagnostics = diagnostics_to_show(document, snapshot, self.server.state.settings.show_syntax_errors)
        diagnostics = self._with_command_diagnostics(document.uri, snapshot.version, diagnostics)
        document.published = diagnostics
        if self.server.notebooks.is_notebook(document.uri):
            self.server.notebooks.publish(document, diagnostics, snapshot.version)
            return
        self.server.text_document_publish_diagnostics(
            PublishDiagnosticsParams(uri=document.uri, diagnostics=diagnostics, version=snapshot.version)
        )

    def clear(self, uri: str) -> None:
        self.command_diagnostics.pop(uri, None)
        self.server.text_document_publish_diagnostics(PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def _log_rule_failures(self, document: Document, snapshot: Snapshot) -> None:
        if snapshot.result is None or not snapshot.result.rule_failures:
            return
        document.logged_failures = {key for key in document.logged_failures if key[0] >= document.version}
        for failure in snapshot.result.rule_failures:
            key = (snapshot.version, failure.code)
            if key in document.logged_failures:
                continue
            document.logged_failures.add(key)
            self.server.window_log_message(
                LogMessageParams(
                    type=MessageType.Error,
                    message=(
                        f"msmigrate rule {failure.code} failed on {document.uri} (version {snapshot.version}) "
                        f"and was skipped:\n{failure.error}"
                    ),
                )
            )
