"""Training entry point (MindSpore port of train.py): functional training with `value_and_grad`.

    python train_loop.py --epochs 30 --batch-size 128 --lr 0.1 --out runs/resnet18

The loop follows the MindSpore 2.x functional style: a `forward_fn` returning (loss, logits), a
`grad_fn = ms.value_and_grad(...)`, and a `train_step` that applies the optimizer.
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

import mindspore as ms
import mindspore.dataset as ds
import numpy as np
from mindspore import nn, ops

from resnet import ResNet, ResNetConfig

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
    seed: int = 0
    num_workers: int = 4
    out: str = "runs/default"
    resume: str | None = None
    device_target: str = "CPU"


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    ms.set_seed(seed)


class SyntheticImages:
    """Random images with a learnable signal: the class shifts the mean of one channel."""

    def __init__(self, num_samples: int, num_classes: int = 10, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, num_classes, num_samples).astype(np.int32)
        self.images = rng.standard_normal((num_samples, 3, 32, 32)).astype(np.float32)
        self.images[:, 0] += (self.labels / num_classes)[:, None, None]

    def __getitem__(self, index: int):
        return self.images[index], self.labels[index]

    def __len__(self) -> int:
        return len(self.labels)


def make_dataset(source: SyntheticImages, batch_size: int, shuffle: bool, workers: int) -> ds.Dataset:
    dataset = ds.GeneratorDataset(source, column_names=["image", "label"], shuffle=shuffle, num_parallel_workers=workers)
    return dataset.batch(batch_size, drop_remainder=shuffle)


def cosine_lr(total_steps: int, warmup_steps: int, base_lr: float) -> list[float]:
    """The whole schedule up front: MindSpore optimizers take a per-step list."""
    rates = []
    for step in range(total_steps):
        if step < warmup_steps:
            rates.append(base_lr * (step + 1) / warmup_steps)
        else:
            progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
            rates.append(0.5 * base_lr * (1.0 + math.cos(math.pi * progress)))
    return rates


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


class Trainer:
    """Owns the network, the loss, the optimizer and the compiled gradient function."""

    def __init__(self, model: nn.Cell, optimizer: nn.Optimizer, config: TrainConfig) -> None:
        self.model = model
        self.optimizer = optimizer
        self.config = config
        self.loss_fn = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
        self.grad_fn = ms.value_and_grad(self.forward_fn, None, optimizer.parameters, has_aux=True)

    def forward_fn(self, images, labels):
        logits = self.model(images)
        loss = self.loss_fn(logits, labels)
        return loss, logits

    def train_step(self, images, labels):
        (loss, logits), grads = self.grad_fn(images, labels)
        if self.config.grad_clip > 0:
            grads = ops.clip_by_global_norm(grads, self.config.grad_clip)
        self.optimizer(grads)
        return loss, logits

    def train_one_epoch(self, dataset: ds.Dataset, epoch: int) -> dict[str, float]:
        self.model.set_train(True)
        loss_meter, acc_meter = AverageMeter(), AverageMeter()
        steps = dataset.get_dataset_size()
        start = time.time()
        for i, (images, labels) in enumerate(dataset.create_tuple_iterator()):
            loss, logits = self.train_step(images, labels)
            accuracy = (logits.argmax(axis=1) == labels).astype(ms.float32).mean()
            loss_meter.update(float(loss.asnumpy()), images.shape[0])
            acc_meter.update(float(accuracy.asnumpy()), images.shape[0])
            if i % 50 == 0:
                log.info("epoch %d step %d/%d loss %.4f acc %.3f", epoch, i, steps, loss_meter.avg, acc_meter.avg)
        return {"loss": loss_meter.avg, "acc": acc_meter.avg, "seconds": time.time() - start}

    def evaluate(self, dataset: ds.Dataset) -> dict[str, float]:
        self.model.set_train(False)
        correct, total, loss_sum = 0, 0, 0.0
        for images, labels in dataset.create_tuple_iterator():
            logits = self.model(images)
            loss_sum += float(self.loss_fn(logits, labels).asnumpy()) * labels.shape[0]
            correct += int((logits.argmax(1) == labels).sum().asnumpy())
            total += labels.shape[0]
        return {"val_loss": loss_sum / total, "val_acc": correct / total}


def save_checkpoint(path: Path, model: nn.Cell, epoch: int, best: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ms.save_checkpoint(model, str(path), append_dict={"epoch": epoch, "best": best})


def load_checkpoint(path: str, model: nn.Cell) -> tuple[int, float]:
    params = ms.load_checkpoint(path)
    epoch = int(params.pop("epoch").asnumpy())
    best = float(params.pop("best").asnumpy())
    ms.load_param_into_net(model, params)
    return epoch + 1, best


def parse_args() -> TrainConfig:
    parser = argparse.ArgumentParser(description=__doc__)
    defaults = TrainConfig()
    for name, value in asdict(defaults).items():
        flag = "--" + name.replace("_", "-")
        parser.add_argument(flag, type=type(value) if value is not None else str, default=value)
    return TrainConfig(**vars(parser.parse_args()))


def main() -> None:
    config = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    ms.set_context(mode=ms.GRAPH_MODE, device_target=config.device_target)
    seed_everything(config.seed)

    train_set = make_dataset(SyntheticImages(5000, seed=config.seed), config.batch_size, True, config.num_workers)
    val_set = make_dataset(SyntheticImages(1000, seed=config.seed + 1), 256, False, config.num_workers)

    model = ResNet(ResNetConfig())
    decay = [p for p in model.trainable_params() if len(p.shape) > 1]
    no_decay = [p for p in model.trainable_params() if len(p.shape) <= 1]
    steps_per_epoch = train_set.get_dataset_size()
    schedule = cosine_lr(config.epochs * steps_per_epoch, config.warmup_epochs * steps_per_epoch, config.lr)
    optimizer = nn.Momentum(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        learning_rate=schedule,
        momentum=config.momentum,
        use_nesterov=True,
    )
    trainer = Trainer(model, optimizer, config)

    start_epoch, best = 0, 0.0
    if config.resume:
        start_epoch, best = load_checkpoint(config.resume, model)

    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(config), indent=2))
    for epoch in range(start_epoch, config.epochs):
        stats = trainer.train_one_epoch(train_set, epoch)
        stats.update(trainer.evaluate(val_set))
        log.info("epoch %d: %s", epoch, json.dumps(stats))
        if stats["val_acc"] > best:
            best = stats["val_acc"]
            save_checkpoint(out / "best.ckpt", model, epoch, best)
        save_checkpoint(out / "last.ckpt", model, epoch, best)
    log.info("best val acc %.4f (pid %d)", best, os.getpid())


if __name__ == "__main__":
    main()
