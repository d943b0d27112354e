"""The MindSpore side of blocks_torch."""

from mindspore import nn


def conv_block(channels: int) -> nn.SequentialCell:
    return nn.SequentialCell([nn.Conv2d(3, channels, 3, pad_mode="pad", padding=1, has_bias=True), nn.ReLU()])
