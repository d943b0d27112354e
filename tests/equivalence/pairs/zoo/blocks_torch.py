"""Layers built by helper functions, as model zoos build them."""

from torch import nn


def conv_block(channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(3, channels, 3, padding=1), nn.ReLU())
