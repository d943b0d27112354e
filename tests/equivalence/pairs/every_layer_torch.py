"""One network holding every layer whose weights MindSpore names, shapes or orders differently from torch:
BatchNorm (gamma/beta/moving statistics), LayerNorm, GroupNorm, PReLU (`w`), Embedding (`embedding_table`),
Conv1d (an extra kernel axis), LSTM and GRU (gates), BatchNorm3d (parameters under `bn2d`)."""

import numpy as np
import torch
from torch import nn


class EveryLayer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.group_conv = nn.Conv2d(4, 8, 1)
        self.group_norm = nn.GroupNorm(2, 8)
        self.embedding = nn.Embedding(7, 6)
        self.linear = nn.Linear(6, 8)
        self.layer_norm = nn.LayerNorm(8)
        self.prelu = nn.PReLU(5)  # one slope per token position (axis 1)
        self.conv1d = nn.Conv1d(6, 4, 3, padding=1)
        self.lstm = nn.LSTM(6, 5, batch_first=True)
        self.gru = nn.GRU(6, 5, batch_first=True)
        self.conv3d = nn.Conv3d(2, 3, 1)
        self.bn3d = nn.BatchNorm3d(3)

    def forward(self, image, tokens, sequence, volume):
        picture = torch.relu(self.bn(self.conv(image)))
        grouped = self.group_norm(self.group_conv(picture))
        embedded = self.embedding(tokens)
        words = self.prelu(self.layer_norm(self.linear(embedded)))
        convolved = self.conv1d(sequence.transpose(1, 2))
        long_short, _ = self.lstm(sequence)
        gated, _ = self.gru(sequence)
        volumes = self.bn3d(self.conv3d(volume))
        return grouped, words, convolved, long_short, gated, volumes


def example_inputs():
    generator = np.random.default_rng(3)
    return (
        torch.from_numpy(generator.standard_normal((2, 3, 6, 6)).astype(np.float32)),
        torch.from_numpy(generator.integers(0, 7, (2, 5))),
        torch.from_numpy(generator.standard_normal((2, 5, 6)).astype(np.float32)),
        torch.from_numpy(generator.standard_normal((2, 2, 3, 4, 4)).astype(np.float32)),
    )
