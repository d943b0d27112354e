"""Run by test_construction.py in a subprocess: builds small models in both frameworks under the
construction recorder and prints, as JSON, what it recorded for each layer (file name, line, API, some
arguments), and whether the frameworks' constructors were restored afterwards."""

from __future__ import annotations

import copy
import json
import os
import sys

import mindspore
import torch
from mindspore import nn as ms_nn
from torch import nn as torch_nn

from msmigrate.equivalence.construction import (
    ConstructionRecorder,
    construction_of,
    mindspore_framework,
    torch_framework,
)


def make_norm(channels):  # a library-style helper: the layer's line is this one
    return torch_nn.BatchNorm2d(channels, eps=1e-3)


class TorchBlock(torch_nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch_nn.Conv2d(3, 4, 3, padding=1)  # line: torch conv
        self.norm = make_norm(4)
        self.attention = torch_nn.MultiheadAttention(4, 2)  # line: torch attention
        self.clones = torch_nn.ModuleList([copy.deepcopy(self.conv) for _ in range(2)])


class MyConv(ms_nn.Conv2d):
    def __init__(self, channels):
        super().__init__(channels, channels, 3, pad_mode="pad", padding=1)


class MindSporeBlock(ms_nn.Cell):
    def __init__(self):
        super().__init__()
        self.conv = MyConv(4)  # line: mindspore subclass
        self.pool = ms_nn.MaxPool2d(3, 2, pad_mode="same")  # line: mindspore pool


def record(model, layers):
    found = {}
    for path, layer in layers(model):
        built = construction_of(layer)
        found[path or "<root>"] = (
            None
            if built is None
            else {
                "file": os.path.basename(built.file or ""),
                "line": built.line,
                "api": built.api,
                "arguments": {key: built.arguments.get(key) for key in ("eps", "padding", "pad_mode", "kernel_size")},
            }
        )
    return found


def main() -> None:
    mindspore.set_context(mode=mindspore.PYNATIVE_MODE)
    original_torch = torch_nn.Conv2d.__init__, torch_nn.Module.__init__
    original_mindspore = ms_nn.MaxPool2d.__init__, ms_nn.Cell.__init__
    with ConstructionRecorder(torch_framework()):
        torch_model = TorchBlock()
    with ConstructionRecorder(mindspore_framework()):
        mindspore_model = MindSporeBlock()
    json.dump(
        {
            "torch": record(torch_model, lambda m: m.named_modules()),
            "mindspore": record(mindspore_model, lambda m: m.cells_and_names()),
            "restored": (torch_nn.Conv2d.__init__, torch_nn.Module.__init__) == original_torch
            and (ms_nn.MaxPool2d.__init__, ms_nn.Cell.__init__) == original_mindspore,
            "torch_version": torch.__version__,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
