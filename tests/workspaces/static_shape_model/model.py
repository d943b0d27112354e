"""A small image classifier with an attention head, written for static shapes from the start.

Every shape here follows from the input's shape and the configuration: slices are bounded by
`x.shape[...]`, `len(...)` or configured sizes, `topk` takes a constant `k`, reductions and
transposes take literal axes, and selections keep the full shape with masks. msmigrate must not
report a dynamic shape anywhere in this file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mindspore as ms
import numpy as np
from mindspore import Parameter, Tensor, nn, ops


@dataclass
class ClassifierConfig:
    in_channels: int = 3
    width: int = 16
    num_blocks: int = 2
    num_heads: int = 4
    max_tokens: int = 64
    num_classes: int = 10
    top_classes: int = 5
    confidence: float = 0.2


class ResidualBlock(nn.Cell):
    """conv-bn-relu-conv-bn plus an identity (or 1x1 projection) shortcut."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, pad_mode="pad", padding=1)
        self.bn1 = nn.BatchNorm2d(out_channels, momentum=0.9)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, pad_mode="pad", padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels, momentum=0.9)
        self.relu = nn.ReLU()
        self.project = stride != 1 or in_channels != out_channels
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride=stride, pad_mode="valid")

    def construct(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = self.shortcut(x) if self.project else x
        return self.relu(out + identity)


class SelfAttention(nn.Cell):
    """Multi-head self-attention over the spatial positions, with learned position codes."""

    def __init__(self, dim: int, num_heads: int, max_tokens: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = 1.0 / math.sqrt(self.head_dim)
        self.qkv = nn.Dense(dim, 3 * dim)
        self.proj = nn.Dense(dim, dim)
        table = np.random.default_rng(0).normal(0.0, 0.02, (1, max_tokens, dim)).astype(np.float32)
        self.positions = Parameter(Tensor(table), name="positions")

    def construct(self, x):
        batch, tokens, dim = x.shape
        x = x + self.positions[:, : x.shape[1]]
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.num_heads, self.head_dim)
        qkv = ops.transpose(qkv, (2, 0, 3, 1, 4))
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) * self.scale
        weights = ops.softmax(scores, axis=-1)
        out = ops.transpose(ops.matmul(weights, v), (0, 2, 1, 3)).reshape(batch, tokens, dim)
        return self.proj(out[:, : len(out[0])])


class Classifier(nn.Cell):
    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__()
        width = config.width
        self.stem = nn.Conv2d(config.in_channels, width, 3, pad_mode="pad", padding=1)
        self.blocks = nn.SequentialCell(
            [ResidualBlock(width, width) for _ in range(config.num_blocks - 1)] + [ResidualBlock(width, width, 2)]
        )
        self.attention = SelfAttention(width, config.num_heads, config.max_tokens)
        self.head = nn.Dense(width, config.num_classes)
        self.top_classes = config.top_classes
        self.confidence = config.confidence

    def construct(self, images):
        features = self.blocks(self.stem(images))
        batch, channels, height, width = features.shape
        tokens = ops.transpose(features.reshape(batch, channels, height * width), (0, 2, 1))
        tokens = self.attention(tokens)
        logits = self.head(tokens.mean(axis=1))
        probs = ops.softmax(logits, axis=-1)
        # Constant k: the output has five columns whatever the data.
        top_probs, top_classes = ops.topk(probs, 5)
        _, configured = probs.topk(self.top_classes)
        # Keep low-confidence rows in place and zero them, rather than dropping them.
        confident = (top_probs[:, 0] > self.confidence).astype(probs.dtype)
        kept_probs = top_probs * confident.expand_dims(1)
        largest = ops.where(probs > 0.5, probs, ops.zeros_like(probs)).max(axis=-1)
        return kept_probs, top_classes, configured, confident, largest


class MaskedLoss(nn.Cell):
    """Cross entropy over the labelled rows only, with the mask in the sum instead of a selection."""

    def __init__(self) -> None:
        super().__init__()
        self.loss = nn.CrossEntropyLoss(reduction="none")

    def construct(self, logits, labels):
        labelled = labels >= 0
        safe_labels = ops.where(labelled, labels, ops.zeros_like(labels))
        per_row = self.loss(logits, safe_labels) * labelled.astype(logits.dtype)
        return per_row.sum() / ops.maximum(labelled.astype(logits.dtype).sum(), 1.0)


def build(config: ClassifierConfig | None = None) -> Classifier:
    return Classifier(config or ClassifierConfig())


if __name__ == "__main__":
    ms.set_context(mode=ms.GRAPH_MODE)
    model = build()
    images = Tensor(np.random.default_rng(1).normal(size=(2, 3, 16, 16)), ms.float32)
    print([output.shape for output in model(images)])
