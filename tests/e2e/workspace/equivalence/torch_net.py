"""The PyTorch original of `mindspore_net.py`: a small classifier head the port is checked against."""

import torch
from torch import nn


class TinyNet(nn.Module):
    def __init__(self, classes: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.act = nn.LeakyReLU()
        self.fc = nn.Linear(8, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.bn(self.conv(x)))
        return self.fc(x.mean(dim=(2, 3)))


def example_inputs() -> list[torch.Tensor]:
    return [torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))]
