"""Debug script for the VAE port: runs eagerly (PYNATIVE_MODE) to compare activations with torch.

In PyNative mode `construct` runs as plain Python, so numpy calls and host copies work; they only
break once the same Cells are compiled with GRAPH_MODE or `@ms.jit` for training.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import mindspore as ms
import numpy as np
from mindspore import Tensor, nn, ops


@dataclass
class VAEConfig:
    image_size: int = 28
    hidden: int = 400
    latent: int = 20
    beta: float = 1.0


class Encoder(nn.Cell):
    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc = nn.Dense(config.image_size * config.image_size, config.hidden)
        self.mu = nn.Dense(config.hidden, config.latent)
        self.logvar = nn.Dense(config.hidden, config.latent)
        self.relu = nn.ReLU()

    def construct(self, x):
        h = self.relu(self.fc(self.flatten(x)))
        return self.mu(h), self.logvar(h)


class Decoder(nn.Cell):
    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.size = config.image_size
        self.fc1 = nn.Dense(config.latent, config.hidden)
        self.fc2 = nn.Dense(config.hidden, config.image_size * config.image_size)
        self.relu = nn.ReLU()
        self.sigmoid = nn.Sigmoid()

    def construct(self, z):
        h = self.relu(self.fc1(z))
        return self.sigmoid(self.fc2(h)).reshape(-1, 1, self.size, self.size)


class VAE(nn.Cell):
    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        self.trace: list[dict[str, float]] = []

    def reparameterize(self, mu, logvar):
        std = ops.exp(0.5 * logvar)
        # Same noise source as the torch script, so both runs can be seeded identically.
        eps = Tensor(np.random.normal(size=std.shape), ms.float32)
        return mu + eps * std

    def construct(self, x):
        mu, logvar = self.encoder(x)
        z = self.reparameterize(mu, logvar)
        recon = self.decoder(z)
        # Activation statistics for the side-by-side comparison with the torch model.
        self.trace.append(
            {
                "mu_mean": float(np.mean(mu.asnumpy())),
                "logvar_mean": float(logvar.mean().asnumpy()),
                "z_norm": float(np.linalg.norm(z.asnumpy())),
            }
        )
        return recon, mu, logvar


class VAELoss(nn.Cell):
    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        self.beta = beta
        self.bce = nn.BCELoss(reduction="sum")

    def construct(self, recon, x, mu, logvar):
        reconstruction = self.bce(recon, x)
        kl = -0.5 * ops.sum(1 + logvar - mu**2 - ops.exp(logvar))
        return (reconstruction + self.beta * kl) / x.shape[0]


def load_torch_reference(path: Path) -> dict[str, np.ndarray]:
    """Activations dumped by the torch script (`np.savez`), keyed by layer name."""
    with np.load(path) as archive:
        return {name: archive[name] for name in archive.files}


def compare(trace: list[dict[str, float]], reference: dict[str, np.ndarray], atol: float) -> dict[str, bool]:
    report = {}
    for key in ("mu_mean", "logvar_mean", "z_norm"):
        ours = np.array([row[key] for row in trace])
        theirs = reference.get(key)
        report[key] = theirs is not None and bool(np.allclose(ours, theirs[: len(ours)], atol=atol))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reference", type=Path, default=None)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--atol", type=float, default=1e-4)
    args = parser.parse_args()

    ms.set_context(mode=ms.PYNATIVE_MODE)
    np.random.seed(0)
    ms.set_seed(0)
    config = VAEConfig()
    model = VAE(config)
    loss_fn = VAELoss(config.beta)
    images = Tensor(np.random.rand(8, 1, config.image_size, config.image_size), ms.float32)
    for _ in range(args.steps):
        recon, mu, logvar = model(images)
        print("loss", loss_fn(recon, images, mu, logvar))
    if args.reference is not None:
        print(json.dumps(compare(model.trace, load_torch_reference(args.reference), args.atol), indent=2))


if __name__ == "__main__":
    main()
