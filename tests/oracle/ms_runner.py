"""Runs the examples of one fixture file through real MindSpore and prints what happened, as JSON.

Usage: python ms_runner.py FIXTURE.py [--levels strict,lax]

An example is a class (an nn.Cell built with no arguments) or a module-level function decorated with
`mindspore.jit`, whose docstring has a line `oracle: strict=<verdict> lax=<verdict>`. For each example
and level the runner observes, on CPU:

- PyNative reference: two calls on the same input, one on different data, the input gradient;
- GRAPH_MODE at the level: the same calls and gradient.

and reduces the observations to one verdict:

    compile_error  the forward pass does not compile
    grad_error     the forward pass compiles, its gradient does not
    frozen_random  PyNative draws new values on each call; the graph returns the same values each call
    wrong_value    the graph computes other values than PyNative
    zero_grad      the output depends on the input, yet the graph's input gradient is all zeros
    wrong_grad     the graph's input gradient differs from PyNative's
    ok             compiles and agrees with PyNative

This file runs in a subprocess only: the test process never imports mindspore.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import os
import re
import sys
import traceback
from typing import Any

os.environ.setdefault("GLOG_v", "3")  # MindSpore's C++ logging: errors only

import mindspore as ms
import numpy as np

ORACLE_LINE = re.compile(r"oracle:\s*(?P<claims>.+)")
LEVELS = {"strict": ms.STRICT, "lax": ms.LAX}
RTOL, ATOL = 1e-5, 1e-6


def example_inputs(example: Any) -> tuple[list[Any], list[Any]]:
    shapes = getattr(example, "oracle_input_shapes", [(2, 3)])
    first = [ms.Tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape) / 7 + 0.5) for shape in shapes]
    second = [ms.Tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape) * -0.3 + 2.0) for shape in shapes]
    return first, second


def to_numpy(value: Any) -> Any:
    if isinstance(value, ms.Tensor):
        return value.asnumpy().astype(np.float64)
    if isinstance(value, tuple | list):
        return [to_numpy(item) for item in value]
    return np.asarray(value, dtype=np.float64)


def flat(value: Any) -> np.ndarray:
    if isinstance(value, list):
        parts = [flat(item) for item in value]
        return np.concatenate(parts) if parts else np.zeros(0)
    return np.asarray(value, dtype=np.float64).ravel()


def same(a: Any, b: Any) -> bool:
    fa, fb = flat(a), flat(b)
    return fa.shape == fb.shape and bool(np.allclose(fa, fb, rtol=RTOL, atol=ATOL))


def short_error(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    lines = [line for line in text.splitlines() if line.strip()]
    return " | ".join(lines[:3])[:600]


def observe(make_callable: Any, inputs: tuple[list[Any], list[Any]]) -> dict[str, Any]:
    """Forward twice on the same input, once on other data, then the gradient w.r.t. the inputs."""
    first, second = inputs
    observed: dict[str, Any] = {}
    try:
        function = make_callable()
        out_a = to_numpy(function(*first))
        out_b = to_numpy(function(*first))
        out_c = to_numpy(function(*second))
    except Exception as error:
        observed["forward_error"] = short_error(error)
        return observed
    observed.update(out_a=out_a, out_b=out_b, out_c=out_c)
    try:
        positions = tuple(range(len(first))) if len(first) > 1 else 0
        gradient = ms.grad(make_callable(), grad_position=positions)(*first)
        observed["grad"] = to_numpy(gradient)
    except Exception as error:
        observed["grad_error"] = short_error(error)
    return observed


def verdict(graph: dict[str, Any], pynative: dict[str, Any]) -> str:
    if "forward_error" in graph:
        return "compile_error"
    if "grad_error" in graph and "grad_error" not in pynative:
        return "grad_error"
    if "forward_error" in pynative:
        return "ok"  # nothing to compare against; the graph at least compiles
    pynative_random = not same(pynative["out_a"], pynative["out_b"])
    if pynative_random:
        return "frozen_random" if same(graph["out_a"], graph["out_b"]) else "ok"
    if not (same(graph["out_a"], pynative["out_a"]) and same(graph["out_c"], pynative["out_c"])):
        return "wrong_value"
    if "grad" in graph:
        depends_on_input = not same(graph["out_a"], graph["out_c"])
        if depends_on_input and not flat(graph["grad"]).any():
            return "zero_grad"
        if "grad" in pynative and not same(graph["grad"], pynative["grad"]):
            return "wrong_grad"
    return "ok"


def load_fixture(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("oracle_fixture", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["oracle_fixture"] = module
    spec.loader.exec_module(module)
    return module


def examples_of(module: Any) -> list[tuple[str, Any, dict[str, str]]]:
    found = []
    for name, member in vars(module).items():
        doc = inspect.getdoc(member) if (inspect.isclass(member) or callable(member)) else None
        if not doc or (getattr(member, "__module__", None) != module.__name__ and not hasattr(member, "__wrapped__")):
            continue
        match = ORACLE_LINE.search(doc)
        if match:
            claims = dict(part.split("=", 1) for part in match.group("claims").split())
            found.append((name, member, claims))
    return found


def as_json(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.round(6).tolist()
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    return value


def run(path: str, levels: list[str]) -> dict[str, Any]:
    module = load_fixture(path)
    results: dict[str, Any] = {}
    for name, member, claims in examples_of(module):
        inputs = example_inputs(member)
        if inspect.isclass(member):
            make_graph = make_pynative = member
        else:
            # A `@jit` function compiles in any mode; its undecorated body is the PyNative reference.
            plain = inspect.unwrap(member)
            make_graph, make_pynative = (lambda m=member: m), (lambda p=plain: p)
        ms.set_context(mode=ms.PYNATIVE_MODE)
        np.random.seed(0)
        pynative = observe(make_pynative, inputs)
        entry: dict[str, Any] = {"claims": claims, "pynative": pynative, "levels": {}}
        for level in levels:
            ms.set_context(mode=ms.GRAPH_MODE, jit_syntax_level=LEVELS[level])
            np.random.seed(0)
            graph = observe(make_graph, inputs)
            entry["levels"][level] = {"verdict": verdict(graph, pynative), "observed": graph}
        results[name] = entry
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("fixture")
    parser.add_argument("--levels", default="strict,lax")
    arguments = parser.parse_args()
    ms.set_device("CPU")
    try:
        results = run(arguments.fixture, arguments.levels.split(","))
    except Exception:
        print(json.dumps({"runner_error": traceback.format_exc()}))
        return 3
    print("ORACLE-JSON " + json.dumps(as_json(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
