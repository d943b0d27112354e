"""The user's code inside the worker: finding and importing their models as they are, building them, calling
into them, and turning whatever they raise into a `CheckFailed` that names their file and line.

A model is `SOURCE:NAME`. SOURCE is a Python file or a dotted module name; NAME is a class or a function
that returns a model (a factory such as `resnet18`). A file that lies inside a package (its folder has an
`__init__.py`, and so on up) is imported as part of that package, so its relative imports work; a file
outside any package is imported on its own, with its folder on `sys.path` as when it runs as a script.
When a package's `__init__` fails to import (torchvision 0.28's registers C++ operators that the CPU build
of torch lacks), the module is imported with that `__init__` bypassed, and the result says so.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.machinery
import importlib.util
import inspect
import json
import os
import sys
import traceback
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from msmigrate.equivalence.result import ErrorKind, RunError, WeightMapping
from msmigrate.equivalence.sources import looks_like_file
from msmigrate.equivalence.weights import TensorEntry, UserWeightMap


class CheckFailed(Exception):
    """Ends the run with a RunError (user code raised, bad request, unmapped weights...); `found` keeps what
    was learnt before (weight mapping, configuration differences, notes) for the result."""

    def __init__(self, kind: ErrorKind, message: str, details: str = "", **found: Any) -> None:
        super().__init__(message)
        self.error = RunError(kind.value, message, details)
        self.found = found

    @property
    def weight_mapping(self) -> WeightMapping | None:
        return self.found.get("weight_mapping")


@dataclass
class UserFiles:
    """The code under test (files and package folders), to tell its frames apart from ours and the
    frameworks' in a traceback."""

    roots: set[str] = field(default_factory=set)

    def add(self, path: str) -> None:
        self.roots.add(os.path.realpath(path))

    def owns(self, filename: str) -> bool:
        path = os.path.realpath(filename)
        return any(path == root or path.startswith(root + os.sep) for root in self.roots)

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
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if self.owns(frame.filename)]
        if not frames:
            return ""
        return f" (at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno})"


@dataclass
class Target:
    """A model's maker, found: `maker` is the class or factory function."""

    source: str
    name: str
    module: ModuleType
    maker: Callable[..., Any]
    file: str | None
    line: int | None
    notes: list[str] = field(default_factory=list)


def load_target(source: str, name: str, files: UserFiles, search_path: Sequence[str] = ()) -> Target:
    notes: list[str] = []
    module = _import_source(source, files, search_path, notes)
    maker = getattr(module, name, None)
    if maker is None or not callable(maker):
        known = [
            member
            for member, value in vars(module).items()
            if not member.startswith("_") and (isinstance(value, type) or inspect.isfunction(value))
        ]
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"{source} defines no class or function {name}{hint}")
    file, line = definition_of(maker)
    return Target(source, name, module, maker, file, line, notes)


def definition_of(value: Any) -> tuple[str | None, int | None]:
    """The file and line of a class or function, seen through decorators (torchvision's factories)."""
    try:
        value = inspect.unwrap(value)
        file = inspect.getsourcefile(value)
        line = inspect.getsourcelines(value)[1] if file else None
    except (TypeError, OSError):
        return None, None
    return (os.path.realpath(file) if file else None), line


def _import_source(source: str, files: UserFiles, search_path: Sequence[str], notes: list[str]) -> ModuleType:
    if looks_like_file(source):
        path = Path(source).resolve()
        if not path.is_file():
            raise CheckFailed(ErrorKind.BAD_REQUEST, f"{source} does not exist")
        dotted, root = _package_name(path)
        if dotted is None:
            files.add(str(path))
            return _import_single_file(path, files)
        files.add(str(root / dotted.split(".")[0]))
        _prepend(sys.path, str(root))
        module = _import_dotted(dotted, files, notes, what=path.name)
        loaded = getattr(module, "__file__", None)
        if loaded is None or Path(loaded).resolve() != path:
            # Another copy of the package (an installed one) answered the import: load this very file.
            notes.append(f"{dotted} imported from {loaded}, not {path}; loaded {path.name} on its own instead")
            return _import_single_file(path, files)
        return module
    for directory in reversed(search_path):
        _prepend(sys.path, directory)
    if not all(part.isidentifier() for part in source.split(".")):
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"{source!r} is neither a .py file nor a dotted module name")
    module = _import_dotted(source, files, notes, what=source)
    if getattr(module, "__file__", None):
        files.add(_package_root(module))
    return module


def _package_name(path: Path) -> tuple[str | None, Path]:
    """(`pkg.sub.module`, the folder above `pkg`) for a file inside a package, else (None, its folder)."""
    parts: list[str] = []
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.name.isidentifier():
        parts.insert(0, folder.name)
        folder = folder.parent
    if not parts:
        return None, path.parent
    if path.stem != "__init__":
        parts.append(path.stem)
    return ".".join(parts), folder


