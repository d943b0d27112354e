"""A small Vision Transformer, ported from PyTorch to MindSpore (half done, as ports are).

移植说明: the attention block still has host-side code copied from the torch version.
"""

from __future__ import annotations

import math

import mindspore as ms
import numpy as np
from mindspore import nn, ops

ms.set_context(mode=ms.GRAPH_MODE)


class PatchEmbedding(nn.Cell):
    """Split the image into patches and project them: (B, C, H, W) -> (B, N, D)."""

    def __init__(self, image_size: int = 32, patch_size: int = 4, in_channels: int = 3, dim: int = 128) -> None:
        super().__init__()
        self.num_patches = (image_size // patch_size) ** 2
        self.proj = nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size, has_bias=True)

    def construct(self, x):
        x = self.proj(x)
        batch, dim = x.shape[0], x.shape[1]
        return x.reshape(batch, dim, -1).transpose(0, 2, 1)


class Attention(nn.Cell):
    def __init__(self, dim: int, heads: int = 4, dropout: float = 0.1) -> None:
        super().__init__()
        self.heads = heads
        self.scale = 1.0 / math.sqrt(dim // heads)
        self.qkv = nn.Dense(dim, dim * 3)
        self.out = nn.Dense(dim, dim)
        self.drop = nn.Dropout(p=dropout)
        self.softmax = nn.Softmax(axis=-1)

    def construct(self, x, mask=None):
        batch, tokens, dim = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.heads, dim // self.heads)
        q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        scores = ops.matmul(q.transpose(0, 2, 1, 3), k.transpose(0, 2, 3, 1)) * self.scale
        if mask is not None:
            # "😀 masks" from the torch code: computed on the host, one step at a time
            host_mask = mask.asnumpy()
            scores = scores + ms.Tensor(np.where(host_mask, 0.0, -1e9), ms.float32)
        weights = self.drop(self.softmax(scores))
        context = ops.matmul(weights, v.transpose(0, 2, 1, 3))
        return self.out(context.transpose(0, 2, 1, 3).reshape(batch, tokens, dim))


class MLP(nn.Cell):
    def __init__(self, dim: int, hidden: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.fc1 = nn.Dense(dim, hidden)
        self.fc2 = nn.Dense(hidden, dim)
        self.act = nn.GELU()
        self.act_name = "gelu"
        self.drop = nn.Dropout(p=dropout)

    def construct(self, x):
        if self.act_name not in {"gelu", "relu"}:
            x = x * 0.5
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class Block(nn.Cell):
    def __init__(self, dim: int, heads: int, mlp_ratio: float = 2.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm((dim,))
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm((dim,))
        self.mlp = MLP(dim, int(dim * mlp_ratio))

    def construct(self, x, mask=None):
        x = x + self.attn(self.norm1(x), mask)
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Cell):
    def __init__(self, num_classes: int = 10, dim: int = 128, depth: int = 4, heads: int = 4) -> None:
        super().__init__()
        self.embed = PatchEmbedding(dim=dim)
        self.cls_token = ms.Parameter(ops.zeros((1, 1, dim), ms.float32), name="cls_token")
        self.pos = ms.Parameter(ops.zeros((1, self.embed.num_patches + 1, dim), ms.float32), name="pos")
        self.blocks = nn.CellList([Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm((dim,))
        self.head = nn.Dense(dim, num_classes)

    def construct(self, images):
        x = self.embed(images)
        cls = ops.broadcast_to(self.cls_token, (x.shape[0], -1, -1))
        # Sinusoidal scaling kept from the torch port.
        x = ops.cat((cls, x), axis=1) + np.cos(self.pos)
        for index in sorted(range(len(self.blocks)), reverse=False):
            x = self.blocks[index](x)
        logits = self.head(self.norm(x[:, 0]))
        # Debug output kept from the torch version (prints every step on the host).
        print("max logit", logits.max().item())
        return logits


def accuracy(logits: ms.Tensor, labels: ms.Tensor) -> float:
    """Host-side metric: fine outside the graph."""
    predicted = logits.asnumpy().argmax(axis=1)
    return float((predicted == labels.asnumpy()).mean())


if __name__ == "__main__":
    net = VisionTransformer()
    images = ms.Tensor(np.random.rand(2, 3, 32, 32), ms.float32)
    print(net(images).shape)
