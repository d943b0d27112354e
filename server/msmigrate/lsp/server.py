"""The msmigrate language server: lifecycle, document sync, settings, and the wiring of each feature.

Handlers stay thin: document state lives in `documents`, analysis and publishing in `diagnostics`,
hovers in `hover`, code actions in `code_actions`. Every handler is guarded: an exception is logged
(to stderr and as `window/logMessage`) and the server carries on.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import sys
import threading
import warnings
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from msmigrate import __version__
from msmigrate.analysis.engine import Engine
from msmigrate.lsp.code_actions import OFFERED_KINDS, CodeActionProvider
from msmigrate.lsp.code_lens import code_lenses
from msmigrate.lsp.commands import register_commands
from msmigrate.lsp.diagnostics import DEBOUNCE_SECONDS, DiagnosticsPublisher
from msmigrate.lsp.documents import DocumentKind, DocumentStore
from msmigrate.lsp.hover import hover
from msmigrate.lsp.notebooks import NOTEBOOK_SYNC, NotebookSync
from msmigrate.lsp.positions import UTF16, apply_change, normalise_encoding
from msmigrate.lsp.settings import SECTION, ServerSettings, settings_section

log = logging.getLogger(__name__)

CONFIGURATION_TIMEOUT_SECONDS = 5.0
ANALYSIS_WORKERS = 2  # one analysis can run while a code action computes its (slow, libcst) edits

Result = TypeVar("Result")


@dataclass(frozen=True)
class ClientFeatures:
    """What the client said it can do, read once at `initialize`."""

    resolves_edits: bool = False  # codeAction/resolve may fill in `edit` (and `data` comes back)
    document_changes: bool = False  # WorkspaceEdit.documentChanges (versioned edits)
    markdown_hover: bool = True
    pulls_configuration: bool = False  # answers workspace/configuration
    registers_configuration: bool = False  # sends didChangeConfiguration once the server registers for it

    @classmethod
    def from_capabilities(cls, capabilities: types.ClientCapabilities) -> ClientFeatures:
        text_document = capabilities.text_document
        code_action = text_document.code_action if text_document else None
        resolve_support = code_action.resolve_support if code_action else None
        hover_formats = text_document.hover.content_format if text_document and text_document.hover else None
        workspace = capabilities.workspace
        workspace_edit = workspace.workspace_edit if workspace else None
        return cls(
            resolves_edits=bool(
                resolve_support
                and "edit" in resolve_support.properties
                and code_action is not None
                and code_action.data_support
            ),
            document_changes=bool(workspace_edit and workspace_edit.document_changes),
            markdown_hover=hover_formats is None or types.MarkupKind.Markdown in hover_formats,
            pulls_configuration=bool(workspace and workspace.configuration),
            registers_configuration=bool(
                workspace
                and workspace.did_change_configuration
                and workspace.did_change_configuration.dynamic_registration
            ),
        )


@dataclass
class ServerState:
    settings: ServerSettings = field(default_factory=ServerSettings)
    engine: Engine = field(default_factory=Engine)
    settings_generation: int = 0  # bumped on every settings change; cached analyses carry it
    encoding: str = UTF16
    client: ClientFeatures = field(default_factory=ClientFeatures)


class MsmigrateProtocol(LanguageServerProtocol):
    """Keeps text documents out of pygls's workspace: `DocumentStore` holds them (see `documents`)."""

    def _user_handler(self, method: str, params: Any) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    # Notebooks and their cells are kept by `notebooks.NotebookSync`, for the same reason.
    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def lsp_notebook_document__did_open(self, params: types.DidOpenNotebookDocumentParams) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.NOTEBOOK_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def lsp_notebook_document__did_change(
        self, params: types.DidChangeNotebookDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.NOTEBOOK_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def lsp_notebook_document__did_close(
        self, params: types.DidCloseNotebookDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.NOTEBOOK_DOCUMENT_DID_CLOSE, params)


class MsmigrateServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            name="msmigrate",
            version=__version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=NOTEBOOK_SYNC,
            protocol_cls=MsmigrateProtocol,
        )
        self.documents = DocumentStore()
        self.notebooks = NotebookSync(self)
        self.state = ServerState()
        self.executor = ThreadPoolExecutor(max_workers=ANALYSIS_WORKERS, thread_name_prefix="msmigrate-analysis")
        self.publisher = DiagnosticsPublisher(self)
        self.code_actions = CodeActionProvider(self)
        self.running_checks: set[threading.Event] = set()  # cancel events of running equivalence checks

    async def run_in_worker(self, function: Callable[..., Result], *args: Any) -> Result:
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    def log_to_client(self, message: str, *, error: bool = False) -> None:
        kind = types.MessageType.Error if error else types.MessageType.Info
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # the transport is gone; stderr still has it
            log.exception("could not send a log message to the client")

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls would pop a message up in the editor; a log line is enough and does not nag the user.
        log.error("server error (%s): %s", getattr(source, "__name__", source), error)
        self.log_to_client(f"msmigrate server error: {error}", error=True)

    def apply_settings(self, settings: ServerSettings) -> None:
        for problem in settings.problems:
            self.log_to_client(f"msmigrate settings: {problem}", error=True)
        if settings == self.state.settings:
            return
        state = self.state
        state.settings = settings
        state.engine = Engine(settings.analysis_settings())
        state.settings_generation += 1
        for document in self.documents.analysable():
            self.publisher.schedule(document)

    async def register_for_configuration_changes(self) -> None:
        """Ask the client to send `workspace/didChangeConfiguration` (VS Code sends it only when asked)."""
        if not self.state.client.registers_configuration:
            return
        registration = types.Registration(
            id="msmigrate-configuration",
            method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
            register_options=types.DidChangeConfigurationRegistrationOptions(section=SECTION),
        )
        try:
            await asyncio.wait_for(
                self.client_register_capability_async(types.RegistrationParams(registrations=[registration])),
                timeout=CONFIGURATION_TIMEOUT_SECONDS,
            )
        except Exception as error:
            log.warning("registering for configuration changes failed: %r", error)

    async def pull_settings(self) -> ServerSettings | None:
        """The `msmigrate` section from `workspace/configuration`, or None if the client has none."""
        if not self.state.client.pulls_configuration:
            return None
        request = types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
        try:
            answer = await asyncio.wait_for(
                self.workspace_configuration_async(request), timeout=CONFIGURATION_TIMEOUT_SECONDS
            )
        except Exception as error:
            log.warning("workspace/configuration failed: %r", error)
            return None
        if not answer or settings_section(answer[0]) is None:
            return None
        return ServerSettings.from_wire(answer[0])

    def shutdown_workers(self) -> None:
        for document in self.documents.all():
            document.cancel_pending()
        for cancel in self.running_checks:  # kills their subprocesses, so their threads end and exit is not held
            cancel.set()
        self.executor.shutdown(wait=False, cancel_futures=True)


