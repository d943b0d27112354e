"""Runs MindSpore expressions and their PyTorch originals on the same inputs and prints what happened, as JSON.

Usage: python msa_default_runner.py CASES.json

CASES.json is a list of cases: `{"id", "mindspore", "torch", "inputs", "scale", "graph", "grad"}`.
`mindspore` and `torch` are expressions in the inputs `x` (and `y`) — `nn.MaxPool2d(3)(x)`,
`torch.nn.MaxPool2d(3)(x)` — with `ms`, `nn`, `ops`, `mint` (MindSpore) and `torch`, `F` (PyTorch) in
scope. Inputs are float32 standard-normal draws (seed 0) of the given shapes, times `scale`.

For each case the runner evaluates the MindSpore expression in PyNative mode, or, with `graph`, as the
return value of a Cell's `construct` compiled in GRAPH_MODE at STRICT and at LAX. It reports, per mode,
the exception (`error`: type and first line) or the output's shape and its largest absolute difference
from the PyTorch output (`max_abs_diff`, when the shapes agree). With `grad`, it also reports the median
ratio of MindSpore's input gradient (`mindspore.value_and_grad`) to PyTorch's (`backward` on the output).

This file runs in a subprocess only: the test process never imports mindspore or torch.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("GLOG_v", "3")  # MindSpore's C++ logging: errors only

import mindspore as ms
import numpy as np
import torch
from mindspore import mint, nn, ops

GRAPH_LEVELS = {"strict": ms.STRICT, "lax": ms.LAX}
MINDSPORE_NAMES = {"ms": ms, "nn": nn, "ops": ops, "mint": mint}
TORCH_NAMES = {"torch": torch, "F": torch.nn.functional}
INPUT_NAMES = ("x", "y")


def inputs_for(case: dict[str, Any]) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    scale = float(case.get("scale", 1.0))
    return [(rng.standard_normal(shape) * scale).astype(np.float32) for shape in case["inputs"]]


def first_output(value: Any) -> Any:
    """A layer with `return_indices=True` returns (values, indices); the values are compared."""
    return value[0] if isinstance(value, tuple | list) else value


def torch_output(case: dict[str, Any], arrays: list[np.ndarray]) -> tuple[np.ndarray | None, np.ndarray | None]:
    tensors = [torch.tensor(array, requires_grad=case.get("grad", False)) for array in arrays]
    output = first_output(eval(case["torch"], {**TORCH_NAMES, **dict(zip(INPUT_NAMES, tensors, strict=False))}))
    gradient = None
    if case.get("grad"):
        output.backward()
        gradient = tensors[0].grad.numpy()
    return output.detach().numpy(), gradient


def graph_module(case: dict[str, Any], index: int, directory: Path) -> Any:
    """A module with `Net`, whose `construct` returns the case's expression (graph mode reads its source)."""
    parameters = ", ".join(INPUT_NAMES[: len(case["inputs"])])
    source = (
        "import mindspore as ms\nfrom mindspore import mint, nn, ops\n\n\n"
        f"class Net(nn.Cell):\n    def construct(self, {parameters}):\n        return {case['mindspore']}\n"
    )
    path = directory / f"msa_default_case_{index}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def observe(run: Any, arrays: list[np.ndarray], expected: np.ndarray | None) -> dict[str, Any]:
    try:
        output = first_output(run(*[ms.Tensor(array) for array in arrays]))
    except Exception as error:  # what MindSpore raises is the observation
        return {"error": f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"}
    values = output.asnumpy()
    observed: dict[str, Any] = {"shape": list(values.shape)}
    if expected is not None and values.shape == expected.shape:
        observed["max_abs_diff"] = float(np.max(np.abs(values.astype(np.float64) - expected))) if values.size else 0.0
    return observed


def run_case(case: dict[str, Any], index: int, directory: Path) -> dict[str, Any]:
    arrays = inputs_for(case)
    expected, torch_gradient = torch_output(case, arrays)
    result: dict[str, Any] = {"id": case["id"], "torch_shape": list(expected.shape) if expected is not None else None}
    names = dict(zip(INPUT_NAMES, range(len(arrays)), strict=False))

    def pynative(*tensors: ms.Tensor) -> Any:
        return eval(case["mindspore"], {**MINDSPORE_NAMES, **{name: tensors[index] for name, index in names.items()}})

    if case.get("graph"):
        module = graph_module(case, index, directory)
        for level, value in GRAPH_LEVELS.items():
            ms.set_context(mode=ms.GRAPH_MODE, jit_syntax_level=value)
            result[level] = observe(module.Net(), arrays, expected)
        ms.set_context(mode=ms.PYNATIVE_MODE)
    else:
        ms.set_context(mode=ms.PYNATIVE_MODE)
        result["pynative"] = observe(pynative, arrays, expected)
        if case.get("grad") and "error" not in result["pynative"] and torch_gradient is not None:
            _, gradient = ms.value_and_grad(pynative)(*[ms.Tensor(array) for array in arrays])
            ratios = gradient.asnumpy() / torch_gradient
            result["grad_ratio"] = float(np.median(ratios[np.isfinite(ratios)]))
    return result


def main() -> None:
    cases = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as directory:
        sys.path.insert(0, directory)
        results = [run_case(case, index, Path(directory)) for index, case in enumerate(cases)]
    print("ORACLE-JSON " + json.dumps(results))


if __name__ == "__main__":
    main()
