"""Time-series forecaster (DLinear with RevIN) trained with `torch.compile` and autocast."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger(__name__)


@dataclass
class ForecastConfig:
    input_len: int = 96
    horizon: int = 24
    channels: int = 7
    hidden: int = 256
    kernel_size: int = 25
    dropout: float = 0.1
    lr: float = 1e-3
    steps: int = 2000
    batch_size: int = 32
    log_every: int = 100


class MovingAverage(nn.Module):
    """Trend extraction by a moving average over time, padded by repeating the end points."""

    def __init__(self, kernel_size: int) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.pool = nn.AvgPool1d(kernel_size=kernel_size, stride=1, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad = (self.kernel_size - 1) // 2
        front = x[:, 0:1, :].repeat(1, pad, 1)
        end = x[:, -1:, :].repeat(1, pad, 1)
        padded = torch.cat([front, x, end], dim=1)
        return self.pool(padded.permute(0, 2, 1)).permute(0, 2, 1)


class DLinear(nn.Module):
    def __init__(self, config: ForecastConfig) -> None:
        super().__init__()
        self.decompose = MovingAverage(config.kernel_size)
        self.trend = nn.Linear(config.input_len, config.horizon)
        self.seasonal = nn.Linear(config.input_len, config.horizon)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        trend = self.decompose(x)
        seasonal = x - trend
        out = self.trend(trend.transpose(1, 2)) + self.seasonal(seasonal.transpose(1, 2))
        return self.dropout(out).transpose(1, 2)


class RevIN(nn.Module):
    """Reversible instance normalisation: normalise each series, forecast, then restore its scale."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def normalize(self, x: torch.Tensor):
        mean = x.mean(dim=1, keepdim=True).detach()
        std = torch.sqrt(x.var(dim=1, keepdim=True, unbiased=False) + self.eps).detach()
        return (x - mean) / std * self.weight + self.bias, mean, std

    def denormalize(self, y: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
        return (y - self.bias) / (self.weight + self.eps * self.eps) * std + mean


def sine_mixture(num_series: int, length: int, channels: int, seed: int = 0) -> np.ndarray:
    """Sums of a few sinusoids with noise: cheap data with a real seasonal structure."""
    rng = np.random.default_rng(seed)
    t = np.arange(length, dtype=np.float32)
    periods = rng.uniform(8, 96, size=(num_series, 1, channels)).astype(np.float32)
    phases = rng.uniform(0, 2 * np.pi, size=(num_series, 1, channels)).astype(np.float32)
    series = np.sin(2 * np.pi * t[None, :, None] / periods + phases)
    series += 0.01 * t[None, :, None] * rng.standard_normal((num_series, 1, channels)).astype(np.float32)
    return series + 0.1 * rng.standard_normal(series.shape).astype(np.float32)


def batches(data: np.ndarray, config: ForecastConfig, seed: int = 0):
    rng = np.random.default_rng(seed)
    window = config.input_len + config.horizon
    while True:
        series = rng.integers(0, data.shape[0], config.batch_size)
        starts = rng.integers(0, data.shape[1] - window, config.batch_size)
        windows = np.stack([data[s, t : t + window] for s, t in zip(series, starts)])
        yield torch.from_numpy(windows[:, : config.input_len]), torch.from_numpy(windows[:, config.input_len :])


class Forecaster(nn.Module):
    def __init__(self, config: ForecastConfig) -> None:
        super().__init__()
        self.revin = RevIN(config.channels)
        self.model = DLinear(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        normed, mean, std = self.revin.normalize(x)
        return self.revin.denormalize(self.model(normed), mean, std)


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    config = ForecastConfig()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = Forecaster(config).to(device)
    compiled = torch.compile(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    scaler = torch.cuda.amp.GradScaler(enabled=device.type == "cuda")
    data = sine_mixture(64, 2000, config.channels)

    model.train()
    for step, (inputs, targets) in enumerate(batches(data, config)):
        if step >= config.steps:
            break
        inputs, targets = inputs.to(device), targets.to(device)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = F.mse_loss(compiled(inputs), targets)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        if step % config.log_every == 0:
            log.info("step %d loss %.5f scale %.0f", step, loss.item(), scaler.get_scale())

    model.eval()
    inputs, targets = next(batches(data, config, seed=1))
    with torch.no_grad():
        prediction = model(inputs.to(device)).cpu()
    log.info("eval mae %.4f mse %.4f", (prediction - targets).abs().mean(), F.mse_loss(prediction, targets))


if __name__ == "__main__":
    main()
