"""Variational auto-encoder on 28x28 images, with an activation dump for cross-framework checks."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class VAEConfig:
    image_size: int = 28
    hidden: int = 400
    latent: int = 20
    beta: float = 1.0


class Encoder(nn.Module):
    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.fc = nn.Linear(config.image_size * config.image_size, config.hidden)
        self.mu = nn.Linear(config.hidden, config.latent)
        self.logvar = nn.Linear(config.hidden, config.latent)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = F.relu(self.fc(x.flatten(1)))
        return self.mu(h), self.logvar(h)


class Decoder(nn.Module):
    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.size = config.image_size
        self.fc1 = nn.Linear(config.latent, config.hidden)
        self.fc2 = nn.Linear(config.hidden, config.image_size * config.image_size)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.fc1(z))
        return torch.sigmoid(self.fc2(h)).view(-1, 1, self.size, self.size)


class VAE(nn.Module):
    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        self.trace: list[dict[str, float]] = []

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        std = torch.exp(0.5 * logvar)
        eps = torch.from_numpy(np.random.normal(size=tuple(std.shape))).float()
        return mu + eps * std

    def forward(self, x: torch.Tensor):
        mu, logvar = self.encoder(x)
        z = self.reparameterize(mu, logvar)
        recon = self.decoder(z)
        self.trace.append(
            {
                "mu_mean": mu.mean().item(),
                "logvar_mean": logvar.mean().item(),
                "z_norm": torch.linalg.norm(z).item(),
            }
        )
        return recon, mu, logvar


def vae_loss(recon: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, beta: float) -> torch.Tensor:
    reconstruction = F.binary_cross_entropy(recon, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (reconstruction + beta * kl) / x.shape[0]


def dump_reference(trace: list[dict[str, float]], path: Path) -> None:
    arrays = {key: np.array([row[key] for row in trace]) for key in trace[0]}
    np.savez(path, **arrays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dump", type=Path, default=Path("torch_reference.npz"))
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()

    np.random.seed(0)
    torch.manual_seed(0)
    config = VAEConfig()
    model = VAE(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.from_numpy(np.random.rand(8, 1, config.image_size, config.image_size)).float()
    for _ in range(args.steps):
        recon, mu, logvar = model(images)
        loss = vae_loss(recon, images, mu, logvar, config.beta)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print("loss", loss.item())
    dump_reference(model.trace, args.dump)


if __name__ == "__main__":
    main()