def _package_root(module: ModuleType) -> str:
    top = sys.modules.get(module.__name__.split(".")[0])
    paths = list(getattr(top, "__path__", []) or [])
    return paths[0] if paths else os.path.dirname(str(module.__file__))


def _import_single_file(path: Path, files: UserFiles) -> ModuleType:
    _prepend(sys.path, str(path.parent))
    name = f"msmigrate_model_{path.stem}_{abs(hash(str(path))) % 10**8}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"{path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name while it executes
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        sys.modules.pop(name, None)
        raise _import_failure(path.name, error, files) from None
    return module


def _import_dotted(name: str, files: UserFiles, notes: list[str], what: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except BaseException as error:
        first_failure = error
    # Did a package above it fail? Import the ancestors one by one and stand in for those that fail.
    parts = name.split(".")
    bypassed = []
    for depth in range(1, len(parts)):
        package = ".".join(parts[:depth])
        try:
            importlib.import_module(package)
        except BaseException as error:
            location = _stand_in_for(package)
            if location is None:
                raise _import_failure(what, first_failure, files) from None
            bypassed.append(f"{package}/__init__.py raised {type(error).__name__}: {first_line(error)}")
    if not bypassed:
        raise _import_failure(what, first_failure, files) from None
    try:
        module = importlib.import_module(name)
    except BaseException as error:
        raise _import_failure(what, error, files) from None
    notes.append(f"imported {name} with a failing package __init__ bypassed ({'; '.join(bypassed)})")
    return module


def _stand_in_for(package: str) -> str | None:
    """Replace a package whose __init__ fails by a bare package of the same folder; its folder, or None."""
    for loaded in [key for key in sys.modules if key == package or key.startswith(package + ".")]:
        del sys.modules[loaded]
    parent, _, leaf = package.rpartition(".")
    parent_module = sys.modules.get(parent) if parent else None
    search = list(getattr(parent_module, "__path__", [])) if parent_module is not None else None
    spec = importlib.machinery.PathFinder.find_spec(package, search)
    if spec is None or not spec.submodule_search_locations:
        return None
    stand_in = types.ModuleType(package)
    stand_in.__path__ = list(spec.submodule_search_locations)
    stand_in.__file__ = spec.origin
    stand_in.__package__ = package
    stand_in.__spec__ = importlib.machinery.ModuleSpec(package, None, is_package=True)
    stand_in.__spec__.submodule_search_locations = list(spec.submodule_search_locations)
    sys.modules[package] = stand_in
    if parent_module is not None:
        setattr(parent_module, leaf, stand_in)
    return stand_in.__path__[0]


def _import_failure(what: str, error: BaseException, files: UserFiles) -> CheckFailed:
    if isinstance(error, SystemExit):
        return CheckFailed(ErrorKind.IMPORT_ERROR, f"importing {what} called sys.exit({error.code!r})")
    return CheckFailed(
        ErrorKind.IMPORT_ERROR,
        f"importing {what} raised {type(error).__name__}: {first_line(error)}{files.location(error)}",
        "".join(traceback.format_exception(type(error), error, error.__traceback__)),
    )


def _prepend(paths: list[str], directory: str) -> None:
    if directory in paths:
        paths.remove(directory)
    paths.insert(0, directory)


def build_model(target: Target, arguments: dict[str, Any] | list[Any] | None, files: UserFiles, base: type) -> Any:
    """Call the class or factory; the answer must be a `base` (torch.nn.Module or mindspore.nn.Cell)."""
    what = f"{target.name}(...)"
    if isinstance(arguments, dict):
        model = files.call(what, target.maker, **arguments)
    elif isinstance(arguments, list):
        model = files.call(what, target.maker, *arguments)
    else:
        model = files.call(what, target.maker)
    if not isinstance(model, base):
        raise CheckFailed(
            ErrorKind.BAD_REQUEST,
            f"{target.source}:{target.name} gave a {type(model).__name__}, not a {base.__module__}.{base.__name__}",
        )
    return model


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else ""


def user_weight_map(
    source: str, torch_entries: list[TensorEntry], mindspore_entries: list[TensorEntry], files: UserFiles
) -> UserWeightMap:
    """A JSON or TOML file, or `file.py:function` called with both sides' {name: shape} dicts."""
    file, separator, function_name = source.rpartition(":")
    if separator and file.endswith(".py") and function_name.isidentifier():
        path = Path(file).resolve()
        if not path.is_file():
            raise CheckFailed(ErrorKind.BAD_REQUEST, f"the weight map {file} does not exist")
        files.add(str(path))
        module = _import_single_file(path, files)
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
