"""Where each layer was built, and with which arguments: recorded while the user's model is constructed.

While a `ConstructionRecorder` is active, every torch `Module` / MindSpore `Cell` that is created remembers
  - the line of code that built it: the first frame above its constructors that is neither one of its
    own `__init__` methods nor inside the framework itself, so a layer built by a library's helper points
    at that helper's line, and `out_proj` built inside `nn.MultiheadAttention` points at the line that
    built the attention layer;
  - for the framework's own layer classes (`torch.nn.*`, `mindspore.nn.*`, `mindspore.mint.nn.*`), the
    public API name and the constructor's arguments with their defaults, which the configuration diff
    compares.
The record is an attribute of the object itself, so it survives `copy.deepcopy` (cloned encoder layers).
Imports torch/mindspore only inside the recorder, in the worker.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType, ModuleType
from typing import Any

ATTRIBUTE = "_msmigrate_construction"
MAX_ARGUMENT_ITEMS = 16  # longer sequences (an explicit list of channel sizes) are summarised


@dataclass(frozen=True)
class Construction:
    file: str | None
    line: int | None
    api: str | None = None  # "torch.nn.Conv2d", "mindspore.nn.MaxPool2d"; None for a user-defined class
    arguments: dict[str, Any] = field(default_factory=dict)  # plain values only


def construction_of(layer: Any) -> Construction | None:
    record = getattr(layer, "__dict__", {}).get(ATTRIBUTE)
    return record if isinstance(record, Construction) else None


@dataclass(frozen=True)
class Framework:
    name: str  # "torch" | "mindspore"
    base: type  # torch.nn.Module | mindspore.nn.Cell
    namespaces: tuple[tuple[str, ModuleType], ...]  # (public prefix, module) whose layer classes are recorded
    package_directory: str  # frames inside it are the framework's, not the code that built a layer


def torch_framework() -> Framework:
    import torch
    from torch import nn

    return Framework("torch", nn.Module, (("torch.nn", nn),), os.path.dirname(torch.__file__))


def mindspore_framework() -> Framework:
    import mindspore
    from mindspore import mint, nn

    return Framework(
        "mindspore",
        nn.Cell,
        (("mindspore.nn", nn), ("mindspore.mint.nn", mint.nn)),
        os.path.dirname(mindspore.__file__),
    )


class ConstructionRecorder:
    """A context manager: patches the framework's constructors while the model is being built."""

    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        self.saved: list[tuple[type, Callable[..., None]]] = []
        self.public_names: dict[type, str] = {}

    def __enter__(self) -> ConstructionRecorder:
        for prefix, namespace in self.framework.namespaces:
            for name, value in sorted(vars(namespace).items()):
                if (
                    isinstance(value, type)
                    and issubclass(value, self.framework.base)
                    and not name.startswith("_")
                    and value not in self.public_names
                ):
                    self.public_names[value] = f"{prefix}.{name}"
        self._wrap(self.framework.base, self._base_init)
        # BatchNorm2d and MaxPool2d inherit __init__ from private bases (_BatchNorm, _MaxPoolNd): wrap the
        # class that defines the constructor each public layer runs, once.
        defining = {_defining_class(cls) for cls in self.public_names}
        for cls in sorted(defining - {None, self.framework.base}, key=lambda cls: cls.__qualname__):
            self._wrap(cls, self._layer_init)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for cls, original in reversed(self.saved):
            cls.__init__ = original  # type: ignore[misc]
        self.saved.clear()

    def _wrap(self, cls: type, make: Callable[[type, Callable[..., None]], Callable[..., None]]) -> None:
        original = vars(cls)["__init__"]
        self.saved.append((cls, original))
        cls.__init__ = make(cls, original)  # type: ignore[misc]

    def _base_init(self, cls: type, original: Callable[..., None]) -> Callable[..., None]:
        recorder = self

        @functools.wraps(original)
        def init(layer: Any, *args: Any, **kwargs: Any) -> None:
            original(layer, *args, **kwargs)
            if construction_of(layer) is None:
                file, line = recorder._built_at(layer, sys._getframe(1))
                _remember(layer, Construction(file, line))

        return init

    def _layer_init(self, cls: type, original: Callable[..., None]) -> Callable[..., None]:
        recorder = self
        signature = _signature(original)

        @functools.wraps(original)
        def init(layer: Any, *args: Any, **kwargs: Any) -> None:
            # A public class whose __init__ calls another's (LazyLinear -> Linear) records twice; the outer
            # call writes last, so the most derived class's arguments stay.
            arguments = _bound_arguments(signature, layer, args, kwargs)
            caller = sys._getframe(1)
            original(layer, *args, **kwargs)
            file, line = recorder._built_at(layer, caller)
            _remember(layer, Construction(file, line, recorder._api_of(type(layer), cls), arguments))

        return init

    def _api_of(self, actual: type, wrapped: type) -> str:
        """The most derived public class: a user's subclass of nn.Conv2d is configured as nn.Conv2d."""
        for cls in actual.__mro__:
            if cls in self.public_names:
                return self.public_names[cls]
        return self.public_names.get(wrapped, wrapped.__qualname__)

    def _built_at(self, layer: Any, frame: FrameType | None) -> tuple[str | None, int | None]:
        for candidate in _outward(frame):
            code = candidate.f_code
            if code.co_name == "__init__" and candidate.f_locals.get("self") is layer:
                continue  # a constructor of this very object: its subclass calling super().__init__()
            if code.co_name == "init" and candidate.f_globals.get("__name__") == __name__:
                continue  # our own wrappers
            filename = os.path.realpath(code.co_filename)
            if filename.startswith(self.framework.package_directory + os.sep) or filename.startswith("<"):
                continue  # built by the framework itself (MultiheadAttention's out_proj): keep climbing
            return filename, candidate.f_lineno
        return None, None


