"""Regenerate `mappings/signatures.json` by introspecting the installed torch and mindspore.

    python -m tools.introspect_signatures                    # then rebuilds the entries (tools.build_mappings)
    python -m tools.introspect_signatures --no-probe         # keep the recorded mint CPU probe results
    python -m tools.introspect_signatures --signatures-only  # do not rebuild the entries

For every API the mapping data names (both tables, the parameter-difference rows, `mappings/curated.toml`)
and for the `mindspore.mint` namesakes of torch APIs the current table does not map, it records whether the
name exists in the installed packages, its signature (constructor and call signature for classes), where
the signature came from, and for `mindspore.mint` APIs whether they run on CPU. A name that does not exist
gets the closest existing name in its namespace, when there is one.

Signatures, in order of preference:
- `inspect` — `inspect.signature` of Python-level functions, classes (`__init__`), Primitive classes;
- `docstring` — the signature lines a builtin's docstring prints (torch builtins, mindspore Tensor methods),
  every overload it lists;
- `schema` — torch's ATen operator schemas, when the docstring prints none;
- `unavailable` — none of these: the verifier then checks only that the API imports.

This is the only generator that imports the frameworks; `tests/mappings/` runs it in a subprocess.
"""

from __future__ import annotations

import argparse
import difflib
import enum
import importlib
import inspect
import json
import os
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import tomllib

os.environ.setdefault("GLOG_v", "3")  # MindSpore's C++ logging: errors only

import mindspore
import numpy as np
import torch

from tools import build_mappings, introspect_namespaces
from tools.mapping_common import (
    CURATED_PATH,
    CURRENT_TABLE,
    KEYWORD_ONLY,
    LEGACY_TABLE,
    PARAM_DIFFS,
    POSITIONAL,
    POSITIONAL_ONLY,
    SIGNATURES_PATH,
    UNKNOWN_DEFAULT,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    SigParam,
    canonical_default_text,
    canonical_literal,
    dump_json,
    format_signature,
    parse_signature,
    read_tsv,
    uninstalled_torch_package,
)

warnings.filterwarnings("ignore")  # deprecation chatter of both frameworks while signatures are read

_INSPECT_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: POSITIONAL_ONLY,
    inspect.Parameter.POSITIONAL_OR_KEYWORD: POSITIONAL,
    inspect.Parameter.VAR_POSITIONAL: VAR_POSITIONAL,
    inspect.Parameter.KEYWORD_ONLY: KEYWORD_ONLY,
    inspect.Parameter.VAR_KEYWORD: VAR_KEYWORD,
}
MISSING = object()

# torch namespace -> the mindspore.mint namespace that mirrors it (longest prefix first).
MINT_NAMESPACES = (
    ("torch.nn.functional.", "mindspore.mint.nn.functional."),
    ("torch.nn.", "mindspore.mint.nn."),
    ("torch.linalg.", "mindspore.mint.linalg."),
    ("torch.special.", "mindspore.mint.special."),
    ("torch.optim.", "mindspore.mint.optim."),
    ("torch.distributed.", "mindspore.mint.distributed."),
    ("torch.", "mindspore.mint."),
)


# ---------------------------------------------------------------------------------------------- resolving


def resolve(qualname: str) -> tuple[Any, str | None]:
    """The object a dotted name denotes, or (MISSING, why not)."""
    parts = qualname.split(".")
    for split in range(len(parts), 0, -1):
        module_name = ".".join(parts[:split])
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        for index in range(split, len(parts)):
            try:
                obj = getattr(obj, parts[index])
            except AttributeError:
                return MISSING, f"{'.'.join(parts[:index])} has no attribute {parts[index]}"
        return obj, None
    return MISSING, f"module {parts[0]} is not installed"


def did_you_mean(qualname: str) -> str | None:
    """An existing public name in the same namespace that differs only in case, or is very close."""
    parent_name, _, leaf = qualname.rpartition(".")
    parent, _ = resolve(parent_name)
    if parent is MISSING:
        return None
    names = [name for name in dir(parent) if not name.startswith("_")]
    same_case = [name for name in names if name.lower() == leaf.lower()]
    if same_case:
        return f"{parent_name}.{same_case[0]}"
    close = difflib.get_close_matches(leaf, names, n=1, cutoff=0.85)
    return f"{parent_name}.{close[0]}" if close else None


