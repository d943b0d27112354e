"""Networks made by factory functions, with a relative import."""

from torch import nn

from .blocks_torch import conv_block


def small_net(channels: int = 8) -> nn.Module:
    return nn.Sequential(conv_block(channels), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(channels * 16, 4))
