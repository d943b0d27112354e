"""The user's code inside the worker: importing their files, building their classes, calling into them,
and turning whatever they raise into a `CheckFailed` that names their file and line."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from msmigrate.equivalence.result import ErrorKind, RunError, WeightMapping
from msmigrate.equivalence.weights import TensorEntry, UserWeightMap


class CheckFailed(Exception):
    """Ends the run with a RunError (user code raised, bad request, unmapped weights...)."""

    def __init__(
        self, kind: ErrorKind, message: str, details: str = "", weight_mapping: WeightMapping | None = None
    ) -> None:
        super().__init__(message)
        self.error = RunError(kind.value, message, details)
        self.weight_mapping = weight_mapping  # what could be paired, when pairing is what failed


@dataclass
class UserFiles:
    """The user's files, to tell their frames apart from ours and the frameworks' in a traceback."""

    paths: set[str] = field(default_factory=set)

    def add(self, path: str) -> None:
        self.paths.add(os.path.realpath(path))

    def call(self, what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except CheckFailed:
            raise
        except SystemExit as exit_request:
            raise CheckFailed(
                ErrorKind.USER_CODE_RAISED, f"{what} called sys.exit({exit_request.code!r})", traceback.format_exc()
            ) from None
        except Exception as error:
            raise CheckFailed(
                ErrorKind.USER_CODE_RAISED,
                f"{what} raised {type(error).__name__}: {first_line(error)}{self.location(error)}",
                traceback.format_exc(),
            ) from None

    def location(self, error: BaseException) -> str:
        frames = [
            frame
            for frame in traceback.extract_tb(error.__traceback__)
            if os.path.realpath(frame.filename) in self.paths
        ]
        if not frames:
            return ""
        return f" (at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno})"


def load_module(path: str, tag: str, files: UserFiles) -> ModuleType:
    resolved = Path(path).resolve()
    if not resolved.is_file():
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"{path} does not exist")
    files.add(str(resolved))
    # Imports next to the file resolve as when the file runs as a script.
    if str(resolved.parent) not in sys.path:
        sys.path.insert(0, str(resolved.parent))
    name = f"msmigrate_equivalence_{tag}_{resolved.stem}"
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"{path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name while it executes
    try:
        spec.loader.exec_module(module)
    except SystemExit as exit_request:
        raise CheckFailed(
            ErrorKind.IMPORT_ERROR, f"importing {resolved.name} called sys.exit({exit_request.code!r})"
        ) from None
    except BaseException as error:
        raise CheckFailed(
            ErrorKind.IMPORT_ERROR,
            f"importing {resolved.name} raised {type(error).__name__}: {first_line(error)}{files.location(error)}",
            traceback.format_exc(),
        ) from None
    return module


def user_class(module: ModuleType, name: str, path: str) -> type:
    cls = getattr(module, name, None)
    if not isinstance(cls, type):
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"{os.path.basename(path)} defines no class {name}")
    return cls


def instantiate(cls: type, arguments: dict[str, Any] | list[Any] | None, files: UserFiles) -> Any:
    what = f"{cls.__name__}(...)"
    if isinstance(arguments, dict):
        return files.call(what, cls, **arguments)
    if isinstance(arguments, list):
        return files.call(what, cls, *arguments)
    return files.call(what, cls)


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else ""


def user_weight_map(
    source: str, torch_entries: list[TensorEntry], mindspore_entries: list[TensorEntry], files: UserFiles
) -> UserWeightMap:
    """A JSON or TOML file, or `file.py:function` called with both sides' {name: shape} dicts."""
    file, separator, function_name = source.rpartition(":")
    if separator and file.endswith(".py") and function_name.isidentifier():
        module = load_module(file, "weightmap", files)
        function = getattr(module, function_name, None)
        if not callable(function):
            raise CheckFailed(ErrorKind.BAD_REQUEST, f"{file} defines no function {function_name}")
        data = files.call(
            f"{function_name}()",
            function,
            {entry.name: entry.shape for entry in torch_entries},
            {entry.name: entry.shape for entry in mindspore_entries},
        )
    else:
        data = _read_map_file(source)
    if not isinstance(data, dict):
        raise CheckFailed(
            ErrorKind.BAD_REQUEST, f"the weight map {source} must be a table of torch name = MindSpore name"
        )
    try:
        return UserWeightMap.from_data(data)
    except ValueError as error:
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"weight map {source}: {error}") from None


def _read_map_file(source: str) -> Any:
    try:
        text = Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"cannot read the weight map {source}: {error.strerror}") from None
    try:
        if source.endswith(".toml"):
            import tomllib

            return tomllib.loads(text)
        return json.loads(text)
    except ValueError as error:
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"the weight map {source} does not parse: {error}") from None
