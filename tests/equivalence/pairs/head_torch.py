"""A classifier whose head is initialised to zero (as torchvision's ViT does), with stochastic depth on its
residual branch (as torchvision's EfficientNet and ConvNeXt have)."""

import torch
from torch import nn


class StochasticDepth(nn.Module):
    """Drops the whole branch of a sample with probability `p` in training (torchvision's, in short)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = torch.empty((x.shape[0], 1), dtype=x.dtype).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p)


class ZeroHeadNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(8, 16)
        self.branch = nn.Linear(16, 16)
        self.drop_path = StochasticDepth(0.5)
        self.head = nn.Linear(16, 3)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x):
        hidden = torch.relu(self.body(x))
        hidden = hidden + self.drop_path(self.branch(hidden))
        return self.head(hidden)


def example_inputs():
    return (torch.randn(4, 8),)