def mint_namesake(torch_api: str) -> str | None:
    """`torch.nn.X` -> `mindspore.mint.nn.X` and so on; None outside the namespaces mint mirrors."""
    if torch_api.startswith("torch.Tensor."):
        return None
    for torch_prefix, mint_prefix in MINT_NAMESPACES:
        if torch_api.startswith(torch_prefix):
            return mint_prefix + torch_api.removeprefix(torch_prefix)
    return None


# ---------------------------------------------------------------------------------------------- signatures


def canonical_default_value(value: Any) -> str:
    """Canonical text of a live default value, comparable with `canonical_default_text` of the docs."""
    if _is_literal(value):
        return canonical_literal(value)
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if inspect.isclass(value):
        return canonical_default_text(f"{value.__module__}.{value.__qualname__}")
    text = repr(value)
    member = re.fullmatch(r"<([\w.]+): [^<>]*>", text)  # pybind11 enum members print like Enum members
    if member:
        return member.group(1)
    if " at 0x" in text or text.startswith("<"):
        return f"<{type(value).__name__}>"
    return canonical_default_text(text)


def _is_literal(value: Any) -> bool:
    if value is None or isinstance(value, bool | int | float | complex | str | bytes):
        return not isinstance(value, enum.Enum)
    if type(value) in (tuple, list):
        return all(_is_literal(item) for item in value)
    return False


def _from_inspect(obj: Any, drop_self: bool) -> list[SigParam] | None:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    params = [
        SigParam(
            name,
            _INSPECT_KINDS[param.kind],
            None if param.default is inspect.Parameter.empty else canonical_default_value(param.default),
        )
        for name, param in signature.parameters.items()
    ]
    if drop_self and params and params[0].name == "self":
        params = params[1:]
    return params


def _docstring_pattern(short_name: str) -> re.Pattern[str]:
    """A signature line: `name(...)`, `Tensor.name(...) -> T`, `.. method:: Tensor.name(...)`.

    The owner prefix is limited to the frameworks' own namespaces, so that example output such as
    `torch.return_types.max(values=...)` is not taken for a signature.
    """
    return re.compile(
        r"^\s*(?:\.\.\s+(?:py:)?(?:method|function)::\s*)?"
        r"(?:(?:torch|mindspore|ms|ops|mint|nn|functional|F|Tensor)\.)*"
        + re.escape(short_name)
        + r"\s*(\(.*\))\s*(?:->.*)?$"
    )


def _from_docstring(obj: Any, short_name: str) -> list[list[SigParam]]:
    doc = getattr(obj, "__doc__", None)
    if not isinstance(doc, str):
        return []
    pattern = _docstring_pattern(short_name)
    found: list[list[SigParam]] = []
    for line in doc.splitlines():
        match = pattern.match(line)
        if match:
            params = list(parse_signature(match.group(1)))
            if params not in found:
                found.append(params)
    return found


def _from_schema(obj: Any, short_name: str, is_method: bool) -> list[list[SigParam]]:
    op_name = getattr(obj, "__name__", short_name) or short_name
    try:
        schemas = torch._C._jit_get_schemas_for_operator(f"aten::{op_name}")
    except RuntimeError:
        return []
    found: list[list[SigParam]] = []
    for schema in schemas:
        if is_method and any(argument.name == "out" for argument in schema.arguments):
            continue  # the out= overloads are functions only
        params: list[SigParam] = []
        for argument in schema.arguments:
            name = argument.name
            if name == "self":
                if is_method:
                    continue
                name = "input"
            default = canonical_default_value(argument.default_value) if argument.has_default_value() else None
            params.append(SigParam(name, KEYWORD_ONLY if argument.kwarg_only else POSITIONAL, default))
        if params not in found:
            found.append(params)
    return found


def callable_signatures(obj: Any, short_name: str, is_method: bool) -> tuple[list[str], str]:
    """Signature texts of a callable and where they came from.

    For a torch builtin the docstring's overloads are joined by the ATen schemas' (which still list
    deprecated forms such as `std(input, unbiased)` that the docstring no longer prints). A keyword-only
    parameter that a docstring or schema prints without a default gets the default `...` (not known):
    Python bindings make such parameters, `out` above all, optional.
    """
    params = _from_inspect(obj, drop_self=is_method)
    if params is not None:
        return [format_signature(params)], "inspect"
    overloads = _from_docstring(obj, short_name)
    sources = ["docstring"] if overloads else []
    if obj.__class__.__module__ == "builtins" and _belongs_to_torch(obj):
        schema_overloads = [params for params in _from_schema(obj, short_name, is_method) if params not in overloads]
        if schema_overloads:
            overloads += schema_overloads
            sources.append("schema")
    if not overloads:
        return [], "unavailable"
    unknown = [
        [
            SigParam(p.name, p.kind, UNKNOWN_DEFAULT if p.kind == KEYWORD_ONLY and p.default is None else p.default)
            for p in params
        ]
        for params in overloads
    ]
    texts: list[str] = []
    for params in unknown:
        text = format_signature(params)
        if text not in texts:
            texts.append(text)
    return texts, "+".join(sources)


