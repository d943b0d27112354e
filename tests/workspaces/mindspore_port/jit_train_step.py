"""Time-series forecaster trained with a compiled `@ms.jit` step and dynamic loss scaling.

Port of a PyTorch script that used `torch.cuda.amp` and `torch.compile`. The train step is a module
level function decorated with `ms.jit`, so everything it calls is compiled as a graph as well.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import mindspore as ms
import numpy as np
from mindspore import Parameter, Tensor, nn, ops
from mindspore.amp import DynamicLossScaler, all_finite

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


class MovingAverage(nn.Cell):
    """Trend extraction by a moving average over time, padded by repeating the end points."""

    def __init__(self, kernel_size: int) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.pool = nn.AvgPool1d(kernel_size=kernel_size, stride=1)

    def construct(self, x):
        # x: (batch, time, channels)
        pad = (self.kernel_size - 1) // 2
        front = ops.tile(x[:, 0:1, :], (1, pad, 1))
        end = ops.tile(x[:, -1:, :], (1, pad, 1))
        padded = ops.cat([front, x, end], axis=1)
        trend = self.pool(padded.transpose(0, 2, 1))
        return trend.transpose(0, 2, 1)


class DLinear(nn.Cell):
    """Decomposition-linear forecaster: one linear map for the trend, one for the remainder."""

    def __init__(self, config: ForecastConfig) -> None:
        super().__init__()
        self.decompose = MovingAverage(config.kernel_size)
        self.trend = nn.Dense(config.input_len, config.horizon)
        self.seasonal = nn.Dense(config.input_len, config.horizon)
        self.dropout = nn.Dropout(p=config.dropout)

    def construct(self, x):
        trend = self.decompose(x)
        seasonal = x - trend
        # Linear maps act over time: move time to the last axis and back.
        trend_out = self.trend(ops.transpose(trend, (0, 2, 1)))
        seasonal_out = self.seasonal(ops.transpose(seasonal, (0, 2, 1)))
        out = self.dropout(trend_out + seasonal_out)
        return ops.transpose(out, (0, 2, 1))


class RevIN(nn.Cell):
    """Reversible instance normalisation: normalise each series, forecast, then restore its scale."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = Parameter(Tensor(np.ones(channels, np.float32)), name="revin_weight")
        self.bias = Parameter(Tensor(np.zeros(channels, np.float32)), name="revin_bias")

    def normalize(self, x):
        mean = x.mean(axis=1, keep_dims=True)
        std = ops.sqrt(x.var(axis=1, keepdims=True) + self.eps)
        return (x - mean) / std * self.weight + self.bias, mean, std

    def denormalize(self, y, mean, std):
        return (y - self.bias) / (self.weight + self.eps * self.eps) * std + mean


config = ForecastConfig()
model = DLinear(config)
revin = RevIN(config.channels)
optimizer = nn.Adam(model.trainable_params() + revin.trainable_params(), learning_rate=config.lr)
loss_scaler = DynamicLossScaler(scale_value=2.0**16, scale_factor=2, scale_window=1000)
step_times = []


def forward_fn(inputs, targets):
    normed, mean, std = revin.normalize(inputs)
    prediction = revin.denormalize(model(normed), mean, std)
    loss = ops.mse_loss(prediction, targets) if hasattr(ops, "mse_loss") else ((prediction - targets) ** 2).mean()
    return loss_scaler.scale(loss), prediction


grad_fn = ms.value_and_grad(forward_fn, None, optimizer.parameters, has_aux=True)


@ms.jit
def train_step(inputs, targets):
    start = time.time()
    (scaled_loss, prediction), grads = grad_fn(inputs, targets)
    loss = loss_scaler.unscale(scaled_loss)
    grads = loss_scaler.unscale(grads)
    finite = all_finite(grads)
    loss_scaler.adjust(finite)
    if finite:
        optimizer(grads)
    step_times.append(time.time() - start)
    if loss > 1e3:
        print("loss exploded:", loss.asnumpy())
    return loss, prediction


@ms.jit
def eval_step(inputs, targets):
    normed, mean, std = revin.normalize(inputs)
    prediction = revin.denormalize(model(normed), mean, std)
    mae = ops.abs(prediction - targets).mean()
    mse = ((prediction - targets) ** 2).mean()
    return mae, mse


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
        yield Tensor(windows[:, : config.input_len]), Tensor(windows[:, config.input_len :])


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    data = sine_mixture(64, 2000, config.channels)
    model.set_train(True)
    for step, (inputs, targets) in enumerate(batches(data, config)):
        if step >= config.steps:
            break
        loss, _ = train_step(inputs, targets)
        if step % config.log_every == 0:
            log.info("step %d loss %.5f scale %.0f", step, float(loss.asnumpy()), float(loss_scaler.scale_value.asnumpy()))
    model.set_train(False)
    inputs, targets = next(batches(data, config, seed=1))
    mae, mse = eval_step(inputs, targets)
    log.info("eval mae %.4f mse %.4f", float(mae.asnumpy()), float(mse.asnumpy()))


if __name__ == "__main__":
    main()