def guarded(fallback: Any = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run a handler so that an exception is logged and answered with `fallback`, never fatal."""

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(handler):

            @functools.wraps(handler)
            async def run_async(*args: Any) -> Any:
                try:
                    return await handler(*args)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("%s failed", handler.__name__)
                    return fallback

            return run_async

        @functools.wraps(handler)
        def run(*args: Any) -> Any:
            try:
                return handler(*args)
            except Exception:
                log.exception("%s failed", handler.__name__)
                return fallback

        return run

    return decorate


def create_server() -> MsmigrateServer:
    server = MsmigrateServer()
    state = server.state
    documents = server.documents
    publisher = server.publisher

    @server.feature(types.INITIALIZE)
    @guarded()
    def initialize(params: types.InitializeParams) -> None:
        state.client = ClientFeatures.from_capabilities(params.capabilities)
        state.encoding = normalise_encoding(server.workspace.position_encoding)
        if params.initialization_options is not None:
            server.apply_settings(ServerSettings.from_wire(params.initialization_options))

    @server.feature(types.INITIALIZED)
    @guarded()
    async def initialized(params: types.InitializedParams) -> None:
        await server.register_for_configuration_changes()
        pulled = await server.pull_settings()
        if pulled is not None:
            server.apply_settings(pulled)

    @server.feature(types.SHUTDOWN)
    @guarded()
    def shutdown(params: None) -> None:
        server.shutdown_workers()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded()
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        document = documents.open(item.uri, item.language_id, item.version, item.text)
        publisher.schedule(document)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded()
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        document = documents.get(params.text_document.uri)
        if document is None:
            log.warning("change to a document that is not open: %s", params.text_document.uri)
            return
        if document.kind is not DocumentKind.PYTHON:
            return
        text = document.text
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                text = apply_change(text, change.range, change.text, state.encoding)
            else:
                text = change.text
        document.text = text
        document.version = params.text_document.version
        publisher.schedule(document, delay=DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    @guarded()
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        document = documents.get(params.text_document.uri)
        if document is not None:
            publisher.schedule(document)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded()
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        document = documents.close(params.text_document.uri)
        if document is not None and document.kind is DocumentKind.PYTHON:
            publisher.clear(document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    @guarded()
    def did_open_notebook(params: types.DidOpenNotebookDocumentParams) -> None:
        server.notebooks.open(params)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    @guarded()
    def did_change_notebook(params: types.DidChangeNotebookDocumentParams) -> None:
        server.notebooks.change(params)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    @guarded()
    def did_save_notebook(params: types.DidSaveNotebookDocumentParams) -> None:
        server.notebooks.save(params)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    @guarded()
    def did_close_notebook(params: types.DidCloseNotebookDocumentParams) -> None:
        server.notebooks.close(params)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @guarded()
    async def did_change_configuration(params: types.DidChangeConfigurationParams) -> None:
        settings = await server.pull_settings()
        if settings is None and settings_section(params.settings) is not None:
            settings = ServerSettings.from_wire(params.settings)
        if settings is not None:
            server.apply_settings(settings)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded()
    def on_hover(params: types.HoverParams) -> types.Hover | None:
        if server.notebooks.holds_cell(params.text_document.uri):
            return server.notebooks.hover(params)
        document = documents.get(params.text_document.uri)
        if document is None:
            return None
        return hover(document, params.position, state.client.markdown_hover, state.encoding)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=list(OFFERED_KINDS), resolve_provider=True),
    )
    @guarded()
    async def code_action(params: types.CodeActionParams) -> list[types.CodeAction] | None:
        if server.notebooks.holds_cell(params.text_document.uri):
            return await server.notebooks.code_actions(params)
        return await server.code_actions.actions(params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve_code_action(params: types.CodeAction) -> types.CodeAction:
        try:
            if server.notebooks.made(params):
                return await server.notebooks.resolve(params)
            return await server.code_actions.resolve(params)
        except Exception:  # the request must still be answered with an action
            log.exception("codeAction/resolve failed")
            return params

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    @guarded()
    async def code_lens(params: types.CodeLensParams) -> list[types.CodeLens] | None:
        return await code_lenses(server, params)

    register_commands(server)
    return server


def start_stdio() -> int:
    """Serve LSP over stdin/stdout until the client says exit."""
    # Code being typed makes `ast.parse` warn (invalid escapes, `is` with a literal) on every keystroke;
    # those warnings are the user's business, not lines for the server log.
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    level = os.environ.get("MSMIGRATE_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(
        stream=sys.stderr,
        level=level if isinstance(logging.getLevelName(level), int) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    create_server().start_io()
    return 0
