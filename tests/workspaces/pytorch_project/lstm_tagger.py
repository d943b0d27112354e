"""BiLSTM part-of-speech tagger with character-level word features.

Input batches are padded to the longest sentence; `lengths` holds the true lengths and padding
positions carry the tag id `PAD_TAG` so the loss can skip them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

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

    def __init__(self, counts: Counter[str], min_count: int = 2) -> None:
        self.itos = [PAD, UNK] + sorted(t for t, c in counts.items() if c >= min_count)
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, tokens: list[str]) -> list[int]:
        unk = self.stoi[UNK]
        return [self.stoi.get(t, unk) for t in tokens]


class CharCNN(nn.Module):
    """Word features from characters: embed, convolve, max over positions."""

    def __init__(self, config: TaggerConfig) -> None:
        super().__init__()
        self.embedding = nn.Embedding(config.char_vocab_size, config.char_dim, padding_idx=0)
        self.conv = nn.Conv1d(config.char_dim, config.char_filters, kernel_size=3, padding=1)

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        # chars: (batch, words, chars_per_word)
        batch, words, width = chars.shape
        x = self.embedding(chars.view(batch * words, width))  # (B*W, C, D)
        x = self.conv(x.transpose(1, 2))  # (B*W, F, C)
        x = torch.max(F.relu(x), dim=2).values
        return x.view(batch, words, -1)


class BiLSTMTagger(nn.Module):
    def __init__(self, config: TaggerConfig) -> None:
        super().__init__()
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
        self.classifier = nn.Linear(2 * config.hidden_size, config.num_tags)

    def forward(self, words: torch.Tensor, chars: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        features = torch.cat([self.word_embedding(words), self.char_cnn(chars)], dim=-1)
        features = self.dropout(features)
        packed = pack_padded_sequence(features, lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, _ = self.lstm(packed)
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=words.shape[1])
        return self.classifier(self.dropout(output))

    def loss(self, logits: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
        mask = tags != PAD_TAG
        # Only real tokens take part; the boolean index flattens them into one vector.
        return F.cross_entropy(logits[mask], tags[mask])

    @torch.no_grad()
    def predict(self, words: torch.Tensor, chars: torch.Tensor, lengths: torch.Tensor) -> list[list[int]]:
        logits = self.forward(words, chars, lengths)
        best = logits.argmax(dim=-1)
        return [row[:n].tolist() for row, n in zip(best, lengths.tolist())]


def accuracy(logits: torch.Tensor, tags: torch.Tensor) -> float:
    mask = tags != PAD_TAG
    predicted = torch.masked_select(logits.argmax(-1), mask)
    gold = torch.masked_select(tags, mask)
    return (predicted == gold).float().mean().item()


def collate(batch: list[tuple[list[int], list[list[int]], list[int]]]) -> dict[str, torch.Tensor]:
    """Pad words, characters and tags of one batch to common sizes."""
    lengths = torch.tensor([len(words) for words, _, _ in batch])
    longest = int(lengths.max())
    widest = max(len(word) for _, chars, _ in batch for word in chars)
    words = torch.zeros(len(batch), longest, dtype=torch.long)
    chars = torch.zeros(len(batch), longest, widest, dtype=torch.long)
    tags = torch.full((len(batch), longest), PAD_TAG, dtype=torch.long)
    for i, (w, c, t) in enumerate(batch):
        words[i, : len(w)] = torch.tensor(w)
        tags[i, : len(t)] = torch.tensor(t)
        for j, word_chars in enumerate(c):
            chars[i, j, : len(word_chars)] = torch.tensor(word_chars)
    return {"words": words, "chars": chars, "tags": tags, "lengths": lengths}


def train_epoch(model: BiLSTMTagger, batches, optimizer: torch.optim.Optimizer, clip: float = 5.0) -> float:
    model.train()
    total = 0.0
    for step, batch in enumerate(batches):
        optimizer.zero_grad()
        logits = model(batch["words"], batch["chars"], batch["lengths"])
        loss = model.loss(logits, batch["tags"])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        total += loss.item()
        if step % 100 == 0:
            print(f"step {step}: loss {loss.item():.4f} acc {accuracy(logits, batch['tags']):.3f}")
    return total / max(step + 1, 1)


if __name__ == "__main__":
    config = TaggerConfig(vocab_size=50, char_vocab_size=30, num_tags=5)
    model = BiLSTMTagger(config)
    sample = [([2, 3, 4], [[1, 2], [3], [4, 5, 6]], [0, 1, 2]), ([5, 6], [[7], [8, 9]], [3, 4])]
    batch = collate(sample)
    out = model(batch["words"], batch["chars"], batch["lengths"])
    print(out.shape, model.loss(out, batch["tags"]).item())
