"""`msmigrate.runEquivalenceCheck`: run the paired-Cell equivalence check from the editor.

Arguments (one object): `{"uri", "position": {"line", "character"}}` for the Cell at a position (its pair
found by `equivalence.pairing`), or `{"torch": "path.py:Class", "mindspore": "path.py:Class"}` for an
explicit pair. Optional keys: `inputs` (["2,3,8,8:float32"]), `initArgs`, `mindsporeInitArgs`,
`outputDir`, and any `equivalence` setting (`interpreter`, `timeoutSeconds`, `device`, `atol`, `rtol`),
which then overrides the server's setting for this run.

The check runs `runner.run_equivalence` on a worker thread, which runs the user's code in a subprocess:
the server never imports torch or mindspore. One check runs at a time, so an analysis thread stays free.
While it runs the client sees work-done progress (cancellable: cancelling kills the subprocess); then a
message with the summary, a diagnostic on the first diverging line of the MindSpore file (until that
document changes or the next check starts), and the report files. Every failure — no pair, bad
arguments, user code that raises — is answered with a message and `{"status": "error", ...}`.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from msmigrate.equivalence.pairing import (
    Pair,
    PairingError,
    cell_at,
    cell_named,
    display_path,
    example_inputs_file,
    find_pair,
    module_classes,
    read_module_classes,
    split_class_reference,
    torch_class,
)
from msmigrate.equivalence.report import ReportFiles, differences_at, findings_on_line, write_report
from msmigrate.equivalence.result import (
    EquivalenceRequest,
    EquivalenceResult,
    ErrorKind,
    InputSpec,
    Progress,
    RunError,
    Status,
    Tolerances,
    phase_title,
)
from msmigrate.lsp.positions import LineIndex
from msmigrate.lsp.settings import EquivalenceSettings, ServerSettings

if TYPE_CHECKING:
    from msmigrate.lsp.server import MsmigrateServer

log = logging.getLogger(__name__)

NAME = "msmigrate.runEquivalenceCheck"
DIAGNOSTIC_SOURCE = "msmigrate-equivalence"
DIAGNOSTIC_CODE = "equivalence-divergence"
PROGRESS_TITLE = "msmigrate: equivalence check"
CREATE_PROGRESS_TIMEOUT_SECONDS = 5.0
DEFAULT_OUTPUT_DIRECTORY = Path(tempfile.gettempdir()) / "msmigrate-equivalence"
MESSAGE_TYPES = {
    Status.EQUIVALENT.value: types.MessageType.Info,
    Status.NOISE.value: types.MessageType.Info,
    Status.DIVERGENT.value: types.MessageType.Warning,
    Status.INCONCLUSIVE.value: types.MessageType.Warning,
    Status.ERROR.value: types.MessageType.Error,
}


class CommandError(Exception):
    """The command cannot start: bad arguments or no pair. The message is for a person."""


@dataclass(frozen=True)
class Target:
    pair: Pair
    mindspore_uri: str  # as the client names the document, when it came from the client
    workspace_root: Path


async def run(server: MsmigrateServer, arguments: list[Any]) -> dict[str, Any]:
    options = arguments[0] if arguments and isinstance(arguments[0], Mapping) else None
    if options is None:
        return _refuse(server, "expects one object: {uri, position} of a Cell, or {torch, mindspore} as path.py:Class")
    if server.running_checks:
        return _refuse(server, "an equivalence check is already running; wait for it or cancel it")
    cancel = threading.Event()
    server.running_checks.add(cancel)
    try:
        try:
            settings = merged_settings(server.state.settings, options)
            target = await server.run_in_worker(resolve_target, server, options)
            request = build_request(target.pair, options, settings)
            if request.inputs is None and await server.run_in_worker(example_inputs_file, target.pair) is None:
                raise CommandError(
                    'no inputs: set msmigrate.equivalence.inputs (such as ["2,3,32,32:float32"]) or define a '
                    "module-level example_inputs() next to either class"
                )
        except (CommandError, PairingError, ValueError) as error:
            return _refuse(server, str(error))
        # The last check's diagnostic may sit in another file (a library's, which built the layer).
        for uri in [target.mindspore_uri, *server.publisher.command_diagnostics]:
            server.publisher.drop_command_diagnostics(uri)
        result = await _run_with_progress(server, request, target, cancel)
        output = Path(str(options.get("outputDir") or DEFAULT_OUTPUT_DIRECTORY)).expanduser()
        kind = MESSAGE_TYPES.get(result.status, types.MessageType.Info)
        try:
            files: ReportFiles | None = await server.run_in_worker(write_report, result, output)
            _show(server, kind, f"{result.summary} Report: {files.markdown}")
        except OSError as error:  # an unwritable output directory must not hide the verdict
            files = None
            _show(server, types.MessageType.Error, f"{result.summary} The report could not be written: {error}")
        report = files.markdown if files is not None else None
        located = await server.run_in_worker(divergence_diagnostic, result, target, server, report)
        if located is not None:
            uri, diagnostic = located
            server.publisher.show_command_diagnostics(uri, [diagnostic])
        return {
            "status": result.status,
            "equivalent": result.equivalent,
            "summary": result.summary,
            "reportMarkdown": str(files.markdown) if files else None,
            "reportJson": str(files.json) if files else None,
            "chart": str(files.chart) if files and files.chart else None,
            "firstDivergence": result.first_divergence.to_json() if result.first_divergence else None,
            "error": result.error.to_json() if result.error else None,
        }
    except asyncio.CancelledError:
        cancel.set()
        raise
    finally:
        server.running_checks.discard(cancel)


# -- what to run --------------------------------------------------------------------------------------
def merged_settings(settings: ServerSettings, options: Mapping[str, Any]) -> EquivalenceSettings:
    """The server's equivalence settings with the command's own values (same camelCase names) on top."""
    problems: list[str] = []
    overrides = {
        key: options[key] for key in ("interpreter", "timeoutSeconds", "device", "atol", "rtol") if key in options
    }
    merged = EquivalenceSettings.from_wire({"equivalence": {**_wire(settings.equivalence), **overrides}}, problems)
    if problems:
        raise CommandError("; ".join(problems))
    return merged


def _wire(settings: EquivalenceSettings) -> dict[str, Any]:
    return {
        "interpreter": settings.interpreter,
        "timeoutSeconds": settings.timeout_seconds,
        "device": settings.device,
        "atol": settings.atol,
        "rtol": settings.rtol,
        "inputs": list(settings.inputs),
    }


def resolve_target(server: MsmigrateServer, options: Mapping[str, Any]) -> Target:
    """The pair to check (runs on a worker thread: pairing reads and parses files)."""
    if "uri" in options:
        uri = str(options["uri"])
        path = _path_of(uri)
        position = options.get("position") or {}
        line = position.get("line") if isinstance(position, Mapping) else None
        if not isinstance(line, int) or line < 0:
            raise CommandError("position.line must be a 0-based line number")
        document = server.documents.get(uri)
        text = document.text if document is not None else _read(path)
        root = workspace_root(server, path)
        cell = cell_at(module_classes(path, text), path, line + 1)
        return Target(find_pair(cell, root), uri, root)
    if "torch" in options and "mindspore" in options:
        torch_path, torch_class_name = _class_reference(options["torch"], "torch")
        ms_path, ms_class = _class_reference(options["mindspore"], "mindspore")
        root = workspace_root(server, ms_path)
        classes = read_module_classes(ms_path)
        if classes is None:
            raise CommandError(f"cannot read {ms_path}")
        cell = cell_named(classes, ms_path, ms_class)
        torch_location = torch_class(torch_path, torch_class_name)
        return Target(Pair(cell.location, torch_location, "explicit"), _uri_of(server, ms_path), root)
    raise CommandError("give {uri, position} of a Cell, or {torch, mindspore} as path.py:Class")


def build_request(pair: Pair, options: Mapping[str, Any], settings: EquivalenceSettings) -> EquivalenceRequest:
    written_inputs = options.get("inputs", list(settings.inputs))
    if isinstance(written_inputs, str):
        written_inputs = [written_inputs]
    if not isinstance(written_inputs, list) or not all(isinstance(item, str) for item in written_inputs):
        raise CommandError('inputs must be a list such as ["2,3,32,32:float32"]')
    inputs = [InputSpec.parse(item) for item in written_inputs] or None
    tolerances = None
    if settings.atol is not None or settings.rtol is not None:
        tolerances = Tolerances().overridden(atol=settings.atol, rtol=settings.rtol)
    return EquivalenceRequest(
        torch_source=str(pair.torch.file),
        torch_name=pair.torch.name,
        mindspore_source=str(pair.mindspore.file),
        mindspore_name=pair.mindspore.name,
        init_args=_init_args(options, "initArgs"),
        mindspore_init_args=_init_args(options, "mindsporeInitArgs"),
        inputs=inputs,
        tolerances=tolerances,
        timeout_s=settings.timeout_seconds,
        interpreter=settings.interpreter,
        device=settings.device,
    )


def _init_args(options: Mapping[str, Any], key: str) -> dict[str, Any] | list[Any] | None:
    value = options.get(key)
    if value is None or isinstance(value, dict | list):
        return value
    raise CommandError(f"{key} must be an object of keyword arguments or a list of positional ones")


def _class_reference(value: Any, side: str) -> tuple[Path, str]:
    path_text, class_name = split_class_reference(str(value))
    if not class_name:
        raise CommandError(f"{side} must be path.py:Class, not {value!r}")
    path = Path(to_fs_path(path_text) or path_text) if path_text.startswith("file:") else Path(path_text)
    return path.expanduser().resolve(), class_name


def _path_of(uri: str) -> Path:
    path = to_fs_path(uri)
    if not path:
        raise CommandError(f"{uri} is not a file on disk")
    return Path(path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read {path}: {error}") from None


def workspace_root(server: MsmigrateServer, path: Path) -> Path:
    """The innermost workspace folder holding `path`, else the root the client gave, else the file's folder."""
    roots = [to_fs_path(folder.uri) for folder in server.workspace.folders.values()]
    roots.append(server.workspace.root_path)
    holding = [Path(root) for root in roots if root and path.resolve().is_relative_to(Path(root).resolve())]
    if holding:
        return max(holding, key=lambda root: len(root.parts))
    return path.parent