def _belongs_to_torch(obj: Any) -> bool:
    owner = getattr(obj, "__self__", None) or getattr(obj, "__objclass__", None)
    module = getattr(obj, "__module__", None) or getattr(owner, "__module__", None) or ""
    return module.startswith("torch") or "torch" in repr(owner)


def _call_method(cls: type) -> Callable[..., Any] | None:
    """What an instance runs when called: `forward` of a torch Module, `construct` of a MindSpore Cell."""
    if issubclass(cls, torch.nn.Module):
        return cls.forward
    if issubclass(cls, mindspore.nn.Cell):
        return cls.construct
    return None


def describe(qualname: str) -> dict[str, Any]:
    """Everything the mapping data checks about one API name."""
    package = uninstalled_torch_package(qualname)
    if package:
        return {"exists": None, "missing": f"{package} is not installed"}
    obj, why_missing = resolve(qualname)
    if obj is MISSING:
        record: dict[str, Any] = {"exists": False, "missing": why_missing}
        replacement = did_you_mean(qualname)
        if replacement:
            record["did_you_mean"] = replacement
        return record
    parent, _ = resolve(qualname.rpartition(".")[0])
    short_name = qualname.rpartition(".")[2]
    record = {"exists": True}
    if inspect.ismodule(obj):
        record["kind"] = "module"
        return record
    if isinstance(obj, property) or type(obj).__name__ == "getset_descriptor":
        record["kind"] = "property"
        return record
    if inspect.isclass(obj):
        record["kind"] = "class"
        record["signatures"], record["signature_source"] = callable_signatures(obj, short_name, is_method=False)
        call = _call_method(obj)
        if call is not None:
            call_params = _from_inspect(call, drop_self=True)
            record["call_signatures"] = [format_signature(call_params)] if call_params is not None else []
        return record
    if not callable(obj):
        record["kind"] = "value"
        return record
    is_method = inspect.isclass(parent)
    record["kind"] = "method" if is_method else "function"
    record["signatures"], record["signature_source"] = callable_signatures(obj, short_name, is_method)
    return record


# ---------------------------------------------------------------------------------------------- names


def curated_api_names() -> set[str]:
    with CURATED_PATH.open("rb") as handle:
        curated = tomllib.load(handle)
    names: set[str] = set()
    for table in curated.values():
        for row in table:
            names.update(value for key, value in row.items() if key in ("torch", "mindspore") and value)
    return names


def api_names() -> tuple[set[str], set[str]]:
    """(torch API names, MindSpore API names) that the mapping data names."""
    torch_names: set[str] = set()
    mindspore_names: set[str] = set()
    for table in (CURRENT_TABLE, LEGACY_TABLE, PARAM_DIFFS):
        for row in read_tsv(table):
            if row["torch_api"]:
                torch_names.add(row["torch_api"])
            mindspore_names.add(row["mindspore_api"])
    for name in curated_api_names():
        (torch_names if name.startswith("torch") else mindspore_names).add(name)
    return torch_names, mindspore_names


def current_mint_targets() -> dict[str, str]:
    return {
        row["torch_api"]: row["mindspore_api"]
        for row in read_tsv(CURRENT_TABLE)
        if row["torch_api"] and row["mindspore_api"].startswith("mindspore.mint.")
    }


# ---------------------------------------------------------------------------------------------- CPU probes

