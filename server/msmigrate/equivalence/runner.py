"""Parent side of the equivalence check: start the worker, relay its progress, enforce time and cancel.

Never imports torch or mindspore, so the language server and the CLI stay light and survive whatever the
user's models do: the worker runs in its own process group (killed whole on timeout or cancel, since
MindSpore starts helper threads and processes), in a temporary working directory (MindSpore writes a
`rank_0/` folder there), with the interpreter the request names.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from queue import Empty, Queue
from typing import IO, Any

from msmigrate.equivalence.result import EquivalenceRequest, EquivalenceResult, ErrorKind, Progress, RunError
from msmigrate.equivalence.sources import looks_like_file

__all__ = ["Progress", "run_equivalence"]

OUTPUT_TAIL_BYTES = 4096
_POLL_SECONDS = 0.1
_EXIT_GRACE_SECONDS = 2.0
_SERVER_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding the msmigrate package


def run_equivalence(
    request: EquivalenceRequest,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> EquivalenceResult:
    """Run the check to the end, a timeout or a cancel; user-code failures come back as `result.error`."""
    started = time.monotonic()
    request = _absolute_paths(request)
    interpreter = request.interpreter or sys.executable
    with tempfile.TemporaryDirectory(prefix="msmigrate-equivalence-") as work_directory:
        try:
            process = subprocess.Popen(
                [interpreter, "-m", "msmigrate.equivalence.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=work_directory,
                env=_worker_environment(),
                start_new_session=True,  # its own process group, so a kill reaches MindSpore's children too
            )
        except OSError as error:
            return EquivalenceResult.failed(
                request,
                RunError(ErrorKind.BAD_REQUEST.value, f"cannot start the interpreter {interpreter}: {error.strerror}"),
            )
        return _supervise(process, request, on_progress, cancel, started)


def _supervise(
    process: subprocess.Popen[bytes],
    request: EquivalenceRequest,
    on_progress: Callable[[Progress], None] | None,
    cancel: threading.Event | None,
    started: float,
) -> EquivalenceResult:
    events: Queue[dict[str, Any] | None] = Queue()
    output = _Tail(OUTPUT_TAIL_BYTES)
    readers = [
        threading.Thread(target=_read_protocol, args=(process.stdout, events, output), daemon=True),
        threading.Thread(target=_read_output, args=(process.stderr, output), daemon=True),
    ]
    for reader in readers:
        reader.start()
    assert process.stdin is not None
    try:
        process.stdin.write(json.dumps(request.to_json()).encode("utf-8"))
        process.stdin.close()
    except OSError:
        pass  # the worker died at once; its exit status says why
    last_step = "starting"
    result: EquivalenceResult | None = None
    deadline = started + request.timeout_s
    exited_at: float | None = None
    while result is None:
        if cancel is not None and cancel.is_set():
            _kill(process)
            return _failed(request, ErrorKind.CANCELLED, f"cancelled while {last_step}", output, started)
        if time.monotonic() > deadline:
            _kill(process)
            return _failed(
                request,
                ErrorKind.TIMEOUT,
                f"timed out after {request.timeout_s:g} s while {last_step}; the model may hang (an endless loop, "
                "a blocking read), or needs a longer --timeout",
                output,
                started,
            )
        try:
            event = events.get(timeout=_POLL_SECONDS)
        except Empty:
            # A child the worker started may hold the pipe open after the worker is gone: do not wait for EOF.
            if process.poll() is not None:
                exited_at = exited_at or time.monotonic()
                if time.monotonic() - exited_at > _EXIT_GRACE_SECONDS:
                    break
            continue
        if event is None:  # end of the protocol stream: the worker is gone
            process.wait()
            break
        if event.get("event") == "progress":
            last_step = str(event.get("message") or last_step)
            if on_progress is not None:
                percentage = event.get("percentage")
                on_progress(Progress(last_step, percentage if isinstance(percentage, int) else None))
        elif event.get("event") == "result":
            try:
                result = EquivalenceResult.from_json(event["result"])
            except (KeyError, TypeError, ValueError) as error:
                _kill(process)
                return _failed(
                    request, ErrorKind.CRASHED, f"the worker sent an unreadable result: {error}", output, started
                )
    if result is not None:
        # A thread stuck at interpreter exit must not hold up the answer.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=_EXIT_GRACE_SECONDS)
    _kill(process)  # also reaps anything the worker left behind in its process group
    for reader in readers:
        reader.join(timeout=1.0)
    if result is not None:
        return replace(result, duration_s=time.monotonic() - started)
    return _failed(request, ErrorKind.CRASHED, _exit_message(process.returncode, last_step), output, started)


def _exit_message(returncode: int | None, last_step: str) -> str:
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the worker process was killed by {name} while {last_step} (a crash in native code, or out of memory)"
    return (
        f"the worker process exited with status {returncode} while {last_step}, without a result: user code "
        "called os._exit() or the interpreter failed"
    )


def _failed(
    request: EquivalenceRequest, kind: ErrorKind, message: str, output: _Tail, started: float
) -> EquivalenceResult:
    details = output.text()
    return EquivalenceResult.failed(
        request,
        RunError(kind.value, message, f"last output of the worker:\n{details}" if details else ""),
        time.monotonic() - started,
    )


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _absolute_paths(request: EquivalenceRequest) -> EquivalenceRequest:
    # The worker runs in a temporary directory: relative paths would point there.
    weight_map = request.weight_map
    if weight_map:
        file, separator, function = weight_map.rpartition(":")
        if separator and file.endswith(".py"):
            weight_map = f"{os.path.abspath(file)}:{function}"
        else:
            weight_map = os.path.abspath(weight_map)
    return replace(
        request,
        torch_source=_absolute_if_file(request.torch_source),
        mindspore_source=_absolute_if_file(request.mindspore_source),
        weight_map=weight_map,
        # A dotted module name resolves from where the check was asked for, as `python -m` would.
        search_path=(*request.search_path, os.getcwd())
        if os.getcwd() not in request.search_path
        else request.search_path,
    )


def _absolute_if_file(source: str) -> str:
    return os.path.abspath(source) if looks_like_file(source) else source


def _worker_environment() -> dict[str, str]:
    environment = dict(os.environ)
    # The worker must import this msmigrate even from an interpreter where it is not installed.
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [_SERVER_ROOT, environment.get("PYTHONPATH")]))
    environment["PYTHONUNBUFFERED"] = "1"
    # MindSpore's INFO/WARNING log lines would push the user's own output out of the kept tail.
    environment.setdefault("GLOG_v", "3")
    return environment


class _Tail:
    """The last `limit` bytes of everything the worker printed besides the protocol."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: collections.deque[bytes] = collections.deque()
        self.size = 0
        self.lock = threading.Lock()

    def add(self, chunk: bytes) -> None:
        with self.lock:
            self.chunks.append(chunk)
            self.size += len(chunk)
            while self.size - len(self.chunks[0]) >= self.limit:
                self.size -= len(self.chunks.popleft())

    def text(self) -> str:
        with self.lock:
            data = b"".join(self.chunks)[-self.limit :]
        return data.decode("utf-8", errors="replace").strip()


def _read_protocol(stream: IO[bytes] | None, events: Queue[dict[str, Any] | None], output: _Tail) -> None:
    assert stream is not None
    for line in stream:
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if isinstance(event, dict) and "event" in event:
            events.put(event)
        else:
            output.add(line)
    events.put(None)


def _read_output(stream: IO[bytes] | None, output: _Tail) -> None:
    assert stream is not None
    while chunk := stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536):
        output.add(chunk)