def _uri_of(server: MsmigrateServer, path: Path) -> str:
    """The URI the client uses for an open document at `path`, else the canonical file URI."""
    for document in server.documents.all():
        opened = to_fs_path(document.uri)
        if opened and Path(opened).resolve() == path:
            return document.uri
    return from_fs_path(str(path)) or path.as_uri()


# -- running ------------------------------------------------------------------------------------------
async def _run_with_progress(
    server: MsmigrateServer, request: EquivalenceRequest, target: Target, cancel: threading.Event
) -> EquivalenceResult:
    from msmigrate.equivalence.runner import run_equivalence  # starts no framework: it spawns the worker

    progress = await _Progress.start(server, target, cancel)
    loop = asyncio.get_running_loop()

    def on_progress(update: Progress) -> None:  # called on the runner's thread
        loop.call_soon_threadsafe(progress.report, update)

    try:
        # Its own thread, not an analysis worker: a check waits on its subprocess for seconds, and the
        # analysis threads must stay free for keystrokes meanwhile.
        result = await asyncio.to_thread(run_equivalence, request, on_progress, cancel)
    except asyncio.CancelledError:
        cancel.set()
        progress.end("cancelled")
        raise
    except Exception as error:  # a bug in the runner: still an answer, not a dead command
        log.exception("the equivalence runner failed")
        result = EquivalenceResult.failed(
            request, RunError(ErrorKind.CRASHED.value, f"the equivalence runner failed: {error}")
        )
    progress.end(result.summary)
    return result