# Calls for mint APIs that the generic probe cannot build (constructor arguments, integer inputs, shapes).
# Names: `f` the API, `x` float32 (2, 3), `x1` float32 (6,), `x3` float32 (1, 2, 6), `x4` float32 (1, 2, 4, 4),
# `x5` float32 (1, 2, 2, 4, 4), `i` int64 (2, 3), `b` bool (2, 3), `pool_indices` int64 (1, 2, 2, 2) (where a
# 2x2 max pool of a 4x4 plane picks), `ms`, `mint`, `np`.
PROBE_CALLS: dict[str, str] = {
    "mindspore.mint.nn.Conv1d": "f(2, 2, 3)(x3)",
    "mindspore.mint.nn.Conv2d": "f(2, 2, 3)(x4)",
    "mindspore.mint.nn.Conv3d": "f(2, 2, 1)(x5)",
    "mindspore.mint.nn.ConvTranspose2d": "f(2, 2, 3)(x4)",
    "mindspore.mint.nn.BatchNorm1d": "f(2)(x3)",
    "mindspore.mint.nn.BatchNorm2d": "f(2)(x4)",
    "mindspore.mint.nn.BatchNorm3d": "f(2)(x5)",
    "mindspore.mint.nn.SyncBatchNorm": "f(2)(x4)",
    "mindspore.mint.nn.GroupNorm": "f(1, 2)(x4)",
    "mindspore.mint.nn.LayerNorm": "f(4)(x4)",
    "mindspore.mint.nn.Linear": "f(3, 2)(x)",
    "mindspore.mint.nn.Embedding": "f(10, 3)(i)",
    "mindspore.mint.nn.Identity": "f()(x)",
    "mindspore.mint.nn.Flatten": "f()(x4)",
    "mindspore.mint.nn.Unfold": "f(2)(x4)",
    "mindspore.mint.nn.Fold": "f((3, 3), 2)(ms.Tensor(np.ones((1, 8, 4), np.float32)))",
    "mindspore.mint.nn.Upsample": "f(scale_factor=2.0)(x4)",
    "mindspore.mint.nn.PixelShuffle": "f(2)(ms.Tensor(np.ones((1, 4, 2, 2), np.float32)))",
    "mindspore.mint.nn.MaxPool2d": "f(2)(x4)",
    "mindspore.mint.nn.AvgPool2d": "f(2)(x4)",
    "mindspore.mint.nn.AdaptiveAvgPool1d": "f(2)(x3)",
    "mindspore.mint.nn.AdaptiveAvgPool2d": "f(2)(x4)",
    "mindspore.mint.nn.AdaptiveAvgPool3d": "f(2)(x5)",
    "mindspore.mint.nn.AdaptiveMaxPool1d": "f(2)(x3)",
    "mindspore.mint.nn.AdaptiveMaxPool2d": "f(2)(x4)",
    "mindspore.mint.nn.ZeroPad2d": "f(1)(x4)",
    "mindspore.mint.nn.ConstantPad1d": "f(1, 0.0)(x3)",
    "mindspore.mint.nn.ConstantPad2d": "f(1, 0.0)(x4)",
    "mindspore.mint.nn.ConstantPad3d": "f(1, 0.0)(x5)",
    "mindspore.mint.nn.ReflectionPad1d": "f(1)(x3)",
    "mindspore.mint.nn.ReflectionPad2d": "f(1)(x4)",
    "mindspore.mint.nn.ReflectionPad3d": "f(1)(x5)",
    "mindspore.mint.nn.ReplicationPad1d": "f(1)(x3)",
    "mindspore.mint.nn.ReplicationPad2d": "f(1)(x4)",
    "mindspore.mint.nn.ReplicationPad3d": "f(1)(x5)",
    "mindspore.mint.nn.CrossEntropyLoss": "f()(x, ms.Tensor(np.array([0, 2], np.int64)))",
    "mindspore.mint.nn.NLLLoss": "f()(x, ms.Tensor(np.array([0, 2], np.int64)))",
    "mindspore.mint.nn.BCELoss": "f()(x / 2, x / 2)",
    "mindspore.mint.nn.BCEWithLogitsLoss": "f()(x, x / 2)",
    "mindspore.mint.nn.KLDivLoss": "f()(x, x)",
    "mindspore.mint.nn.L1Loss": "f()(x, x)",
    "mindspore.mint.nn.MSELoss": "f()(x, x)",
    "mindspore.mint.nn.SmoothL1Loss": "f()(x, x)",
    "mindspore.mint.nn.functional.conv1d": "f(x3, ms.Tensor(np.ones((2, 2, 3), np.float32)))",
    "mindspore.mint.nn.functional.conv2d": "f(x4, ms.Tensor(np.ones((2, 2, 3, 3), np.float32)))",
    "mindspore.mint.nn.functional.conv3d": "f(x5, ms.Tensor(np.ones((2, 2, 1, 1, 1), np.float32)))",
    "mindspore.mint.nn.functional.conv_transpose2d": "f(x4, ms.Tensor(np.ones((2, 2, 3, 3), np.float32)))",
    "mindspore.mint.nn.functional.batch_norm": "f(x4, ms.Tensor(np.zeros(2, np.float32)), "
    "ms.Tensor(np.ones(2, np.float32)))",
    "mindspore.mint.nn.functional.group_norm": "f(x4, 1)",
    "mindspore.mint.nn.functional.layer_norm": "f(x4, (4,))",
    "mindspore.mint.nn.functional.linear": "f(x, ms.Tensor(np.ones((2, 3), np.float32)))",
    "mindspore.mint.nn.functional.embedding": "f(i, ms.Tensor(np.ones((10, 3), np.float32)))",
    "mindspore.mint.nn.functional.one_hot": "f(i, 10)",
    "mindspore.mint.nn.functional.cross_entropy": "f(x, ms.Tensor(np.array([0, 2], np.int64)))",
    "mindspore.mint.nn.functional.nll_loss": "f(x, ms.Tensor(np.array([0, 2], np.int64)))",
    "mindspore.mint.nn.functional.binary_cross_entropy": "f(x / 2, x / 2)",
    "mindspore.mint.nn.functional.max_pool2d": "f(x4, 2)",
    "mindspore.mint.nn.functional.avg_pool1d": "f(x3, 2)",
    "mindspore.mint.nn.functional.avg_pool2d": "f(x4, 2)",
    "mindspore.mint.nn.functional.avg_pool3d": "f(x5, 2)",
    "mindspore.mint.nn.functional.adaptive_avg_pool1d": "f(x3, 2)",
    "mindspore.mint.nn.functional.adaptive_avg_pool2d": "f(x4, 2)",
    "mindspore.mint.nn.functional.adaptive_avg_pool3d": "f(x5, 2)",
    "mindspore.mint.nn.functional.adaptive_max_pool1d": "f(x3, 2)",
    "mindspore.mint.nn.functional.adaptive_max_pool2d": "f(x4, 2)",
    "mindspore.mint.nn.functional.interpolate": "f(x4, scale_factor=2.0)",
    "mindspore.mint.nn.functional.grid_sample": "f(x4, ms.Tensor(np.zeros((1, 2, 2, 2), np.float32)))",
    "mindspore.mint.nn.functional.pad": "f(x4, (1, 1))",
    "mindspore.mint.nn.functional.unfold": "f(x4, 2)",
    "mindspore.mint.nn.functional.fold": "f(ms.Tensor(np.ones((1, 8, 4), np.float32)), (3, 3), 2)",
    "mindspore.mint.nn.functional.pixel_shuffle": "f(ms.Tensor(np.ones((1, 4, 2, 2), np.float32)), 2)",
    "mindspore.mint.nn.functional.normalize": "f(x)",
    "mindspore.mint.gather": "f(x, 1, ms.Tensor(np.zeros((2, 3), np.int64)))",
    "mindspore.mint.index_select": "f(x, 0, ms.Tensor(np.array([0], np.int64)))",
    "mindspore.mint.scatter": "f(x, 1, ms.Tensor(np.zeros((2, 3), np.int64)), x)",
    "mindspore.mint.scatter_add": "f(x, 1, ms.Tensor(np.zeros((2, 3), np.int64)), x)",
    "mindspore.mint.bincount": "f(ms.Tensor(np.array([0, 1, 1], np.int64)))",
    "mindspore.mint.bitwise_and": "f(i, i)",
    "mindspore.mint.bitwise_or": "f(i, i)",
    "mindspore.mint.bitwise_xor": "f(i, i)",
    "mindspore.mint.logical_and": "f(b, b)",
    "mindspore.mint.logical_or": "f(b, b)",
    "mindspore.mint.logical_xor": "f(b, b)",
    "mindspore.mint.logical_not": "f(b)",
    "mindspore.mint.masked_select": "f(x, b)",
    "mindspore.mint.where": "f(b, x, x)",
    "mindspore.mint.cat": "f((x, x))",
    "mindspore.mint.concat": "f((x, x))",
    "mindspore.mint.stack": "f((x, x))",
    "mindspore.mint.broadcast_to": "f(x, (2, 2, 3))",
    "mindspore.mint.reshape": "f(x, (3, 2))",
    "mindspore.mint.tile": "f(x, (2,))",
    "mindspore.mint.permute": "f(x, (1, 0))",
    "mindspore.mint.transpose": "f(x, 0, 1)",
    "mindspore.mint.narrow": "f(x, 0, 0, 1)",
    "mindspore.mint.split": "f(x, 1)",
    "mindspore.mint.chunk": "f(x, 2)",
    "mindspore.mint.meshgrid": "f(x1, x1)",
    "mindspore.mint.zeros": "f((2, 3))",
    "mindspore.mint.ones": "f((2, 3))",
    "mindspore.mint.full": "f((2, 3), 1.0)",
    "mindspore.mint.empty": "f((2, 3))",
    "mindspore.mint.eye": "f(3)",
    "mindspore.mint.arange": "f(5)",
    "mindspore.mint.linspace": "f(0.0, 1.0, 5)",
    "mindspore.mint.rand": "f((2, 3))",
    "mindspore.mint.randn": "f((2, 3))",
    "mindspore.mint.randint": "f(0, 5, (2, 3))",
    "mindspore.mint.randperm": "f(5)",
    "mindspore.mint.multinomial": "f(x, 2)",
    "mindspore.mint.normal": "f(x, x)",
    "mindspore.mint.bernoulli": "f(x / 2)",
    "mindspore.mint.repeat_interleave": "f(x, 2)",
    "mindspore.mint.searchsorted": "f(ms.Tensor(np.array([1.0, 2.0, 3.0], np.float32)), x)",
    "mindspore.mint.bucketize": "f(x, ms.Tensor(np.array([0.2, 0.5], np.float32)))",
    "mindspore.mint.histc": "f(x1)",
    "mindspore.mint.einsum": "f('ij->ji', x)",
    "mindspore.mint.matmul": "f(x, ms.Tensor(np.ones((3, 2), np.float32)))",
    "mindspore.mint.mm": "f(x, ms.Tensor(np.ones((3, 2), np.float32)))",
    "mindspore.mint.bmm": "f(x3, ms.Tensor(np.ones((1, 6, 2), np.float32)))",
    "mindspore.mint.baddbmm": "f(ms.Tensor(np.ones((1, 2, 2), np.float32)), x3, "
    "ms.Tensor(np.ones((1, 6, 2), np.float32)))",
    "mindspore.mint.addmm": "f(ms.Tensor(np.ones((2, 2), np.float32)), x, ms.Tensor(np.ones((3, 2), np.float32)))",
    "mindspore.mint.outer": "f(x1, x1)",
    "mindspore.mint.dot": "f(x1, x1)",
    "mindspore.mint.cross": "f(ms.Tensor(np.ones((2, 3), np.float32)), x)",
    "mindspore.mint.cdist": "f(x, x)",
    "mindspore.mint.tril": "f(x)",
    "mindspore.mint.triu": "f(x)",
    "mindspore.mint.diag": "f(x1)",
    "mindspore.mint.flip": "f(x, (0,))",
    "mindspore.mint.roll": "f(x, 1)",
    "mindspore.mint.topk": "f(x, 2)",
    "mindspore.mint.kthvalue": "f(x, 1)",
    "mindspore.mint.sort": "f(x)",
    "mindspore.mint.argsort": "f(x)",
    "mindspore.mint.unique": "f(x)",
    "mindspore.mint.unique_consecutive": "f(x)",
    "mindspore.mint.nonzero": "f(x)",
    "mindspore.mint.clamp": "f(x, 0.2, 0.6)",
    "mindspore.mint.lerp": "f(x, x, 0.5)",
    "mindspore.mint.pow": "f(x, 2.0)",
    "mindspore.mint.polar": "f(x, x)",
    "mindspore.mint.trace": "f(x)",
    "mindspore.mint.linalg.norm": "f(x)",
    "mindspore.mint.linalg.vector_norm": "f(x)",
    "mindspore.mint.linalg.matrix_norm": "f(x)",
    "mindspore.mint.linalg.inv": "f(ms.Tensor(np.eye(3, dtype=np.float32)))",
    "mindspore.mint.linalg.qr": "f(x)",
    "mindspore.mint.addbmm": "f(ms.Tensor(np.ones((6, 2), np.float32)), x3.reshape(2, 1, 6), "
    "ms.Tensor(np.ones((2, 6, 2), np.float32)))",
    "mindspore.mint.gcd": "f(i, i)",
    "mindspore.mint.mv": "f(x, ms.Tensor(np.ones(3, np.float32)))",
    "mindspore.mint.dstack": "f((x, x))",
    "mindspore.mint.hstack": "f((x, x))",
    "mindspore.mint.vstack": "f((x, x))",
    "mindspore.mint.isclose": "f(x, x)",
    "mindspore.mint.inverse": "f(ms.Tensor(np.eye(3, dtype=np.float32)))",
    "mindspore.mint.randint_like": "f(x, 0, 5)",
    "mindspore.mint.nn.functional.prelu": "f(x, ms.Tensor(np.array([0.25], np.float32)))",
    "mindspore.mint.nn.functional.upsample": "f(x4, scale_factor=2.0)",
    "mindspore.mint.nn.Threshold": "f(0.3, 0.0)(x)",
    "mindspore.mint.nn.ZeroPad1d": "f(1)(x3)",
    "mindspore.mint.nn.ZeroPad3d": "f(1)(x5)",
    "mindspore.mint.nn.MaxUnpool2d": "f(2)(ms.Tensor(np.ones((1, 2, 2, 2), np.float32)), pool_indices)",
    "mindspore.mint.nn.functional.max_unpool2d": "f(ms.Tensor(np.ones((1, 2, 2, 2), np.float32)), pool_indices, 2)",
    "mindspore.mint.addmv": "f(ms.Tensor(np.ones(2, np.float32)), x, ms.Tensor(np.ones(3, np.float32)))",
    "mindspore.mint.nn.AvgPool3d": "f(2)(x5)",
    "mindspore.mint.nn.CosineEmbeddingLoss": "f()(x, x, ms.Tensor(np.array([1.0, -1.0], np.float32)))",
    "mindspore.mint.nn.functional.glu": "f(ms.Tensor(np.ones((2, 4), np.float32)))",
}

