"""The MindSpore side of nets_torch: a faithful port, and one whose pooling pads 'same' with stride 2."""

from mindspore import nn

from .blocks_mindspore import conv_block


def small_net(channels: int = 8) -> nn.Cell:
    return nn.SequentialCell([conv_block(channels), nn.MaxPool2d(2, 2), nn.Flatten(), nn.Dense(channels * 16, 4)])


def same_padded_net(channels: int = 8) -> nn.Cell:
    return nn.SequentialCell(
        [conv_block(channels), nn.MaxPool2d(3, 2, pad_mode="same"), nn.Flatten(), nn.Dense(channels * 16, 4)]
    )
