"""Runs PyTorch expressions and their MindSpore ports on the same input; prints one JSON line.

    python msa_generic_runner.py CASES.json

Each case: `{"id", "kind": "call" | "layer", "torch": expr, "mindspore": {variant: expr}}`, where a
variant may also be `{"setup": statements, "expr": expr}` (the statements run first). A `call`
expression is evaluated as is; a `layer` expression builds a torch Module / MindSpore Cell, whose
parameters are copied from torch to MindSpore in order before both are applied to the input. Names:
`t` (torch) and `x` (MindSpore) hold the same float32 array of shape (3, 4, 5); `torch`, `ms`, `nn`,
`ops`, `mint`, `np`. A variant that raises reports `{"error": "TypeError: ..."}`.

Run with cwd a temporary directory: MindSpore writes `rank_0/` there.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import mindspore as ms
import numpy as np
import torch
from mindspore import mint, nn, ops

ms.set_context(mode=ms.PYNATIVE_MODE)
ms.set_device("CPU")

INPUT = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)


def arrays(value: Any) -> list[list[float]]:
    if isinstance(value, tuple | list):
        return [item for element in value for item in arrays(element)]
    if isinstance(value, torch.Tensor):
        return [value.detach().double().numpy().tolist()]
    if isinstance(value, ms.Tensor):
        return [value.astype(ms.float64).asnumpy().tolist()]
    raise TypeError(f"unexpected result {type(value).__name__}")


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    names = {"torch": torch, "ms": ms, "nn": nn, "ops": ops, "mint": mint, "np": np}
    t, x = torch.tensor(INPUT), ms.Tensor(INPUT)
    torch_value = eval(case["torch"], {**names, "t": t})
    result: dict[str, Any] = {}
    if case["kind"] == "layer":
        torch_layer = torch_value
        result["torch"] = arrays(torch_layer(t))
    else:
        result["torch"] = arrays(torch_value)
    for variant, spec in case["mindspore"].items():
        namespace = {**names, "x": x}
        try:
            expression = spec
            if isinstance(spec, dict):  # {"setup": statements run first (class definitions), "expr": ...}
                exec(spec["setup"], namespace)
                expression = spec["expr"]
            value = eval(expression, namespace)
            if case["kind"] == "layer":
                cell_parameters = list(value.get_parameters())
                module_parameters = list(torch_layer.parameters())
                assert len(cell_parameters) == len(module_parameters), "parameter counts differ"
                for cell_parameter, module_parameter in zip(cell_parameters, module_parameters, strict=True):
                    cell_parameter.set_data(ms.Tensor(module_parameter.detach().numpy()))
                value = value(x)
            result[variant] = arrays(value)
        except Exception as error:  # the error is the observation
            result[variant] = {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"}
    return result


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        cases = json.load(handle)
    print("ORACLE-JSON " + json.dumps({case["id"]: run_case(case) for case in cases}))


if __name__ == "__main__":
    main()
