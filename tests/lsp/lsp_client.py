"""Helpers for driving the real server over stdio with pytest-lsp.

The stock pytest-lsp client keeps only the latest diagnostics per URI and drops their version; these
tests need every publish, with its version, so the client records them in `PublishLog`.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER_COMMAND = [sys.executable, "-m", "msmigrate.lsp"]
DATA = Path(__file__).parent / "data"
WAIT_SECONDS = 15.0

# VS Code: UTF-16, resolves edits, versioned documentChanges. Neovim 0.11: prefers UTF-8, resolves
# edits, plain `changes`. Emacs 29: prefers UTF-32, no resolve (edits come with the action).
PROFILES = ("visual-studio-code", "neovim", "emacs")


@dataclass
class PublishLog:
    published: list[types.PublishDiagnosticsParams] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, params: types.PublishDiagnosticsParams) -> None:
        self.published.append(params)
        self.arrived.set()

    def for_uri(self, uri: str) -> list[types.PublishDiagnosticsParams]:
        return [params for params in self.published if params.uri == uri]

    def latest(self, uri: str) -> types.PublishDiagnosticsParams | None:
        found = self.for_uri(uri)
        return found[-1] if found else None

    async def wait_for(
        self,
        uri: str,
        version: int | None = None,
        *,
        after: int = 0,
        timeout: float = WAIT_SECONDS,
        matching: Callable[[types.PublishDiagnosticsParams], bool] = lambda params: True,
    ) -> types.PublishDiagnosticsParams:
        """The first publish for `uri` (with `version`, if given, and `matching`) recorded from index `after` on."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for params in self.published[after:]:
                if params.uri == uri and (version is None or params.version == version) and matching(params):
                    return params
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = [(params.uri, params.version) for params in self.published[after:]]
                raise TimeoutError(f"no diagnostics for {uri} version {version}; got {seen}")
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), remaining)
            except TimeoutError:
                continue


class RecordingClient(LanguageClient):
    publish_log: PublishLog
    registrations: list[types.Registration]
    profile: str


def make_recording_client() -> RecordingClient:
    client = RecordingClient(converter_factory=default_converter)
    client.publish_log = PublishLog()
    client.registrations = []

    def record(params: types.PublishDiagnosticsParams) -> None:
        client.publish_log.record(params)

    def register(params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)

    features = {
        **DEFAULT_CLIENT_FEATURES,
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: record,
        types.CLIENT_REGISTER_CAPABILITY: register,
    }
    register_lsp_features(client, features)
    return client


def server_config(command: list[str] | None = None) -> ClientServerConfig:
    return ClientServerConfig(server_command=command or SERVER_COMMAND, client_factory=make_recording_client)


async def initialize(
    client: LanguageClient, profile: str, initialization_options: Any = None
) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(profile),
            root_uri=DATA.as_uri(),
            initialization_options=initialization_options,
        )
    )


def encoding_of(result: types.InitializeResult) -> str:
    encoding = result.capabilities.position_encoding
    return str(encoding.value if isinstance(encoding, types.PositionEncodingKind) else encoding or "utf-16")


def uri_for(name: str) -> str:
    return (DATA / "virtual" / name).as_uri()


def open_document(client: LanguageClient, uri: str, text: str, version: int = 1, language: str = "python") -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=version, text=text)
        )
    )


def replace_document(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


# --- positions and edits, computed independently of the server's own code ---------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8", errors="surrogatepass"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", errors="surrogatepass")) // 2
    return len(text)


def position_of(text: str, needle: str, encoding: str, occurrence: int = 0) -> types.Position:
    """The LSP position of the `occurrence`-th `needle` in `text`."""
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(needle, offset + 1)
    return position_at(text, offset, encoding)


def position_at(text: str, offset: int, encoding: str) -> types.Position:
    line_start = 0
    line = 0
    for match in _LINE_BREAK.finditer(text):
        if match.end() > offset:
            break
        line_start = match.end()
        line += 1
    return types.Position(line=line, character=units(text[line_start:offset], encoding))


def offset_of(text: str, position: types.Position, encoding: str) -> int:
    starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]
    if position.line >= len(starts):
        return len(text)
    start = starts[position.line]
    end_match = _LINE_BREAK.search(text, start)
    end = end_match.start() if end_match else len(text)
    for index in range(start, end + 1):
        if units(text[start:index], encoding) >= position.character:
            return index
    return end


def apply_text_edits(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    resolved = [
        (offset_of(text, edit.range.start, encoding), offset_of(text, edit.range.end, encoding), edit.new_text)
        for edit in edits
    ]
    for start, end, new_text in sorted(resolved, reverse=True):
        text = text[:start] + new_text + text[end:]
    return text


def edits_for(edit: types.WorkspaceEdit | None, uri: str) -> tuple[list[types.TextEdit], int | None]:
    """The text edits a workspace edit makes to `uri`, and the document version they are for."""
    assert edit is not None
    if edit.document_changes:
        found: list[types.TextEdit] = []
        version = None
        for change in edit.document_changes:
            assert isinstance(change, types.TextDocumentEdit)
            if change.text_document.uri == uri:
                found.extend(change.edits)  # type: ignore[arg-type]
                version = change.text_document.version
        return found, version
    assert edit.changes is not None
    return list(edit.changes.get(uri, [])), None
