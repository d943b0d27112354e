"""Training entry point: image classification on CIFAR-like data with mixed precision.

    python train.py --epochs 30 --batch-size 128 --lr 0.1 --out runs/resnet18
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

from resnet import ResNetConfig, ResNet

log = logging.getLogger("train")


@dataclass
class TrainConfig:
    epochs: int = 30
    batch_size: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    warmup_epochs: int = 2
    label_smoothing: float = 0.1
    grad_clip: float = 0.0
    amp: bool = True
    seed: int = 0
    num_workers: int = 4
    out: str = "runs/default"
    resume: str | None = None


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def synthetic_dataset(num_samples: int, num_classes: int = 10, seed: int = 0) -> Dataset:
    """Random images with a learnable signal: the class shifts the mean of one channel."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, num_classes, (num_samples,), generator=generator)
    images = torch.randn(num_samples, 3, 32, 32, generator=generator)
    images[:, 0] += labels.float().view(-1, 1, 1) / num_classes
    return TensorDataset(images, labels)


def cosine_lr(step: int, total_steps: int, warmup_steps: int, base_lr: float) -> float:
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return 0.5 * base_lr * (1.0 + math.cos(math.pi * progress))


class AverageMeter:
    def __init__(self) -> None:
        self.sum = 0.0
        self.count = 0

    def update(self, value: float, n: int = 1) -> None:
        self.sum += value * n
        self.count += n

    @property
    def avg(self) -> float:
        return self.sum / max(self.count, 1)


def train_one_epoch(
    model: nn.Module,
    loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    scaler: torch.cuda.amp.GradScaler,
    config: TrainConfig,
    epoch: int,
    device: torch.device,
) -> dict[str, float]:
    model.train()
    loss_meter, acc_meter = AverageMeter(), AverageMeter()
    steps_per_epoch = len(loader)
    total_steps = config.epochs * steps_per_epoch
    start = time.time()
    for i, (images, labels) in enumerate(loader):
        step = epoch * steps_per_epoch + i
        for group in optimizer.param_groups:
            group["lr"] = cosine_lr(step, total_steps, config.warmup_epochs * steps_per_epoch, config.lr)
        images, labels = images.to(device, non_blocking=True), labels.to(device, non_blocking=True)

        with torch.cuda.amp.autocast(enabled=config.amp):
            logits = model(images)
            loss = F.cross_entropy(logits, labels, label_smoothing=config.label_smoothing)

        optimizer.zero_grad()
        scaler.scale(loss).backward()
        if config.grad_clip > 0:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        scaler.step(optimizer)
        scaler.update()

        accuracy = (logits.argmax(dim=1) == labels).float().mean()
        loss_meter.update(loss.item(), images.size(0))
        acc_meter.update(accuracy.item(), images.size(0))
        if i % 50 == 0:
            log.info("epoch %d step %d/%d loss %.4f acc %.3f", epoch, i, steps_per_epoch, loss_meter.avg, acc_meter.avg)
    return {"loss": loss_meter.avg, "acc": acc_meter.avg, "seconds": time.time() - start}


@torch.no_grad()
def evaluate(model: nn.Module, loader: DataLoader, device: torch.device) -> dict[str, float]:
    model.eval()
    correct, total, loss_sum = 0, 0, 0.0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        logits = model(images)
        loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
        correct += (logits.argmax(1) == labels).sum().item()
        total += labels.numel()
    return {"val_loss": loss_sum / total, "val_acc": correct / total}


def save_checkpoint(path: Path, model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int, best: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch, "best": best}, path)


def load_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer) -> tuple[int, float]:
    checkpoint = torch.load(path)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"] + 1, checkpoint["best"]


def parse_args() -> TrainConfig:
    parser = argparse.ArgumentParser(description=__doc__)
    defaults = TrainConfig()
    for name, value in asdict(defaults).items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value)
        else:
            parser.add_argument(flag, type=type(value) if value is not None else str, default=value)
    return TrainConfig(**vars(parser.parse_args()))


def main() -> None:
    config = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    seed_everything(config.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_set = synthetic_dataset(5000, seed=config.seed)
    val_set = synthetic_dataset(1000, seed=config.seed + 1)
    train_loader = DataLoader(train_set, batch_size=config.batch_size, shuffle=True, num_workers=config.num_workers, drop_last=True)
    val_loader = DataLoader(val_set, batch_size=256, num_workers=config.num_workers)

    model = ResNet(ResNetConfig()).to(device)
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if param.ndim <= 1 or name.endswith(".bias") else decay).append(param)
    optimizer = torch.optim.SGD(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.lr,
        momentum=config.momentum,
        nesterov=True,
    )
    scaler = torch.cuda.amp.GradScaler(enabled=config.amp and device.type == "cuda")

    start_epoch, best = 0, 0.0
    if config.resume:
        start_epoch, best = load_checkpoint(config.resume, model, optimizer)

    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(config), indent=2))
    for epoch in range(start_epoch, config.epochs):
        stats = train_one_epoch(model, train_loader, optimizer, scaler, config, epoch, device)
        stats.update(evaluate(model, val_loader, device))
        log.info("epoch %d: %s", epoch, json.dumps(stats))
        if stats["val_acc"] > best:
            best = stats["val_acc"]
            save_checkpoint(out / "best.pt", model, optimizer, epoch, best)
        save_checkpoint(out / "last.pt", model, optimizer, epoch, best)
    log.info("best val acc %.4f (pid %d)", best, os.getpid())


if __name__ == "__main__":
    main()
