"""The subprocess that runs both models: `python -m msmigrate.equivalence.worker` (request JSON on stdin).

Protocol: one JSON object per line on the stdout the worker was started with, `{"event": "progress", ...}`
then exactly one `{"event": "result", ...}`. Everything else printed by user code, MindSpore's C++ logs
or torch goes to stderr: the worker moves file descriptor 1 onto 2 before importing anything, so nothing
can interleave with the protocol. This module needs only the standard library, so that an interpreter
without numpy, torch or mindspore still answers with an `import_error` result.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from typing import IO, Any

from msmigrate.equivalence.result import EquivalenceRequest, EquivalenceResult, ErrorKind, RunError
from msmigrate.equivalence.usercode import CheckFailed, first_line


class Channel:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.last_message = ""

    def progress(self, message: str, percentage: int | None = None) -> None:
        self.last_message = message
        self.send({"event": "progress", "message": message, "percentage": percentage})

    def send(self, event: dict[str, Any]) -> None:
        self.stream.write(json.dumps(event) + "\n")
        self.stream.flush()


def main() -> int:
    # Keep the protocol stream private: from here on, fd 1 (and sys.stdout) is stderr for everyone else.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    channel = Channel(protocol)
    request = EquivalenceRequest.from_json(json.loads(sys.stdin.read()))
    started = time.perf_counter()
    try:
        from msmigrate.equivalence.session import run_check
    except ImportError as error:
        failure = RunError(
            ErrorKind.IMPORT_ERROR.value,
            f"{sys.executable} cannot import {error.name}: install msmigrate[equiv] there or choose another "
            "interpreter",
            traceback.format_exc(),
        )
        channel.send({"event": "result", "result": EquivalenceResult.failed(request, failure).to_json()})
        return 0
    try:
        result = run_check(request, channel.progress)
    except CheckFailed as failure:
        result = EquivalenceResult.failed(request, failure.error, time.perf_counter() - started, **failure.found)
    except Exception as error:
        crash = RunError(
            ErrorKind.CRASHED.value,
            f"the check itself failed while {channel.last_message or 'starting'}: {type(error).__name__}: "
            f"{first_line(error)}",
            traceback.format_exc(),
        )
        result = EquivalenceResult.failed(request, crash, time.perf_counter() - started)
    channel.send({"event": "result", "result": result.to_json()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
