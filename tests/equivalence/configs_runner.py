"""Run by test_configs.py in a subprocess (it imports torch and mindspore): builds layer pairs in both
frameworks under the construction recorder and prints, as JSON, their configuration differences and what
the hyperparameter data names that the installed frameworks lack."""

from __future__ import annotations

import inspect
import json
import re
import sys

import mindspore
from mindspore import mint
from mindspore import nn as ms_nn
from torch import nn as torch_nn

from msmigrate.equivalence.configs import LayerSide, config_differences, readers
from msmigrate.equivalence.construction import (
    ConstructionRecorder,
    construction_of,
    mindspore_framework,
    torch_framework,
)

# name -> (torch layer, MindSpore layer, input shape)
PAIRS = {
    "pool_same_vs_padding": (
        lambda: torch_nn.MaxPool2d(3, 2, padding=1),
        lambda: ms_nn.MaxPool2d(3, 2, pad_mode="same"),
        [1, 4, 32, 32],
    ),
    "pool_ceil_mode": (lambda: torch_nn.MaxPool2d(3, 2, ceil_mode=True), lambda: ms_nn.MaxPool2d(3, 2), [1, 4, 29, 29]),
    "pool_equal": (
        lambda: torch_nn.MaxPool2d(3, 2, padding=1),
        lambda: ms_nn.MaxPool2d(3, 2, pad_mode="pad", padding=1),
        [1, 4, 32, 32],
    ),
    "avgpool_count_include_pad": (
        lambda: torch_nn.AvgPool2d(3, 1, padding=1, count_include_pad=False),
        lambda: ms_nn.AvgPool2d(3, 1, pad_mode="pad", padding=1),
        [1, 4, 8, 8],
    ),
    "conv_equal": (
        lambda: torch_nn.Conv2d(3, 4, 3, padding=1),
        lambda: ms_nn.Conv2d(3, 4, 3, pad_mode="pad", padding=1, has_bias=True),
        [1, 3, 8, 8],
    ),
    "conv_bias_default": (
        lambda: torch_nn.Conv2d(3, 4, 3, padding=1),
        lambda: ms_nn.Conv2d(3, 4, 3, pad_mode="pad", padding=1),
        [1, 3, 8, 8],
    ),
    "conv_same_stride_2": (
        lambda: torch_nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False),
        lambda: ms_nn.Conv2d(3, 4, 3, stride=2, pad_mode="same"),
        [1, 3, 8, 8],
    ),
    "conv_mint": (lambda: torch_nn.Conv2d(3, 4, 3), lambda: mint.nn.Conv2d(3, 4, 3), [1, 3, 8, 8]),
    "batchnorm_converted": (lambda: torch_nn.BatchNorm2d(4), lambda: ms_nn.BatchNorm2d(4, momentum=0.9), [2, 4, 3, 3]),
    "batchnorm_copied_momentum": (
        lambda: torch_nn.BatchNorm2d(4, momentum=0.1),
        lambda: ms_nn.BatchNorm2d(4, momentum=0.1),
        [2, 4, 3, 3],
    ),
    "gelu_default": (lambda: torch_nn.GELU(), lambda: ms_nn.GELU(), [2, 4]),
    "gelu_exact": (lambda: torch_nn.GELU(), lambda: ms_nn.GELU(approximate=False), [2, 4]),
    "layernorm_default": (lambda: torch_nn.LayerNorm(8), lambda: ms_nn.LayerNorm((8,)), [2, 8]),
    "leaky_relu_default": (lambda: torch_nn.LeakyReLU(), lambda: ms_nn.LeakyReLU(), [2, 4]),
    "dropout_converted": (lambda: torch_nn.Dropout(0.2), lambda: ms_nn.Dropout(keep_prob=0.8), [2, 4]),
    "dropout_as_keep_prob": (lambda: torch_nn.Dropout(0.2), lambda: ms_nn.Dropout(0.2), [2, 4]),
    "dense_default": (lambda: torch_nn.Linear(4, 3), lambda: ms_nn.Dense(4, 3), [2, 4]),
}


def built(make, framework):
    with ConstructionRecorder(framework):
        layer = make()
    return construction_of(layer)


def main() -> None:
    mindspore.set_context(mode=mindspore.PYNATIVE_MODE)
    differences = {}
    for name, (make_torch, make_mindspore, input_shape) in PAIRS.items():
        torch_built = built(make_torch, torch_framework())
        mindspore_built = built(make_mindspore, mindspore_framework())
        differences[name] = {
            "apis": [torch_built.api, mindspore_built.api],
            "differences": [
                [d.hyperparameter, d.torch_value, d.mindspore_value, d.note]
                for d in config_differences(
                    LayerSide(torch_built.api, torch_built.arguments, input_shape),
                    LayerSide(mindspore_built.api, mindspore_built.arguments, input_shape),
                )
            ],
        }
    problems = []
    namespaces = {"torch.nn": torch_nn, "mindspore.nn": ms_nn, "mindspore.mint.nn": mint.nn}
    for api, reader in readers().items():
        prefix, _, class_name = api.rpartition(".")
        cls = getattr(namespaces[prefix], class_name, None)
        if not isinstance(cls, type):
            problems.append(f"{api} does not exist")
            continue
        parameters = set(inspect.signature(cls.__init__).parameters)
        for hyperparameter, expression in reader.expressions.items():
            for argument in re.findall(r"[A-Za-z_]\w*", expression.partition("(")[2] or expression):
                if argument not in parameters:
                    problems.append(f"{api}: {hyperparameter} reads {argument!r}, not a constructor parameter")
    json.dump({"differences": differences, "problems": problems}, sys.stdout)


if __name__ == "__main__":
    main()
