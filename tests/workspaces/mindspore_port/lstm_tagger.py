"""BiLSTM part-of-speech tagger with character-level word features, ported from PyTorch.

Port notes:
- MindSpore's `nn.LSTM` takes `seq_length` instead of packed sequences.
- The torch loss indexed logits with a boolean mask; the port kept that (see `loss`).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

import mindspore as ms
import numpy as np
from mindspore import Tensor, nn, ops

PAD = "<pad>"
UNK = "<unk>"
PAD_TAG = -100


@dataclass
class TaggerConfig:
    vocab_size: int = 20000
    char_vocab_size: int = 128
    num_tags: int = 17
    word_dim: int = 100
    char_dim: int = 32
    char_filters: int = 50
    hidden_size: int = 200
    num_layers: int = 2
    dropout: float = 0.33


class Vocabulary:
    """Maps tokens to ids; rare tokens fall back to `<unk>`."""

    def __init__(self, counts: Counter, min_count: int = 2) -> None:
        self.itos = [PAD, UNK] + sorted(t for t, c in counts.items() if c >= min_count)
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, tokens: list[str]) -> list[int]:
        unk = self.stoi[UNK]
        return [self.stoi.get(t, unk) for t in tokens]


class TagStatistics:
    """Per-tag counts collected during training, for the class-balance report."""

    def __init__(self, tags) -> None:
        self.counts = np.bincount(tags.asnumpy().reshape(-1).clip(0))
        self.lock = threading.Lock()


class CharCNN(nn.Cell):
    """Word features from characters: embed, convolve, max over positions."""

    def __init__(self, config: TaggerConfig) -> None:
        super().__init__()
        self.embedding = nn.Embedding(config.char_vocab_size, config.char_dim, padding_idx=0)
        self.conv = nn.Conv1d(config.char_dim, config.char_filters, kernel_size=3, pad_mode="pad", padding=1)
        self.relu = nn.ReLU()

    def construct(self, chars):
        # chars: (batch, words, chars_per_word)
        batch, words, width = chars.shape
        x = self.embedding(chars.reshape(batch * words, width))  # (B*W, C, D)
        x = self.conv(ops.transpose(x, 1, 2))  # torch: x.transpose(1, 2)
        x = ops.max(self.relu(x), axis=2)[0]
        return x.reshape(batch, words, -1)


class BiLSTMTagger(nn.Cell):
    def __init__(self, config: TaggerConfig) -> None:
        super().__init__()
        self.config = config
        self.word_embedding = nn.Embedding(config.vocab_size, config.word_dim, padding_idx=0)
        self.char_cnn = CharCNN(config)
        self.dropout = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(
            input_size=config.word_dim + config.char_filters,
            hidden_size=config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout,
            bidirectional=True,
            batch_first=True,
        )
        self.classifier = nn.Dense(2 * config.hidden_size, config.num_tags)
        self.loss_fn = nn.CrossEntropyLoss()
        self.stats = None

    def construct(self, words, chars, lengths):
        if self.stats is None:
            self.stats = TagStatistics(words)
        features = ops.cat([self.word_embedding(words), self.char_cnn(chars)], axis=-1)
        features = self.dropout(features)
        output, _ = self.lstm(features, seq_length=lengths)
        return self.classifier(self.dropout(output))

    def loss(self, logits, tags):
        mask = tags != PAD_TAG
        # Ported from `F.cross_entropy(logits[mask], tags[mask])`.
        return self.loss_fn(logits[mask], tags[mask])


class TaggerWithLoss(nn.Cell):
    """Forward plus loss in one Cell, so that `value_and_grad` sees a single network."""

    def __init__(self, tagger: BiLSTMTagger) -> None:
        super().__init__()
        self.tagger = tagger

    def construct(self, words, chars, lengths, tags):
        logits = self.tagger(words, chars, lengths)
        mask = tags != PAD_TAG
        flat_logits = logits.reshape(-1, logits.shape[-1])
        flat_tags = tags.reshape(-1)
        keep = ops.nonzero(mask.reshape(-1)).squeeze(-1)
        return self.tagger.loss_fn(flat_logits[keep], flat_tags[keep])


class MaskedAccuracy(nn.Cell):
    def construct(self, logits, tags):
        mask = tags != PAD_TAG
        predicted = ops.masked_select(logits.argmax(-1), mask)
        gold = ops.masked_select(tags, mask)
        return (predicted == gold).astype(ms.float32).mean()


def collate(batch: list[tuple[list[int], list[list[int]], list[int]]]) -> dict[str, Tensor]:
    """Pad words, characters and tags of one batch to common sizes (on the host, with numpy)."""
    lengths = np.array([len(words) for words, _, _ in batch], np.int32)
    longest = int(lengths.max())
    widest = max(len(word) for _, chars, _ in batch for word in chars)
    words = np.zeros((len(batch), longest), np.int32)
    chars = np.zeros((len(batch), longest, widest), np.int32)
    tags = np.full((len(batch), longest), PAD_TAG, np.int32)
    for i, (w, c, t) in enumerate(batch):
        words[i, : len(w)] = w
        tags[i, : len(t)] = t
        for j, word_chars in enumerate(c):
            chars[i, j, : len(word_chars)] = word_chars
    return {
        "words": Tensor(words),
        "chars": Tensor(chars),
        "tags": Tensor(tags),
        "lengths": Tensor(lengths),
    }


def train_epoch(model: BiLSTMTagger, batches, optimizer: nn.Optimizer) -> float:
    net_with_loss = TaggerWithLoss(model)
    grad_fn = ms.value_and_grad(net_with_loss, None, optimizer.parameters)
    accuracy = MaskedAccuracy()
    model.set_train(True)
    total = 0.0
    step = 0
    for step, batch in enumerate(batches):
        loss, grads = grad_fn(batch["words"], batch["chars"], batch["lengths"], batch["tags"])
        grads = ops.clip_by_global_norm(grads, 5.0)
        optimizer(grads)
        total += float(loss.asnumpy())
        if step % 100 == 0:
            logits = model(batch["words"], batch["chars"], batch["lengths"])
            print(f"step {step}: loss {loss} acc {accuracy(logits, batch['tags'])}")
    return total / max(step + 1, 1)


if __name__ == "__main__":
    config = TaggerConfig(vocab_size=50, char_vocab_size=30, num_tags=5)
    model = BiLSTMTagger(config)
    sample = [([2, 3, 4], [[1, 2], [3], [4, 5, 6]], [0, 1, 2]), ([5, 6], [[7], [8, 9]], [3, 4])]
    batch = collate(sample)
    out = model(batch["words"], batch["chars"], batch["lengths"])
    print(out.shape)
