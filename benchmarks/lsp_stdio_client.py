"""A minimal LSP client over stdio, just enough to time diagnostics.

It speaks JSON-RPC with `Content-Length` framing, answers the few requests a server sends to its
client (configuration, capability registration, progress) with empty results, and stamps every
`textDocument/publishDiagnostics` with the `perf_counter` time at which its last byte was read.
A reader thread does the reading, so the timestamp does not wait for the benchmark's own loop.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO


class ServerError(RuntimeError):
    pass


@dataclass(frozen=True)
class Publication:
    received_at: float  # time.perf_counter()
    version: int | None
    diagnostics: list[dict[str, Any]]


class StdioLanguageClient:
    def __init__(self, command: Sequence[str], cwd: Path, stderr_path: Path) -> None:
        self._stderr = stderr_path.open("wb")
        self.process = subprocess.Popen(
            list(command), cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._stdin: BinaryIO = self.process.stdin
        self._write_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._state = threading.Condition()
        self._responses: dict[int, dict[str, Any]] = {}
        self._publications: dict[str, list[Publication]] = {}
        self._closed_reason: str | None = None
        self._reader = threading.Thread(target=self._read_loop, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    # -- sending --------------------------------------------------------------------------------------
    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        with self._write_lock:
            self._stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self._stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 60.0) -> Any:
        request_id = next(self._ids)
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        with self._state:
            while request_id not in self._responses:
                self._wait(deadline, f"no answer to {method}")
            response = self._responses.pop(request_id)
        if "error" in response:
            raise ServerError(f"{method} failed: {response['error']}")
        return response.get("result")

    # -- receiving ------------------------------------------------------------------------------------
    def wait_for_diagnostics(self, uri: str, after: float, timeout: float = 60.0) -> Publication:
        """The first diagnostics published for `uri` at or after the `perf_counter` time `after`."""
        deadline = time.monotonic() + timeout
        with self._state:
            while True:
                for publication in self._publications.get(uri, ()):
                    if publication.received_at >= after:
                        return publication
                self._wait(deadline, f"no diagnostics for {uri}")

    def forget(self, uri: str) -> None:
        with self._state:
            self._publications.pop(uri, None)

    def _wait(self, deadline: float, what: str) -> None:
        if self._closed_reason is not None:
            raise ServerError(f"{what}: {self._closed_reason}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ServerError(f"{what} (timed out)")
        self._state.wait(remaining)

    def _read_loop(self, stream: BinaryIO) -> None:
        try:
            while True:
                message = _read_message(stream)
                if message is None:
                    break
                received_at = time.perf_counter()
                self._dispatch(message, received_at)
        except (OSError, ValueError) as error:
            reason = f"reading from the server failed: {error}"
        else:
            reason = f"the server closed its output (exit code {self.process.poll()})"
        with self._state:
            self._closed_reason = reason
            self._state.notify_all()

    def _dispatch(self, message: dict[str, Any], received_at: float) -> None:
        method = message.get("method")
        if method is None:
            with self._state:
                self._responses[message["id"]] = message
                self._state.notify_all()
        elif "id" in message:
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": _answer(method, message.get("params"))})
        elif method == "textDocument/publishDiagnostics":
            params = message["params"]
            publication = Publication(received_at, params.get("version"), params.get("diagnostics", []))
            with self._state:
                self._publications.setdefault(params["uri"], []).append(publication)
                self._state.notify_all()

    # -- lifetime -------------------------------------------------------------------------------------
    def initialize(self, root: Path) -> dict[str, Any]:
        result = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": {
                    "textDocument": {
                        "publishDiagnostics": {"relatedInformation": True, "codeDescriptionSupport": True},
                        "synchronization": {"didSave": True},
                    },
                    "workspace": {"configuration": True, "workspaceFolders": True},
                    "general": {"positionEncodings": ["utf-16"]},
                },
            },
        )
        self.notify("initialized", {})
        return result

    def open_document(self, uri: str, text: str, version: int = 1) -> float:
        """Sends `didOpen` and returns the `perf_counter` time just before the message was written."""
        sent_at = time.perf_counter()
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}},
        )
        return sent_at

    def close_document(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def shutdown(self, timeout: float = 10.0) -> None:
        try:
            if self.process.poll() is None and self._closed_reason is None:
                self.request("shutdown", None, timeout=timeout)
                self.notify("exit", None)
                self.process.wait(timeout=timeout)
        except (ServerError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._stderr.close()


def _answer(method: str, params: Any) -> Any:
    """Empty but well-formed results for server-to-client requests."""
    if method == "workspace/configuration":
        return [None for _ in (params or {}).get("items", [])]
    return None


def _read_message(stream: BinaryIO) -> dict[str, Any] | None:
    length: int | None = None
    while True:
        header = stream.readline()
        if not header:
            return None
        header = header.strip()
        if not header:
            break
        name, _, value = header.decode("ascii").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length is None:
        raise ValueError("message without Content-Length")
    body = stream.read(length)
    if len(body) < length:
        return None
    return json.loads(body)


def resident_memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB, from /proc/<pid>/status."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024  # reported in kB
    return values["VmRSS"], values["VmHWM"]
