"""The PyTorch original of `mindspore_block.py`: a convolution block, checked against its port."""

import torch
from torch import nn


class ConvBlock(nn.Module):
    def __init__(self, channels: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.act = nn.LeakyReLU(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(x))


def example_inputs() -> list[torch.Tensor]:
    return [torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(0))]
