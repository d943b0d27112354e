"""A port in progress: `torch_model.py` moved to MindSpore line by line, mistakes included.

This file is meant to be opened in an editor with msmigrate running (or checked with
`msmigrate check examples/`). Each line that msmigrate should flag carries a comment that starts
with the rule family:

- `graph-syntax`: Python that GRAPH_MODE cannot compile, or compiles into something else, inside
  `construct` (and what it calls).
- `api-difference`: a MindSpore API that looks like its torch twin but differs in meaning.
- `dynamic-shape`: an output whose shape depends on the data, which stops static-shape compilation.

It is valid Python; it is not meant to run as is.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import mindspore as ms
import numpy as np
from mindspore import Tensor, nn, ops


@dataclass
class ModelConfig:
    num_classes: int = 10
    width: int = 16
    blocks: int = 2
    dropout: float = 0.2
    confidence: float = 0.9


class RunningStats:
    """Host-side summary of a batch of activations, kept for the training log."""

    def __init__(self, activations) -> None:
        self.mean = float(activations.mean())
        self.peak = float(activations.max())


class ResidualBlock(nn.Cell):
    def __init__(self, channels: int) -> None:
        super().__init__()
        # api-difference: `padding=1` needs `pad_mode="pad"`; the default pad_mode is "same".
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        # api-difference: MindSpore's momentum is the weight of the running value: 0.1 means 0.9 in torch.
        self.bn1 = nn.BatchNorm2d(channels, momentum=0.1)
        self.conv2 = nn.Conv2d(channels, channels, 3, pad_mode="pad", padding=1)
        self.bn2 = nn.BatchNorm2d(channels, momentum=0.9)
        self.relu = nn.ReLU()

    def construct(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + x)


class SmallResNet(nn.Cell):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        # api-difference: no pad_mode, so padding=1 is rejected (pad_mode defaults to "same").
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.bn = nn.BatchNorm2d(config.width)
        self.relu = nn.ReLU()
        self.blocks = nn.SequentialCell([ResidualBlock(config.width) for _ in range(config.blocks)])
        # api-difference: a positional argument is `keep_prob`: this keeps 20% instead of dropping 20%.
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Dense(config.width, config.num_classes)
        self.history = []

    def construct(self, x):
        x = self.relu(self.bn(self.stem(x)))
        x = self.blocks(x)
        # graph-syntax: numpy function called on a tensor.
        scale = np.mean(x)
        # graph-syntax: numpy function called on a tensor.
        x = np.sin(x)
        # graph-syntax: the tensor is copied to the host.
        peak = x.asnumpy().max()
        # graph-syntax: the thread starts once, while the graph compiles, never on later calls.
        worker = threading.Thread(target=self.history.append, args=(peak,))
        worker.start()
        # graph-syntax: a plain Python class built from a tensor argument.
        stats = RunningStats(x)
        self.history.append(stats)
        # graph-syntax: `try` is not supported in graph mode.
        try:
            x = x / (scale + peak)
        except ZeroDivisionError:
            pass
        # graph-syntax: numpy random numbers are drawn once, at compile time, not per step.
        noise = Tensor(np.random.normal(size=x.shape), ms.float32)
        x = x + 0.01 * noise
        # graph-syntax: `sorted` over tensor values.
        order = sorted(range(x.shape[1]), key=lambda c: -x[:, c].abs().sum())
        x = x[:, order[0]:].mean(axis=(2, 3))
        # api-difference: `ops.transpose` takes a permutation tuple, not two axes.
        x = ops.transpose(x, 0, 1)
        x = ops.L2Normalize(axis=1)(x)
        x = ops.transpose(x, (1, 0))
        # graph-syntax: `set_data` replaces a parameter; inside construct it is not part of the graph.
        self.fc.weight.set_data(ops.L2Normalize(axis=1)(self.fc.weight))
        return self.fc(self.dropout(x))


class ConfidentPredictions(nn.Cell):
    """Keeps the predictions whose probability is above a threshold (pseudo-labelling)."""

    def __init__(self, threshold: float) -> None:
        super().__init__()
        self.threshold = threshold

    def construct(self, logits, labels):
        probs = ops.softmax(logits, axis=-1)
        best, predicted = probs.max(axis=-1), probs.argmax(axis=-1)
        confident = best > self.threshold
        # dynamic-shape: the number of selected elements depends on the data.
        kept_labels = ops.masked_select(labels, confident)
        # dynamic-shape: boolean-mask indexing.
        kept_logits = logits[confident]
        # dynamic-shape: one row per nonzero element.
        positions = ops.nonzero(confident)
        k = int(confident.sum())
        # dynamic-shape: `k` is computed from tensor values.
        top_scores, _ = ops.topk(best, k)
        return kept_logits, kept_labels, predicted, positions, top_scores


def train_step(model: SmallResNet, optimizer: nn.Optimizer, images, labels):
    loss_fn = nn.CrossEntropyLoss()

    def forward_fn(inputs, targets):
        return loss_fn(model(inputs), targets)

    grad_fn = ms.value_and_grad(forward_fn, None, optimizer.parameters)
    loss, grads = grad_fn(images, labels)
    optimizer(grads)
    return loss


def main() -> None:
    ms.set_context(mode=ms.GRAPH_MODE)
    ms.set_seed(0)
    config = ModelConfig()
    model = SmallResNet(config)
    optimizer = nn.Momentum(model.trainable_params(), learning_rate=0.05, momentum=0.9)
    images = Tensor(np.random.randn(8, 3, 32, 32), ms.float32)
    labels = Tensor(np.random.randint(0, config.num_classes, (8,)), ms.int32)
    model.set_train(True)
    for step in range(3):
        print(f"step {step}: loss {train_step(model, optimizer, images, labels)}")
    model.set_train(False)
    kept_logits, *_ = ConfidentPredictions(config.confidence)(model(images), labels)
    print("confident predictions:", kept_logits.shape[0])


if __name__ == "__main__":
    main()
