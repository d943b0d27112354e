"""The seed example: a strided 3x3 convolution padded by one on every side."""

import torch
from torch import nn


class ConvNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.pool(self.relu(self.conv(x)))


class ConvNetNoBias(ConvNet):
    """Same as ConvNet; paired with a Cell that forgot `has_bias=True` (torch's conv bias has no partner)."""


def example_inputs():
    return (torch.randn(2, 3, 8, 8),)