class _Progress:
    """Server-initiated work-done progress; does nothing when the client does not support it."""

    def __init__(self, server: MsmigrateServer, token: str | None) -> None:
        self.server = server
        self.token = token

    @classmethod
    async def start(cls, server: MsmigrateServer, target: Target, cancel: threading.Event) -> _Progress:
        window = server.client_capabilities.window
        if not (window and window.work_done_progress):
            return cls(server, None)
        token = f"msmigrate-equivalence-{uuid.uuid4()}"
        progress = server.work_done_progress
        try:
            await asyncio.wait_for(progress.create_async(token), CREATE_PROGRESS_TIMEOUT_SECONDS)
        except Exception as error:
            log.warning("window/workDoneProgress/create failed: %r", error)
            return cls(server, None)
        # The client's cancel button cancels this future (pygls's handler of window/workDoneProgress/cancel).
        progress.tokens[token].add_done_callback(lambda _: cancel.set())
        pair = target.pair
        title = f"{pair.mindspore.name} vs {pair.torch.reference(target.workspace_root)}"
        progress.begin(
            token, types.WorkDoneProgressBegin(title=PROGRESS_TITLE, message=title, cancellable=True, percentage=0)
        )
        return cls(server, token)

    def report(self, update: Progress) -> None:
        if self.token is None:
            return
        self.server.work_done_progress.report(
            self.token, types.WorkDoneProgressReport(message=update.message, percentage=update.percentage)
        )

    def end(self, message: str) -> None:
        if self.token is None:
            return
        self.server.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
        self.server.work_done_progress.tokens.pop(self.token, None)
        self.token = None


