"""Code actions: the fixes a finding offers, "disable for this line", and "fix all safe problems".

The fixes a diagnostic offers travel in its `data`; their edits are computed (libcst, slow) only when
asked for: in `codeAction/resolve` when the client can resolve edits, else in `codeAction` itself.
Edits are always computed on the text of the version the diagnostic was made for, and sent as a
versioned `TextDocumentEdit` when the client takes `documentChanges`, so a client that has moved on
rejects them instead of corrupting the file.
"""

from __future__ import annotations

import ast
import io
import logging
import re
import tokenize
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol.types import (
    CodeAction,
    CodeActionKind,
    CodeActionParams,
    Diagnostic,
    OptionalVersionedTextDocumentIdentifier,
    TextDocumentEdit,
    WorkspaceEdit,
)
from lsprotocol.types import TextEdit as LspTextEdit

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Category, Finding, FixOffer, FixSafety, Severity, TextEdit
from msmigrate.analysis.source import span_offsets
from msmigrate.lsp.diagnostics import SOURCE, DiagnosticData
from msmigrate.lsp.documents import Document, DocumentKind, Snapshot
from msmigrate.lsp.positions import LineIndex, overlaps
from msmigrate.rules import rule_by_code

if TYPE_CHECKING:
    from msmigrate.lsp.server import MsmigrateServer

log = logging.getLogger(__name__)

FIX_ALL_KIND = f"{CodeActionKind.SourceFixAll.value}.msmigrate"
FIX_ALL_TITLE = "msmigrate: fix all safe problems"
MAX_FIX_ALL_ROUNDS = 5
OFFERED_KINDS = (CodeActionKind.QuickFix, FIX_ALL_KIND)

