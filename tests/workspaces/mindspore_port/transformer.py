"""A small GPT-style decoder ported from the PyTorch version: learned positions, pre-norm blocks.

Port notes:
- `nn.Linear` -> `nn.Dense`, `register_buffer` -> a non-trainable `Parameter`.
- `tensor.transpose(1, 2)` became `ops.transpose`; `view` became `reshape`.
- The torch code used `x[:, :length]` on the position table; kept as is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mindspore as ms
import numpy as np
from mindspore import Parameter, Tensor, nn, ops
from mindspore.common.initializer import Normal, Zero, initializer


@dataclass
class GPTConfig:
    vocab_size: int = 256
    block_size: int = 128  # longest context the position table covers
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 256
    dropout: float = 0.1
    bias: bool = True
    tie_weights: bool = True
    positions: str = "learned"  # or "sinusoidal"


class SinusoidalPositions(nn.Cell):
    """Fixed sine/cosine position codes (Vaswani et al.), added to the token embeddings."""

    def __init__(self, n_embd: int, max_len: int) -> None:
        super().__init__()
        position = np.arange(max_len, dtype=np.float32)[:, None]
        div_term = np.exp(np.arange(0, n_embd, 2, dtype=np.float32) * (-math.log(10000.0) / n_embd))
        table = np.zeros((1, max_len, n_embd), np.float32)
        table[0, :, 0::2] = np.sin(position * div_term)
        table[0, :, 1::2] = np.cos(position * div_term)
        self.pe = Parameter(Tensor(table), name="pe", requires_grad=False)

    def construct(self, x):
        return x + self.pe[:, : x.shape[1]]


class CausalSelfAttention(nn.Cell):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.qkv = nn.Dense(config.n_embd, 3 * config.n_embd, has_bias=config.bias)
        self.proj = nn.Dense(config.n_embd, config.n_embd, has_bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(p=config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.head_dim = config.n_embd // config.n_head
        self.scale = 1.0 / math.sqrt(self.head_dim)
        mask = np.tril(np.ones((config.block_size, config.block_size), np.float32))
        self.mask = Parameter(Tensor(mask.reshape(1, 1, config.block_size, config.block_size)), requires_grad=False)

    def construct(self, x):
        batch, length, channels = x.shape
        q, k, v = ops.split(self.qkv(x), self.n_embd, axis=2)
        # torch: q.view(B, T, H, D).transpose(1, 2)
        q = ops.transpose(q.reshape(batch, length, self.n_head, self.head_dim), 1, 2)
        k = ops.transpose(k.reshape(batch, length, self.n_head, self.head_dim), 1, 2)
        v = v.reshape(batch, length, self.n_head, self.head_dim).transpose(0, 2, 1, 3)

        att = ops.matmul(q, k.swapaxes(-2, -1)) * self.scale
        causal = self.mask[:, :, :length, :length]
        att = ops.masked_fill(att, causal == 0, float("-inf"))
        att = ops.softmax(att, axis=-1)
        att = self.attn_dropout(att)
        y = ops.matmul(att, v)
        y = y.transpose(0, 2, 1, 3).reshape(batch, length, channels)
        return self.resid_dropout(self.proj(y))


class MLP(nn.Cell):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.fc = nn.Dense(config.n_embd, 4 * config.n_embd, has_bias=config.bias)
        self.gelu = nn.GELU()
        self.proj = nn.Dense(4 * config.n_embd, config.n_embd, has_bias=config.bias)
        self.dropout = nn.Dropout(p=config.dropout)

    def construct(self, x):
        return self.dropout(self.proj(self.gelu(self.fc(x))))


class Block(nn.Cell):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm((config.n_embd,), epsilon=1e-5)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm((config.n_embd,), epsilon=1e-5)
        self.mlp = MLP(config)

    def construct(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Cell):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd, embedding_table=Normal(0.02))
        self.wpe = Parameter(initializer(Zero(), (1, config.block_size, config.n_embd), ms.float32), name="wpe")
        self.sinusoidal = SinusoidalPositions(config.n_embd, config.block_size)
        self.use_sinusoidal = config.positions == "sinusoidal"
        self.drop = nn.Dropout(p=config.dropout)
        self.blocks = nn.CellList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm((config.n_embd,), epsilon=1e-5)
        self.lm_head = nn.Dense(config.n_embd, config.vocab_size, has_bias=False)
        if config.tie_weights:
            self.lm_head.weight = self.wte.embedding_table
        self.loss_fn = nn.CrossEntropyLoss(ignore_index=-1)
        self._init_weights()

    def _init_weights(self) -> None:
        for name, param in self.parameters_and_names():
            if name.endswith("proj.weight"):
                # Scaled init of the residual projections, per GPT-2.
                std = 0.02 / math.sqrt(2 * self.config.n_layer)
                param.set_data(initializer(Normal(std), param.shape, param.dtype))
            elif name.endswith(".weight"):
                param.set_data(initializer(Normal(0.02), param.shape, param.dtype))

    def construct(self, idx, targets=None):
        length = idx.shape[1]
        if self.use_sinusoidal:
            x = self.sinusoidal(self.wte(idx))
        else:
            x = self.wte(idx) + self.wpe[:, :length]
        x = self.drop(x)
        for block in self.blocks:
            x = block(x)
        x = self.ln_f(x)
        logits = self.lm_head(x)
        if targets is None:
            return logits, None
        loss = self.loss_fn(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        return logits, loss


class TopKSampler(nn.Cell):
    """Samples the next token from the k most likely ones (greedy when temperature is 0)."""

    def __init__(self, top_k: int = 0, temperature: float = 1.0) -> None:
        super().__init__()
        self.top_k = top_k
        self.temperature = temperature

    def construct(self, logits):
        logits = logits[:, -1, :] / self.temperature
        if self.top_k > 0:
            k = min(self.top_k, logits.shape[-1])
            values, _ = ops.topk(logits, k)
            logits = ops.masked_fill(logits, logits < values[:, -1:], float("-inf"))
        probs = ops.softmax(logits, axis=-1)
        return ops.multinomial(probs, 1)


def generate(model: GPT, idx: Tensor, max_new_tokens: int, top_k: int = 0, temperature: float = 1.0) -> Tensor:
    """Autoregressive decoding; runs eagerly, one graph call per token."""
    model.set_train(False)
    sampler = TopKSampler(top_k, temperature)
    for _ in range(max_new_tokens):
        idx_cond = idx if idx.shape[1] <= model.config.block_size else idx[:, -model.config.block_size :]
        logits, _ = model(idx_cond)
        idx_next = sampler(logits)
        idx = ops.cat((idx, idx_next.astype(idx.dtype)), axis=1)
    return idx


def configure_optimizer(model: GPT, weight_decay: float, learning_rate: float) -> nn.Optimizer:
    """AdamWeightDecay with decay on matrices only; norms and biases are left alone."""
    params = model.trainable_params()
    decay = [p for p in params if len(p.shape) >= 2]
    no_decay = [p for p in params if len(p.shape) < 2]
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return nn.AdamWeightDecay(groups, learning_rate=learning_rate, beta1=0.9, beta2=0.95)


if __name__ == "__main__":
    model = GPT(GPTConfig())
    tokens = Tensor(np.random.randint(0, 256, (2, 64)), ms.int32)
    out, loss = model(tokens, tokens)
    print(out.shape, loss)