def _defining_class(cls: type) -> type | None:
    return next((candidate for candidate in cls.__mro__ if "__init__" in vars(candidate)), None)


def _remember(layer: Any, construction: Construction) -> None:
    # object.__setattr__: MindSpore's Cell.__setattr__ and torch's Module.__setattr__ would inspect the value.
    object.__setattr__(layer, ATTRIBUTE, construction)


def _outward(frame: FrameType | None) -> Iterator[FrameType]:
    while frame is not None:
        yield frame
        frame = frame.f_back


def _signature(function: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def _bound_arguments(
    signature: inspect.Signature | None, layer: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    if signature is None:
        return {}
    try:
        bound = signature.bind(layer, *args, **kwargs)
    except TypeError:
        return {}  # the call itself is wrong: the constructor will say so
    bound.apply_defaults()
    arguments: dict[str, Any] = {}
    for index, (name, value) in enumerate(bound.arguments.items()):
        if index == 0:
            continue  # self
        parameter = signature.parameters[name]
        if parameter.kind is inspect.Parameter.VAR_KEYWORD and isinstance(value, dict):
            for key, item in value.items():
                arguments[key] = plain(item)
        elif parameter.kind is not inspect.Parameter.VAR_POSITIONAL:
            arguments[name] = plain(value)
    return arguments


def plain(value: Any) -> Any:
    """A JSON-able stand-in: numbers, strings, booleans, None, lists of them; a class or function by its
    name; anything else (a tensor, an initialiser object) by its type name in angle brackets."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (tuple, list)):
        items = [plain(item) for item in value[:MAX_ARGUMENT_ITEMS]]
        return items if len(value) <= MAX_ARGUMENT_ITEMS else [*items, "..."]
    if isinstance(value, type) or inspect.isfunction(value):
        return getattr(value, "__qualname__", repr(value))
    number = getattr(value, "item", None)
    if callable(number) and getattr(value, "ndim", None) == 0:
        try:
            return plain(number())
        except Exception:
            pass
    return f"<{type(value).__name__}>"
