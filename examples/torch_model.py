"""The original PyTorch model that `mindspore_model.py` ports: a small ResNet-style classifier.

Everything here is fine PyTorch. The habits it teaches (positional `Dropout(p)`, BatchNorm momentum,
`padding=1`, boolean indexing, numpy on the side) are what turn into problems in the port.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ModelConfig:
    num_classes: int = 10
    width: int = 16
    blocks: int = 2
    dropout: float = 0.2
    confidence: float = 0.9


class RunningStats:
    """Host-side summary of a batch of activations, kept for the training log."""

    def __init__(self, activations: torch.Tensor) -> None:
        self.mean = float(activations.mean())
        self.peak = float(activations.max())


class ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels, momentum=0.1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels, momentum=0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class SmallResNet(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, config.width, 3, padding=1)
        self.bn = nn.BatchNorm2d(config.width, momentum=0.1)
        self.blocks = nn.Sequential(*[ResidualBlock(config.width) for _ in range(config.blocks)])
        self.dropout = nn.Dropout(config.dropout)
        self.fc = nn.Linear(config.width, config.num_classes)
        self.lock = threading.Lock()
        self.history: list[RunningStats] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn(self.stem(x)))
        x = self.blocks(x)
        # Feature statistics for the training log, computed with numpy on the side.
        scale = np.mean(x.detach().numpy())
        peak = x.detach().numpy().max()
        with self.lock:
            self.history.append(RunningStats(x.detach()))
        try:
            x = x / (scale + peak)
        except ZeroDivisionError:
            pass
        # Light input-space noise as a regulariser.
        noise = torch.from_numpy(np.random.normal(size=x.shape)).float()
        x = x + 0.01 * noise * self.training
        # Channels in decreasing order of energy, for the attribution report.
        _order = sorted(range(x.shape[1]), key=lambda c: -float(x[:, c].detach().abs().sum()))
        x = x.mean(dim=(2, 3))
        # (batch, channels) -> (channels, batch) -> back: keeps the sample axis for the norm below.
        x = torch.transpose(x, 0, 1)
        x = F.normalize(x, dim=1)
        x = torch.transpose(x, 0, 1)
        return self.fc(self.dropout(x))

    @torch.no_grad()
    def renormalize_classifier(self) -> None:
        self.fc.weight.copy_(F.normalize(self.fc.weight, dim=1))


class ConfidentPredictions(nn.Module):
    """Keeps the predictions whose probability is above a threshold (pseudo-labelling)."""

    def __init__(self, threshold: float) -> None:
        super().__init__()
        self.threshold = threshold

    def forward(self, logits: torch.Tensor, labels: torch.Tensor):
        probs = F.softmax(logits, dim=-1)
        best, predicted = probs.max(dim=-1)
        confident = best > self.threshold
        kept_labels = torch.masked_select(labels, confident)
        kept_logits = logits[confident]
        positions = torch.nonzero(confident)
        k = int(confident.sum())
        top_scores, _ = torch.topk(best, k)
        return kept_logits, kept_labels, predicted[confident], positions, top_scores


def train_step(
    model: SmallResNet, optimizer: torch.optim.Optimizer, images: torch.Tensor, labels: torch.Tensor
) -> float:
    model.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


def main() -> None:
    torch.manual_seed(0)
    config = ModelConfig()
    model = SmallResNet(config)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    images = torch.randn(8, 3, 32, 32)
    labels = torch.randint(0, config.num_classes, (8,))
    for step in range(3):
        print(f"step {step}: loss {train_step(model, optimizer, images, labels):.4f}")
    model.eval()
    with torch.no_grad():
        kept_logits, *_ = ConfidentPredictions(config.confidence)(model(images), labels)
    print("confident predictions:", kept_logits.shape[0])


if __name__ == "__main__":
    main()
