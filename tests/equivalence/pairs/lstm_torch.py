"""A two-layer bidirectional LSTM tagger with an embedding, a LayerNorm and a linear head."""

import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, vocabulary: int = 20, width: int = 8, hidden: int = 16, tags: int = 5) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, width)
        self.lstm = nn.LSTM(width, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.norm = nn.LayerNorm(2 * hidden)
        self.head = nn.Linear(2 * hidden, tags)

    def forward(self, tokens):
        states, _ = self.lstm(self.embedding(tokens))
        return self.head(self.norm(states))


def example_inputs():
    return torch.randint(0, 20, (3, 7))
