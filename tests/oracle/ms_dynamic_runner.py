"""Runs dynamic-shape examples through real MindSpore in GRAPH_MODE and prints their output shapes, as JSON.

Usage: python ms_dynamic_runner.py [--levels strict,lax] FILE...

An example is a class (an nn.Cell built with no arguments) or a module-level function decorated with
`mindspore.jit`, whose docstring has a line `shape: <claim>`. Each is compiled in GRAPH_MODE at each
level and called on two inputs of the same shape whose data differ; the runner records, per call, the
shapes of the outputs and their values (flattened), or the error if it does not compile or run.

Inputs: the class attribute `oracle_inputs` (two tuples of numpy arrays), else one float32 array per
shape in `oracle_input_shapes` (default `[(2, 3)]`) with the values ms_runner.py uses.

A docstring line `probe: NAME` on a Cell example also records the shape of the local `NAME` of its
`construct`: a copy of the class returns `(result, NAME)` instead of `result`, so that a size that a
reduction hides (a top-k mean) can be seen.

This file runs in a subprocess only: the test process never imports mindspore.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import inspect
import json
import os
import re
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

os.environ.setdefault("GLOG_v", "3")  # MindSpore's C++ logging: errors only

import mindspore as ms
import numpy as np

CLAIM = re.compile(r"^\s*shape:\s*(?P<claim>\S+)", re.MULTILINE)
PROBE = re.compile(r"^\s*probe:\s*(?P<name>\w+)", re.MULTILINE)
LEVELS = {"strict": ms.STRICT, "lax": ms.LAX}


def example_inputs(example: Any) -> tuple[list[Any], list[Any]]:
    given = getattr(example, "oracle_inputs", None)
    if given is not None:
        first, second = given
        return [ms.Tensor(array) for array in first], [ms.Tensor(array) for array in second]
    shapes = getattr(example, "oracle_input_shapes", [(2, 3)])
    first = [ms.Tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape) / 7 + 0.5) for shape in shapes]
    second = [ms.Tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape) * -0.3 + 2.0) for shape in shapes]
    return first, second


def outputs(value: Any) -> list[Any]:
    """The output as a list of tensors/numbers (a single tensor is a list of one)."""
    if isinstance(value, tuple | list):
        return [item for element in value for item in outputs(element)]
    return [value]


def shape_of(value: Any) -> list[int]:
    return list(value.shape) if isinstance(value, ms.Tensor) else list(np.shape(value))


def values_of(value: Any) -> list[float]:
    array = value.asnumpy() if isinstance(value, ms.Tensor) else np.asarray(value)
    return np.round(array.astype(np.float64).ravel(), 6).tolist()


def short_error(error: BaseException) -> str:
    lines = [line for line in f"{type(error).__name__}: {error}".splitlines() if line.strip()]
    return " | ".join(lines[:2])[:400]


def load(path: str, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def examples_of(module: Any) -> list[tuple[str, Any, str]]:
    found = []
    for name, member in vars(module).items():
        if not (inspect.isclass(member) or callable(member)):
            continue
        if getattr(member, "__module__", None) != module.__name__ and not hasattr(member, "__wrapped__"):
            continue
        doc = inspect.getdoc(member) or ""
        match = CLAIM.search(doc)
        if match:
            found.append((name, member, doc))
    return found


def with_probe(path: str, class_name: str, probe: str, index: int) -> Any:
    """A copy of the example class whose `construct` also returns its local `probe`.

    MindSpore compiles `construct` from its source file, so the copy is written to a file (in the
    working directory, a temporary one) and imported from there.
    """
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    definition = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == class_name)
    function = next(item for item in definition.body if isinstance(item, ast.FunctionDef) and item.name == "construct")
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None:
            node.value = ast.Tuple([node.value, ast.Name(probe, ast.Load())], ast.Load())
    handle, probe_path = tempfile.mkstemp(suffix=".py", prefix="probe_", dir=os.getcwd())
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(ast.unparse(ast.fix_missing_locations(tree)))
    return getattr(load(probe_path, f"probe_{index}_{class_name}"), class_name)


def observe(make: Any, inputs: tuple[list[Any], list[Any]]) -> dict[str, Any]:
    try:
        function = make()
        results = [outputs(function(*arguments)) for arguments in inputs]
    except Exception as error:
        return {"error": short_error(error)}
    return {
        "shapes": [[shape_of(item) for item in result] for result in results],
        "values": [[values_of(item) for item in result] for result in results],
    }


def run_file(path: str, index: int, levels: list[str]) -> dict[str, Any]:
    module = load(path, f"dynamic_example_{index}")
    results: dict[str, Any] = {}
    for name, member, doc in examples_of(module):
        inputs = example_inputs(member)
        probe = PROBE.search(doc)
        entry: dict[str, Any] = {"claim": CLAIM.search(doc).group("claim"), "levels": {}}  # type: ignore[union-attr]
        for level in levels:
            ms.set_context(mode=ms.GRAPH_MODE, jit_syntax_level=LEVELS[level])
            make = member if inspect.isclass(member) else (lambda m=member: m)
            observed = observe(make, inputs)
            if probe is not None and "error" not in observed:
                probed = with_probe(path, name, probe.group("name"), index)
                probe_run = observe(probed, inputs)
                observed["probe"] = probe_run.get("shapes", probe_run.get("error"))
            entry["levels"][level] = observed
        results[name] = entry
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--levels", default="strict,lax")
    arguments = parser.parse_args()
    ms.set_device("CPU")
    try:
        results = {
            path: run_file(path, index, arguments.levels.split(",")) for index, path in enumerate(arguments.files)
        }
    except Exception:
        print(json.dumps({"runner_error": traceback.format_exc()}))
        return 3
    print("DYNAMIC-JSON " + json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