# -- answers ------------------------------------------------------------------------------------------
def divergence_diagnostic(
    result: EquivalenceResult, target: Target, server: MsmigrateServer, report: Path | None
) -> tuple[str, types.Diagnostic] | None:
    """(document URI, a warning) on the line that built the first diverging MindSpore layer — in the port's
    file or in whatever file built it — linking the report, with the torch line as related information."""
    divergence = result.first_divergence
    if divergence is None or not divergence.mindspore_line or not divergence.mindspore_file:
        return None
    file = Path(divergence.mindspore_file)
    uri = target.mindspore_uri if file == Path(result.mindspore.file or "") else _uri_of(server, file)
    document = server.documents.get(uri)
    text = document.text if document is not None else _read_or_empty(file)
    lines = LineIndex(text)
    line_text = lines.line_text(divergence.mindspore_line - 1)
    indent = len(line_text) - len(line_text.lstrip())
    encoding = server.state.encoding
    start = lines.to_position(divergence.mindspore_line, indent, encoding)
    end = lines.to_position(divergence.mindspore_line, len(line_text.rstrip()), encoding)
    torch_where = (
        f"{display_path(Path(divergence.torch_file), target.workspace_root)}:{divergence.torch_line}"
        if divergence.torch_file and divergence.torch_line
        else "line unknown"
    )
    message = (
        f"Equivalence check: `{divergence.mindspore_path}` is the first layer whose output differs from PyTorch "
        f"`{divergence.torch_path}` ({torch_where}) in {phase_title(divergence.phase)}, {divergence.mode} mode"
    )
    if divergence.torch_shape and divergence.mindspore_shape and divergence.torch_shape != divergence.mindspore_shape:
        message += (
            f": output shape {tuple(divergence.torch_shape)} in PyTorch, {tuple(divergence.mindspore_shape)} here."
        )
    else:
        message += f": max abs {_short(divergence.max_abs)}, relative error {_short(divergence.rel_error)}."
    differences = differences_at(result, divergence)
    if differences:
        message += " Configured differently: " + "; ".join(
            f"{d.hyperparameter} PyTorch {d.torch_value}, MindSpore {d.mindspore_value}" for d in differences
        )
    findings = findings_on_line(divergence.mindspore_file, divergence.mindspore_line)
    if findings:
        message += " Static checks on this line: " + "; ".join(f"{f.code} {f.message}" for f in findings)
    related = None
    if divergence.torch_line and divergence.torch_file:
        torch_position = types.Position(line=divergence.torch_line - 1, character=0)
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(
                    uri=from_fs_path(divergence.torch_file) or Path(divergence.torch_file).as_uri(),
                    range=types.Range(start=torch_position, end=torch_position),
                ),
                message=f"PyTorch {divergence.torch_path}",
            )
        ]
    return uri, types.Diagnostic(
        range=types.Range(start=start, end=end),
        message=message,
        severity=types.DiagnosticSeverity.Warning,
        code=DIAGNOSTIC_CODE,
        code_description=types.CodeDescription(href=report.as_uri()) if report is not None else None,
        source=DIAGNOSTIC_SOURCE,
        related_information=related,
    )


def _read_or_empty(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _short(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _show(server: MsmigrateServer, kind: types.MessageType, message: str) -> None:
    server.window_show_message(types.ShowMessageParams(type=kind, message=f"msmigrate: {message}"))


def _refuse(server: MsmigrateServer, message: str) -> dict[str, Any]:
    _show(server, types.MessageType.Error, f"equivalence check not started: {message}")
    return {
        "status": Status.ERROR.value,
        "equivalent": None,
        "summary": message,
        "reportMarkdown": None,
        "reportJson": None,
        "chart": None,
        "firstDivergence": None,
        "error": {"kind": ErrorKind.BAD_REQUEST.value, "message": message, "details": ""},
    }
