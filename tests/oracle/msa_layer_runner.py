"""Runs PyTorch layers and their MindSpore ports (Dropout, BatchNorm, Conv) side by side; prints one JSON line.

    python msa_layer_runner.py CASES.json

Each case: `{"id", "kind", "torch": expr, "mindspore": {variant: expr}, "input": shape}`; the names
`torch`, `ms`, `nn`, `mint`, `ops` are in scope. Per kind:

- `conv`: the MindSpore layer gets the torch layer's weight (reshaped: MindSpore's Conv1d weight has an
  extra axis) and bias, where it has one; both run on the same float32 input. Observed: output.
- `batchnorm`: both layers run two forwards in training mode (batches A and B), then one in inference
  mode (batch C). Observed: the B output, the running statistics after B, the C output.
- `dropout`: both layers run in training mode on 100,000 ones. Observed: the fraction zeroed, and the
  distinct values of the kept elements (1 / (1 - drop rate)).
- `training`: no expressions: what MindSpore does to a Cell's mode (construction, `value_and_grad`,
  `TrainOneStepCell`, `Model`), and what Dropout and BatchNorm do under `value_and_grad` in each mode.

A variant that raises reports `{"error": "ValueError: ..."}`. Run with cwd a temporary directory:
MindSpore writes `rank_0/` there.
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
ms.set_seed(0)
torch.manual_seed(0)

RNG = np.random.default_rng(0)
NAMES = {"torch": torch, "ms": ms, "nn": nn, "mint": mint, "ops": ops}
DROPOUT_ELEMENTS = (200, 500)


def as_list(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().double().numpy().tolist()
    if isinstance(value, ms.Tensor | ms.Parameter):
        return value.astype(ms.float64).asnumpy().tolist()
    raise TypeError(f"unexpected result {type(value).__name__}")


def error_of(error: Exception) -> dict[str, str]:
    first_line = next((line for line in str(error).splitlines() if line.strip()), "")
    return {"error": f"{type(error).__name__}: {first_line[:240]}"}


def each_variant(case: dict[str, Any], observe: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"torch": observe(eval(case["torch"], dict(NAMES)), "torch")}
    for variant, expression in case["mindspore"].items():
        try:
            result[variant] = observe(eval(expression, dict(NAMES)), "mindspore")
        except Exception as error:  # the error is the observation
            result[variant] = error_of(error)
    return result


def run_conv(case: dict[str, Any]) -> dict[str, Any]:
    data = RNG.standard_normal(case["input"]).astype(np.float32)
    reference: dict[str, torch.nn.Module] = {}

    def observe(layer: Any, side: str) -> Any:
        if side == "torch":
            reference["layer"] = layer
            return {"output": as_list(layer(torch.tensor(data)))}
        module = reference["layer"]
        layer.weight.set_data(ms.Tensor(module.weight.detach().numpy().reshape(layer.weight.shape)))
        has_bias = getattr(layer, "bias", None) is not None
        if has_bias and module.bias is not None:
            layer.bias.set_data(ms.Tensor(module.bias.detach().numpy()))
        return {"output": as_list(layer(ms.Tensor(data))), "has_bias": has_bias}

    return each_variant(case, observe)


def run_batchnorm(case: dict[str, Any]) -> dict[str, Any]:
    shape = case["input"]
    batches = [(RNG.standard_normal(shape) * 3 + 2).astype(np.float32) for _ in range(3)]

    def observe(layer: Any, side: str) -> Any:
        if side == "torch":
            layer.train()
            layer(torch.tensor(batches[0]))
            trained = layer(torch.tensor(batches[1]))
            stats = [layer.running_mean, layer.running_var] if layer.running_mean is not None else []
            layer.eval()
            evaluated = layer(torch.tensor(batches[2]))
        else:
            layer.set_train(True)
            layer(ms.Tensor(batches[0]))
            trained = layer(ms.Tensor(batches[1]))
            stats = [layer.moving_mean, layer.moving_variance]
            layer.set_train(False)
            evaluated = layer(ms.Tensor(batches[2]))
        return {"train": as_list(trained), "stats": [as_list(s) for s in stats], "eval": as_list(evaluated)}

    return each_variant(case, observe)


def run_dropout(case: dict[str, Any]) -> dict[str, Any]:
    def observe(layer: Any, side: str) -> Any:
        if side == "torch":
            layer.train()
            output = layer(torch.ones(DROPOUT_ELEMENTS)).numpy()
        else:
            layer.set_train(True)
            output = layer(ms.Tensor(np.ones(DROPOUT_ELEMENTS, np.float32))).asnumpy()
        kept = np.unique(np.round(output[output != 0], 4))
        return {"zeroed": float((output == 0).mean()), "kept_values": kept.tolist()}

    return each_variant(case, observe)


class _Net(nn.Cell):
    def __init__(self) -> None:
        super().__init__()
        self.scale = ms.Parameter(ms.Tensor(np.ones((64, 4), np.float32)), name="scale")
        self.norm = nn.BatchNorm1d(4)
        self.drop = nn.Dropout(p=0.5)

    def construct(self, x):
        # The gradient reaches `scale` through Dropout only: it is 0 exactly where Dropout dropped.
        return self.drop(x * self.scale) + self.norm(x)


def run_training(case: dict[str, Any]) -> dict[str, Any]:
    data = ms.Tensor((RNG.standard_normal((64, 4)) * 3 + 2).astype(np.float32))
    observed: dict[str, Any] = {}

    def grad_step(net: _Net) -> dict[str, Any]:
        gradient = ms.value_and_grad(lambda x: net(x).sum(), None, [net.scale])(data)[1][0].asnumpy()
        return {
            "training": net.training,
            "dropout_training": net.drop.training,
            "zero_gradients": float((gradient == 0).mean()),
            "moving_mean_changed": bool(np.any(net.norm.moving_mean.asnumpy() != 0)),
        }

    net = _Net()
    observed["after_construction"] = net.training
    observed["value_and_grad"] = grad_step(net)
    trained = _Net()
    trained.set_train()
    observed["value_and_grad_after_set_train"] = grad_step(trained)
    stepped = _Net()
    step = nn.TrainOneStepCell(nn.WithLossCell(stepped, nn.MSELoss()), nn.SGD(stepped.trainable_params(), 0.01))
    step(data, data)
    observed["train_one_step_cell_called"] = stepped.training
    modelled = _Net()
    ms.Model(modelled, nn.MSELoss(), nn.SGD(modelled.trainable_params(), 0.01))
    observed["model_with_optimizer"] = modelled.training
    observed["torch_module_after_construction"] = torch.nn.Dropout().training
    return observed


RUNNERS = {"conv": run_conv, "batchnorm": run_batchnorm, "dropout": run_dropout, "training": run_training}


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        cases = json.load(handle)
    print("ORACLE-JSON " + json.dumps({case["id"]: RUNNERS[case["kind"]](case) for case in cases}))


if __name__ == "__main__":
    main()
