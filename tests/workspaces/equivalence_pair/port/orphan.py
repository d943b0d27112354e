"""A Cell with no PyTorch counterpart anywhere in the workspace."""

from mindspore import nn


class Orphan(nn.Cell):
    def construct(self, x):
        return x * 2