_NOQA_WITH_CODES = re.compile(r"#\s*noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """A finding a code action works on, in the text of `version`."""

    finding: Finding
    diagnostic: Diagnostic
    version: int


# --- computing edits (pure; run on a worker thread) ---------------------------------------------------


def to_lsp_edits(text: str, edits: list[TextEdit], encoding: str) -> list[LspTextEdit]:
    index = LineIndex(text)
    converted = []
    for edit in edits:
        start, end = span_offsets(text, edit.span)
        converted.append(LspTextEdit(range=index.offsets_to_range(start, end, encoding), new_text=edit.new_text))
    return converted


def fix_edits(text: str, finding: Finding, offer: FixOffer, encoding: str) -> list[LspTextEdit]:
    """The LSP edits of one fix; [] when it cannot be applied to this text."""
    from msmigrate.fixes import compute_edits  # libcst costs a third of the server's start-up: load on use

    try:
        edits = compute_edits(text, finding, offer)
    except Exception as error:  # FixError, or a fix that broke on odd code: no action beats a crash
        log.info("fix %s for %s at %s not applied: %s", offer.fix_id, finding.code, finding.span, error)
        return []
    return to_lsp_edits(text, edits, encoding)


def noqa_edits(text: str, finding: Finding, encoding: str) -> list[LspTextEdit]:
    """Add `# noqa: CODE` where it silences the finding; [] when no line can take a comment.

    The engine honours the comment on a finding's first or last line. A candidate is accepted only if
    the tokenizer then sees a comment there, which rules out the inside of a multi-line string and a
    line ending in a backslash.
    """
    index = LineIndex(text)
    for line in dict.fromkeys((finding.span.line, finding.span.end_line)):
        line_text = index.line_text(line - 1)
        existing = _NOQA_WITH_CODES.search(line_text)
        if existing is not None:
            if finding.code in re.split(r"[\s,]+", existing.group("codes").upper()):
                continue
            column, insertion = existing.end("codes"), f", {finding.code}"
        else:
            column = len(line_text)
            insertion = f"# noqa: {finding.code}" if line_text.endswith((" ", "\t")) else f"  # noqa: {finding.code}"
        offset = index.offset_of(line - 1, column)
        if _comment_on_line(text[:offset] + insertion + text[offset:], line):
            return [LspTextEdit(range=index.offsets_to_range(offset, offset, encoding), new_text=insertion)]
    return []


def _comment_on_line(text: str, line: int) -> bool:
    """Whether a `# noqa` comment token starts on 1-based `line` of `text`.

    Only the top-level statement around the line is tokenized (the pure-Python tokenizer takes ~0.4 s
    over 5,000 lines); `ast` finds where that statement starts, which also rejects broken text.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    first, last = 1, None
    for statement in tree.body:
        decorators = getattr(statement, "decorator_list", [])
        start = min([statement.lineno, *(decorator.lineno for decorator in decorators)])
        if start <= line <= (statement.end_lineno or statement.lineno):
            first, last = start, statement.end_lineno
            break
    index = LineIndex(text)
    end = index.offset_of(last, 0) if last is not None else len(text)
    statement_text = text[index.offset_of(first - 1, 0) : end]
    wanted = line - first + 1
    try:
        for token in tokenize.generate_tokens(io.StringIO(statement_text).readline):
            if token.type == tokenize.COMMENT and token.start[0] == wanted and "noqa" in token.string.lower():
                return True
            if token.start[0] > wanted:
                return False
    except (tokenize.TokenError, SyntaxError, ValueError):
        return False
    return False


def fix_all_safe(text: str, engine: Engine) -> str:
    """`text` with every SAFE fix applied: apply the non-overlapping ones, re-analyse, until stable."""
    from msmigrate.fixes import compute_edits
    from msmigrate.fixes.core import apply_edits

    current = text
    for _ in range(MAX_FIX_ALL_ROUNDS):
        result = engine.analyze(current)
        if result.syntax_problem is not None:
            break
        chosen: list[TextEdit] = []
        taken: list[tuple[int, int]] = []
        for finding in result.findings:
            offer = next((fix for fix in finding.fixes if fix.safety is FixSafety.SAFE), None)
            if offer is None:
                continue
            try:
                edits = compute_edits(current, finding, offer)
            except Exception as error:
                log.info("fix-all skipped %s at %s: %s", finding.code, finding.span, error)
                continue
            intervals = [span_offsets(current, edit.span) for edit in edits]
            # Touching edits count as overlapping: two fixes inserting the same import at one place
            # would otherwise add it twice. The later one is applied in the next round.
            if any(
                start <= other_end and other_start <= end
                for start, end in intervals
                for other_start, other_end in taken
            ):
                continue
            chosen.extend(edits)
            taken.extend(intervals)
        if not chosen:
            break
        fixed = apply_edits(current, chosen)
        if fixed == current:
            break
        current = fixed
    return current


def fix_all_edits(text: str, engine: Engine, encoding: str) -> list[LspTextEdit]:
    from msmigrate.fixes.core import diff_edits

    fixed = fix_all_safe(text, engine)
    if fixed == text:
        return []
    return to_lsp_edits(text, diff_edits(text, fixed), encoding)


# --- building actions ---------------------------------------------------------------------------------


def _kind_wanted(kind: str, only: list[str] | None) -> bool:
    return not only or any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


def finding_from_data(data: DiagnosticData, message: str, severity: int | None) -> Finding:
    """A finding rebuilt from a diagnostic's data, when its analysis is no longer cached."""
    rule = rule_by_code(data.code)
    return Finding(
        code=data.code,
        message=message,
        severity=Severity(severity) if severity in {1, 2, 3, 4} else Severity.WARNING,
        span=data.span,
        category=rule.category if rule is not None else Category.GRAPH_SYNTAX,
        doc_url=rule.doc_url() if rule is not None else None,
        fixes=data.fixes,
    )


class CodeActionProvider:
    def __init__(self, server: MsmigrateServer) -> None:
        self.server = server

    async def actions(self, params: CodeActionParams) -> list[CodeAction] | None:
        document = self.server.documents.get(params.text_document.uri)
        if document is None or document.kind is not DocumentKind.PYTHON:
            return None
        only = [str(kind) for kind in params.context.only] if params.context.only else None
        actions: list[CodeAction] = []
        if _kind_wanted(CodeActionKind.QuickFix, only):
            for target in await self._targets(document, params):
                actions.extend(await self._quick_fixes(document, target))
        if _kind_wanted(FIX_ALL_KIND, only):
            fix_all = await self._fix_all_action(document)
            if fix_all is not None:
                actions.append(fix_all)
        return actions

    async def _targets(self, document: Document, params: CodeActionParams) -> list[Target]:
        """Findings from the client's diagnostics when they describe the current text, else from a fresh analysis."""
        targets: list[Target] = []
        cached = document.snapshots.get(document.version)
        for diagnostic in params.context.diagnostics:
            if diagnostic.source != SOURCE:
                continue
            data = DiagnosticData.from_json(diagnostic.data)
            if data is None or data.uri != document.uri or data.version != document.version:
                continue
            finding = cached.finding(data.code, data.span) if cached is not None else None
            if finding is None:
                severity = int(diagnostic.severity) if diagnostic.severity is not None else None
                finding = finding_from_data(data, diagnostic.message, severity)
            targets.append(Target(finding, diagnostic, data.version))
        if targets:
            return targets
        snapshot = await self.server.publisher.snapshot_for(document)
        if not snapshot.parses:
            return []
        return [
            Target(finding, diagnostic, snapshot.version)
            for finding, diagnostic in snapshot.findings
            if overlaps(diagnostic.range, params.range)
        ]

    async def _quick_fixes(self, document: Document, target: Target) -> list[CodeAction]:
        actions: list[CodeAction] = []
        finding = target.finding
        base = {"uri": document.uri, "version": target.version, "message": target.diagnostic.message}
        diagnostic_data = DiagnosticData(document.uri, target.version, finding.code, finding.span, finding.fixes)
        for index, offer in enumerate(finding.fixes):
            if offer.safety is FixSafety.SUGGESTION:
                continue  # advice only: it is in the hover, an action without an edit would do nothing
            title = offer.title if offer.safety is FixSafety.SAFE else f"{offer.title} (unsafe fix)"
            action = CodeAction(
                title=title,
                kind=CodeActionKind.QuickFix,
                diagnostics=[target.diagnostic],
                is_preferred=offer.safety is FixSafety.SAFE,
                data={**base, "kind": "fix", "diagnostic": diagnostic_data.to_json(), "fix": index},
            )
            actions.append(action)
        actions.append(
            CodeAction(
                title=f"Disable {finding.code} for this line (# noqa: {finding.code})",
                kind=CodeActionKind.QuickFix,
                diagnostics=[target.diagnostic],
                data={**base, "kind": "noqa", "diagnostic": diagnostic_data.to_json()},
            )
        )
        if self.server.state.client.resolves_edits:
            return actions
        resolved = [await self.resolve(action) for action in actions]
        return [action for action in resolved if action.edit is not None]

    async def _fix_all_action(self, document: Document) -> CodeAction | None:
        snapshot: Snapshot = await self.server.publisher.snapshot_for(document)
        if not snapshot.parses or not any(
            fix.safety is FixSafety.SAFE for finding, _ in snapshot.findings for fix in finding.fixes
        ):
            return None
        action = CodeAction(
            title=FIX_ALL_TITLE,
            kind=FIX_ALL_KIND,
            data={"uri": document.uri, "version": snapshot.version, "kind": "fixAll"},
        )
        if self.server.state.client.resolves_edits:
            return action
        resolved = await self.resolve(action)
        return resolved if resolved.edit is not None else None

    async def resolve(self, action: CodeAction) -> CodeAction:
        """Fill in the action's edit; an action whose edit cannot be made is returned unchanged."""
        data: Any = action.data
        if not isinstance(data, dict):
            return action
        document = self.server.documents.get(str(data.get("uri")))
        version = data.get("version")
        if document is None or not isinstance(version, int):
            return action
        text = document.text_of(version)
        if text is None:
            log.info("code action for %s version %s: that text is gone", document.uri, version)
            return action
        edits = await self._edits(document, version, text, data)
        if edits:
            action.edit = self._workspace_edit(document.uri, version, edits)
        return action

    async def _edits(self, document: Document, version: int, text: str, data: dict[str, Any]) -> list[LspTextEdit]:
        state = self.server.state
        kind = data.get("kind")
        run = self.server.run_in_worker
        if kind == "fixAll":
            return await run(fix_all_edits, text, state.engine, state.encoding)
        diagnostic_data = DiagnosticData.from_json(data.get("diagnostic"))
        if diagnostic_data is None:
            return []
        snapshot = document.snapshots.get(version)
        finding = snapshot.finding(diagnostic_data.code, diagnostic_data.span) if snapshot is not None else None
        if finding is None:
            finding = finding_from_data(diagnostic_data, str(data.get("message", "")), None)
        if kind == "noqa":
            return await run(noqa_edits, text, finding, state.encoding)
        if kind == "fix":
            index = data.get("fix")
            if not isinstance(index, int) or not 0 <= index < len(finding.fixes):
                return []
            return await run(fix_edits, text, finding, finding.fixes[index], state.encoding)
        return []

    def _workspace_edit(self, uri: str, version: int, edits: list[LspTextEdit]) -> WorkspaceEdit:
        if self.server.state.client.document_changes:
            identifier = OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
            return WorkspaceEdit(document_changes=[TextDocumentEdit(text_document=identifier, edits=edits)])
        return WorkspaceEdit(changes={uri: edits})