# Namespaces whose APIs a tensor call cannot probe.
NOT_PROBED = {
    "mindspore.mint.distributed.": "not probed: needs an initialised process group",
    "mindspore.mint.optim.": "not probed: an optimizer runs the kernels of its update ops",
}


def probe_tensors() -> dict[str, Any]:
    base = np.arange(1, 7, dtype=np.float32) / 10
    return {
        "x": mindspore.Tensor(base.reshape(2, 3)),
        "x1": mindspore.Tensor(base),
        "x3": mindspore.Tensor(np.tile(base, 2).reshape(1, 2, 6)),
        "x4": mindspore.Tensor(np.tile(base[:4], 8).reshape(1, 2, 4, 4)),
        "x5": mindspore.Tensor(np.tile(base[:4], 16).reshape(1, 2, 2, 4, 4)),
        "i": mindspore.Tensor(np.array([[0, 1, 2], [3, 4, 5]], np.int64)),
        "b": mindspore.Tensor(np.array([[True, False, True], [False, True, False]])),
        "pool_indices": mindspore.Tensor(np.tile(np.array([0, 3, 8, 11], np.int64).reshape(1, 1, 2, 2), (1, 2, 1, 1))),
    }


def _synchronise(value: Any) -> None:
    """Wait for the result: PyNative launches kernels asynchronously, so a missing kernel surfaces here."""
    if isinstance(value, mindspore.Tensor):
        value.asnumpy()
    elif isinstance(value, tuple | list):
        for item in value:
            _synchronise(item)


