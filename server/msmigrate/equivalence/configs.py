"""The configuration diff: for two paired layers, the hyperparameters that differ once both are written in
one convention (pure: constructor arguments in, differences out).

`mappings/layer_hyperparameters.toml` says, per layer API, how to read each hyperparameter from the
constructor's arguments; the normalisers below turn both frameworks' spellings into one: MindSpore's
momentum into torch's, `pad_mode` and `padding` into the padding before and after each spatial axis (at the
input size the layer saw, for 'same'), MindSpore's GELU flag into torch's string. A difference explains a
divergence in words, and still does when the output shapes no longer match.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import tomllib

from msmigrate.mappings.store import DEFAULT_MAPPINGS_DIR

HYPERPARAMETERS_FILE = "layer_hyperparameters.toml"
RELATIVE_TOLERANCE = 1e-6  # float32 round trips (MindSpore keeps 1 - 0.9 as 0.09999999999999998)
_CALL = re.compile(r"^(?P<function>\w+)\((?P<arguments>[^()]*)\)$")
_DIMENSIONS = re.compile(r"([123])d(?:Transpose)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Reader:
    family: str
    expressions: dict[str, str]  # hyperparameter -> expression


@dataclass(frozen=True)
class Difference:
    hyperparameter: str
    torch_value: str
    mindspore_value: str
    note: str | None = None


@dataclass(frozen=True)
class LayerSide:
    """One side of a layer pair: its API, its constructor arguments, and the shape of its first input."""

    api: str | None
    arguments: Mapping[str, Any]
    input_shape: Sequence[int] | None = None

    @property
    def dims(self) -> int:
        found = _DIMENSIONS.search(self.api or "")
        return int(found.group(1)) if found else 2

    @property
    def spatial_input(self) -> list[int] | None:
        if self.input_shape is None or len(self.input_shape) < self.dims:
            return None
        return [int(size) for size in self.input_shape[-self.dims :]]


@cache
def readers(directory: Path = DEFAULT_MAPPINGS_DIR) -> dict[str, Reader]:
    data = tomllib.loads((directory / HYPERPARAMETERS_FILE).read_text(encoding="utf-8"))
    found: dict[str, Reader] = {}
    for entry in data.get("reader", ()):
        reader = Reader(str(entry["family"]), {str(key): str(value) for key, value in entry["read"].items()})
        for api in entry["apis"]:
            found[str(api)] = reader
    return found


def config_differences(torch_side: LayerSide, mindspore_side: LayerSide) -> list[Difference]:
    """The hyperparameters read on both sides whose values differ; nothing when either API has no reader or
    the two are of different families."""
    known = readers()
    torch_reader = known.get(torch_side.api or "")
    mindspore_reader = known.get(mindspore_side.api or "")
    if torch_reader is None or mindspore_reader is None or torch_reader.family != mindspore_reader.family:
        return []
    differences = []
    for hyperparameter, torch_expression in torch_reader.expressions.items():
        mindspore_expression = mindspore_reader.expressions.get(hyperparameter)
        if mindspore_expression is None:
            continue
        torch_value = evaluate(torch_expression, torch_side)
        mindspore_value = evaluate(mindspore_expression, mindspore_side)
        if torch_value is _UNREADABLE or mindspore_value is _UNREADABLE or same(torch_value, mindspore_value):
            continue
        differences.append(
            Difference(
                hyperparameter,
                describe(torch_value),
                describe(mindspore_value),
                _padding_note(hyperparameter, mindspore_side),
            )
        )
    return differences


class _Unreadable:
    def __repr__(self) -> str:
        return "unreadable"


_UNREADABLE = _Unreadable()


def evaluate(expression: str, side: LayerSide) -> Any:
    """An argument's value, or a normaliser applied to arguments; `_UNREADABLE` when an argument is
    missing (another version's constructor) or a normaliser cannot say."""
    call = _CALL.match(expression.strip())
    if call is None:
        return side.arguments.get(expression.strip(), _UNREADABLE)
    function = _NORMALISERS.get(call.group("function"))
    names = [name.strip() for name in call.group("arguments").split(",") if name.strip()]
    if function is None or any(name not in side.arguments for name in names[:1]):
        return _UNREADABLE
    try:
        return function(side, *[side.arguments.get(name) for name in names])
    except (TypeError, ValueError, ZeroDivisionError):
        return _UNREADABLE


def same(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def describe(value: Any) -> str:
    if isinstance(value, _Padding):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(describe(item) for item in value) + ")"
    return repr(value) if isinstance(value, str) else str(value)


# -- normalisers --------------------------------------------------------------------------------------
def _spatial(side: LayerSide, value: Any) -> tuple[int, ...]:
    if isinstance(value, (list, tuple)):
        values = tuple(int(item) for item in value)
        # MindSpore's Conv1d keeps a 2-D kernel (1, k): its spatial axis is the last.
        return values[-side.dims :] if len(values) > side.dims else values
    return (int(value),) * side.dims


def _sequence(side: LayerSide, value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _flag(side: LayerSide, value: Any) -> bool:
    return bool(value)


def _number(side: LayerSide, value: Any) -> float | None:
    return None if value is None else float(value)


_SIDES = {1: (("left", "right"),), 2: (("top", "bottom"), ("left", "right"))}


class _Padding(tuple):  # type: ignore[type-arg]
    """(before, after) per spatial axis; shown as torch would write it when both sides are equal, else side
    by side: 'top 0, bottom 1, left 0, right 1'."""

    def __str__(self) -> str:
        pairs = [tuple(axis) for axis in self]
        if all(before == after for before, after in pairs):
            befores = [before for before, _ in pairs]
            return str(befores[0]) if len(set(befores)) == 1 else "(" + ", ".join(map(str, befores)) + ")"
        names = _SIDES.get(len(pairs), tuple((f"axis {i} before", f"axis {i} after") for i in range(len(pairs))))
        return ", ".join(
            f"{first} {before}, {second} {after}" for (first, second), (before, after) in zip(names, pairs, strict=True)
        )


def _torch_padding(side: LayerSide, padding: Any, kernel: Any = 1, dilation: Any = 1) -> _Padding:
    dims = side.dims
    if isinstance(padding, str):
        if padding == "valid":
            return _Padding(((0, 0),) * dims)
        if padding == "same":
            kernels = _spatial(side, kernel)
            dilations = _spatial(side, dilation if dilation is not None else 1)
            totals = [d * (k - 1) for k, d in zip(kernels, dilations, strict=True)]
            return _Padding(tuple((total // 2, total - total // 2) for total in totals))
        raise ValueError(padding)
    return _Padding(tuple((size, size) for size in _spatial(side, padding)))


def _mindspore_padding(
    side: LayerSide, pad_mode: Any, padding: Any, kernel: Any = 1, stride: Any = 1, dilation: Any = 1
) -> _Padding | str:
    dims = side.dims
    mode = str(pad_mode).lower()
    if mode == "valid":
        return _Padding(((0, 0),) * dims)
    if mode == "pad":
        if isinstance(padding, (list, tuple)) and len(padding) == 2 * dims:
            return _Padding(tuple((int(padding[2 * i]), int(padding[2 * i + 1])) for i in range(dims)))
        return _Padding(tuple((size, size) for size in _spatial(side, padding)))
    if mode != "same":
        raise ValueError(pad_mode)
    sizes = side.spatial_input
    if sizes is None:
        return "same"
    kernels = _spatial(side, kernel)
    strides = _spatial(side, stride if stride is not None else 1)
    dilations = _spatial(side, dilation if dilation is not None else 1)
    axes = []
    for size, k, s, d in zip(sizes, kernels, strides, dilations, strict=True):
        total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
        axes.append((total // 2, total - total // 2))
    return _Padding(tuple(axes))


def _torch_pool_stride(side: LayerSide, stride: Any, kernel: Any = None) -> tuple[int, ...]:
    return _spatial(side, kernel if stride is None or stride == [] or stride == () else stride)


def _one_minus(side: LayerSide, value: Any) -> float:
    return 1.0 - float(value)


def _dropout_rate(side: LayerSide, p: Any, keep_prob: Any = None) -> float:
    return float(p) if p is not None else 1.0 - float(keep_prob)


def _gelu_approximate(side: LayerSide, value: Any) -> str:
    if isinstance(value, bool):
        return "tanh" if value else "none"
    return str(value)


def _torch_statistics(side: LayerSide, track_running_stats: Any) -> str:
    return "batch in training, running in eval" if track_running_stats else "batch"


def _mindspore_statistics(side: LayerSide, use_batch_statistics: Any) -> str:
    if use_batch_statistics is None:
        return "batch in training, running in eval"
    return "batch" if use_batch_statistics else "running"


_NORMALISERS: dict[str, Callable[..., Any]] = {
    "spatial": _spatial,
    "sequence": _sequence,
    "flag": _flag,
    "number": _number,
    "torch_padding": _torch_padding,
    "mindspore_padding": _mindspore_padding,
    "torch_pool_stride": _torch_pool_stride,
    "one_minus": _one_minus,
    "dropout_rate": _dropout_rate,
    "gelu_approximate": _gelu_approximate,
    "torch_statistics": _torch_statistics,
    "mindspore_statistics": _mindspore_statistics,
}
NORMALISER_NAMES = frozenset(_NORMALISERS)


def _padding_note(hyperparameter: str, mindspore_side: LayerSide) -> str | None:
    if hyperparameter != "padding" or str(mindspore_side.arguments.get("pad_mode", "")).lower() != "same":
        return None
    sizes = mindspore_side.spatial_input
    at = f" at input {'x'.join(map(str, sizes))}" if sizes else ""
    return (
        f"MindSpore pad_mode='same'{at} pads more after than before when the total padding is odd; torch pads "
        "both sides equally, so the values shift"
    )