# How MindSpore 2.10 says that CPU cannot run an op (seen while probing): no kernel registered, a kernel that
# cannot be built for CPU, a Python-level refusal, or a CPU kernel without this code path.
_NO_KERNEL = re.compile(
    r"kernel \S+ unregistered|Create kernelmod for op \S+ failed|only supports? Ascend|Not implement exception"
    r"|Not found op \S+ on device CPU|not support(?:ed)? (?:on|in) CPU|Unsupported op .* on CPU",
    re.I,
)


def _first_line(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return text.splitlines()[0][:200]


def _run_probe(obj: Any, attempts: list[str], namespace: dict[str, Any]) -> tuple[bool | None, str]:
    errors: list[str] = []
    for call in attempts:
        try:
            _synchronise(eval(call, {**namespace, "f": obj}))
        except Exception as error:  # any failure of a probe call is an observation, not a crash
            if _NO_KERNEL.search(str(error)):
                return False, _first_line(error)
            errors.append(f"{call}: {_first_line(error)}")
            continue
        return True, call
    return None, "; ".join(errors)[:400]


def probe_cpu(qualname: str, obj: Any, tensors: dict[str, Any]) -> tuple[bool | None, str]:
    """Does this mint API run on CPU? (True, the call) / (False, the kernel error) / (None, why not known).

    A Cell is probed in training mode (`set_train()`), the mode a port trains in: some Cells run a
    different kernel, or none, in inference mode (mint.nn.Dropout is the identity there).
    """
    for prefix, reason in NOT_PROBED.items():
        if qualname.startswith(prefix):
            return None, reason
    namespace = {**tensors, "ms": mindspore, "mint": mindspore.mint, "np": np}
    if qualname in PROBE_CALLS:
        attempts = [PROBE_CALLS[qualname]]
    elif inspect.isclass(obj):
        attempts = ["f()(x)", "f()(x, x)", "f(2)(x)"]
    else:
        attempts = ["f(x)", "f(x, x)", "f(x, 1)", "f(x, x, x)", "f(x, 0, 1)"]
    if not (inspect.isclass(obj) and issubclass(obj, mindspore.nn.Cell)):
        return _run_probe(obj, attempts, namespace)

    def training_instance(*args: Any, **kwargs: Any) -> Any:
        cell = obj(*args, **kwargs)
        cell.set_train(True)
        return cell

    runs, note = _run_probe(training_instance, attempts, namespace)
    if runs is False:
        runs_in_inference, _ = _run_probe(obj, attempts, namespace)
        if runs_in_inference:
            note += " (in training mode; inference mode runs)"
    return runs, note


# ---------------------------------------------------------------------------------------------- main


def prepare_runtime() -> None:
    """CPU, and synchronous launches: otherwise a missing kernel is reported by whichever op runs next."""
    mindspore.set_device("CPU")
    mindspore.runtime.launch_blocking()


def introspect(previous: dict[str, Any] | None, run_probes: bool) -> dict[str, Any]:
    torch_names, mindspore_names = api_names()
    mint_targets = current_mint_targets()
    candidates: dict[str, str] = {}
    for torch_api in sorted(torch_names):
        namesake = mint_namesake(torch_api)
        if torch_api in mint_targets or namesake is None:
            continue
        obj, _ = resolve(namesake)
        if obj is not MISSING:
            candidates[torch_api] = namesake
    names = torch_names | mindspore_names | set(candidates.values())
    apis: dict[str, Any] = {}
    for name in sorted(names):
        record = describe(name)
        if record.get("did_you_mean"):
            names_to_add = record["did_you_mean"]
            if names_to_add not in names:
                apis[names_to_add] = describe(names_to_add)
        apis[name] = record
    probe_names = sorted(name for name in apis if name.startswith("mindspore.mint.") and apis[name].get("exists"))
    previous_apis = (previous or {}).get("apis", {})
    tensors = probe_tensors() if run_probes else {}
    for name in probe_names:
        if apis[name].get("kind") == "module":
            continue
        if run_probes:
            obj, _ = resolve(name)
            apis[name]["cpu"], apis[name]["cpu_probe"] = probe_cpu(name, obj, tensors)
        elif "cpu" in previous_apis.get(name, {}):
            apis[name]["cpu"] = previous_apis[name]["cpu"]
            apis[name]["cpu_probe"] = previous_apis[name]["cpu_probe"]
    return {
        "generated_by": "python -m tools.introspect_signatures",
        "versions": {
            "mindspore": mindspore.__version__,
            "torch": torch.__version__.split("+", 1)[0],
        },
        "mint_namesakes": candidates,
        "apis": apis,
    }


def summarise(data: dict[str, Any]) -> Iterable[str]:
    apis = data["apis"].values()
    sources: dict[str, int] = {}
    for record in apis:
        if record.get("exists"):
            source = record.get("signature_source", record.get("kind", "?"))
            sources[source] = sources.get(source, 0) + 1
    yield f"APIs described: {len(data['apis'])}"
    existence = Counter(record.get("exists") for record in apis)
    yield f"  exist: {existence[True]}, missing: {existence[False]}"
    yield f"  not checkable (package not installed): {existence[None]}"
    yield "  signature sources: " + ", ".join(f"{key} {value}" for key, value in sorted(sources.items()))
    probes = [record["cpu"] for record in apis if "cpu" in record]
    yield (
        f"mint CPU probes: {len(probes)} (runs on CPU {probes.count(True)}, no CPU kernel {probes.count(False)}, "
        f"unknown {probes.count(None)})"
    )
    yield f"mint namesakes of torch APIs the current table does not map: {len(data['mint_namesakes'])}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-probe", action="store_true", help="keep the recorded mint CPU probe results")
    parser.add_argument(
        "--signatures-only", action="store_true", help="do not rebuild the entries (python -m tools.build_mappings)"
    )
    args = parser.parse_args(argv)
    previous = json.loads(SIGNATURES_PATH.read_text(encoding="utf-8")) if SIGNATURES_PATH.exists() else None
    started = time.perf_counter()
    prepare_runtime()
    data = introspect(previous, run_probes=not args.no_probe)
    SIGNATURES_PATH.write_text(dump_json(data), encoding="utf-8")
    for line in summarise(data):
        print(line)
    introspect_namespaces.main([])
    print(f"wrote {SIGNATURES_PATH} in {time.perf_counter() - started:.1f} s")
    if args.signatures_only:
        return 0
    print()
    return build_mappings.main([])


if __name__ == "__main__":
    sys.exit(main())
