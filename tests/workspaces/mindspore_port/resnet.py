"""ResNet-18/34/50 for CIFAR-sized inputs, ported from the PyTorch version of this project.

Port notes (kept from the migration log):
- `nn.Linear` became `nn.Dense`, `bias=False` became `has_bias=False`.
- Weight init uses `mindspore.common.initializer` instead of `nn.init.*_` in-place calls.
- TODO: BatchNorm momentum and Conv2d padding were copied as-is and still need checking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mindspore as ms
import numpy as np
from mindspore import nn, ops
from mindspore.common.initializer import HeNormal, One, Zero, initializer


@dataclass
class ResNetConfig:
    """Hyper-parameters of one ResNet variant."""

    block: str = "basic"  # "basic" or "bottleneck"
    layers: tuple[int, ...] = (2, 2, 2, 2)
    widths: tuple[int, ...] = (64, 128, 256, 512)
    num_classes: int = 10
    in_channels: int = 3
    dropout: float = 0.2
    zero_init_residual: bool = True
    stochastic_depth: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, group: int = 1) -> nn.Conv2d:
    """3x3 convolution; the torch version passed padding=1."""
    return nn.Conv2d(
        in_planes, out_planes, kernel_size=3, stride=stride, padding=1, group=group, has_bias=False
    )


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, has_bias=False)


class DropPath(nn.Cell):
    """Stochastic depth: drop whole residual branches per sample."""

    def __init__(self, drop_prob: float = 0.0) -> None:
        super().__init__()
        self.drop_prob = drop_prob
        self.keep_prob = 1.0 - drop_prob

    def construct(self, x):
        if self.drop_prob == 0.0 or not self.training:
            return x
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        # Ported 1:1 from torch.rand; draws on the host on every step.
        random_tensor = self.keep_prob + ms.Tensor(np.random.rand(*shape), x.dtype)
        random_tensor = ops.floor(random_tensor)
        return x / self.keep_prob * random_tensor


class BasicBlock(nn.Cell):
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None, drop_prob: float = 0.0):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes, momentum=0.1)
        self.relu = nn.ReLU()
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes, momentum=0.1)
        self.downsample = downsample
        self.drop_path = DropPath(drop_prob)

    def construct(self, x):
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)

        if self.downsample is not None:
            identity = self.downsample(x)

        out = self.drop_path(out) + identity
        return self.relu(out)


class Bottleneck(nn.Cell):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None, drop_prob: float = 0.0):
        super().__init__()
        self.conv1 = conv1x1(inplanes, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU()
        self.downsample = downsample
        self.drop_path = DropPath(drop_prob)

    def construct(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(self.drop_path(out) + identity)


BLOCKS = {"basic": BasicBlock, "bottleneck": Bottleneck}


class ResNet(nn.Cell):
    def __init__(self, config: ResNetConfig) -> None:
        super().__init__()
        self.config = config
        block = BLOCKS[config.block]
        self.inplanes = config.widths[0]
        self.conv1 = nn.Conv2d(config.in_channels, self.inplanes, 3, padding=1, has_bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU()

        total_blocks = sum(config.layers)
        drop_rates = np.linspace(0, config.stochastic_depth, total_blocks).tolist()
        stages = []
        start = 0
        for index, (width, depth) in enumerate(zip(config.widths, config.layers)):
            stride = 1 if index == 0 else 2
            stages.append(self._make_layer(block, width, depth, stride, drop_rates[start : start + depth]))
            start += depth
        self.layer1, self.layer2, self.layer3, self.layer4 = stages

        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(config.dropout)
        self.fc = nn.Dense(config.widths[-1] * block.expansion, config.num_classes)
        self._init_weights(config.zero_init_residual)

    def _make_layer(self, block, planes: int, blocks: int, stride: int, drop_rates: list) -> nn.SequentialCell:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.SequentialCell(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample, drop_rates[0])]
        self.inplanes = planes * block.expansion
        for rate in drop_rates[1:]:
            layers.append(block(self.inplanes, planes, drop_prob=rate))
        return nn.SequentialCell(layers)

    def _init_weights(self, zero_init_residual: bool) -> None:
        for _, cell in self.cells_and_names():
            if isinstance(cell, nn.Conv2d):
                cell.weight.set_data(
                    initializer(HeNormal(mode="fan_out", nonlinearity="relu"), cell.weight.shape, cell.weight.dtype)
                )
            elif isinstance(cell, (nn.BatchNorm2d, nn.GroupNorm)):
                cell.gamma.set_data(initializer(One(), cell.gamma.shape, cell.gamma.dtype))
                cell.beta.set_data(initializer(Zero(), cell.beta.shape, cell.beta.dtype))
        if zero_init_residual:
            # Each residual branch starts as identity, which helps the first epochs (Goyal et al.).
            for _, cell in self.cells_and_names():
                if isinstance(cell, Bottleneck):
                    cell.bn3.gamma.set_data(initializer(Zero(), cell.bn3.gamma.shape, cell.bn3.gamma.dtype))
                elif isinstance(cell, BasicBlock):
                    cell.bn2.gamma.set_data(initializer(Zero(), cell.bn2.gamma.shape, cell.bn2.gamma.dtype))

    def forward_features(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        return self.layer4(x)

    def construct(self, x):
        x = self.forward_features(x)
        x = self.avgpool(x)
        x = self.flatten(x)
        x = self.dropout(x)
        logits = self.fc(x)
        if self.config.extra.get("debug", 0.0) > 0:
            # Left over from comparing activations against the torch model.
            print("logits mean", logits.asnumpy().mean())
        return logits


def resnet18(num_classes: int = 10, **overrides: float) -> ResNet:
    return ResNet(ResNetConfig(layers=(2, 2, 2, 2), num_classes=num_classes, extra=dict(overrides)))


def resnet34(num_classes: int = 10) -> ResNet:
    return ResNet(ResNetConfig(layers=(3, 4, 6, 3), num_classes=num_classes))


def resnet50(num_classes: int = 10) -> ResNet:
    return ResNet(ResNetConfig(block="bottleneck", layers=(3, 4, 6, 3), num_classes=num_classes))


def count_parameters(model: nn.Cell) -> int:
    return sum(int(np.prod(p.shape)) for p in model.trainable_params())


def load_pretrained(model: nn.Cell, path: str) -> list[str]:
    """Load a checkpoint, skipping the classifier when the class count differs."""
    state = ms.load_checkpoint(path)
    own = {p.name: p for p in model.get_parameters()}
    skipped = [k for k, v in state.items() if k in own and own[k].shape != v.shape]
    for key in skipped:
        del state[key]
    ms.load_param_into_net(model, state, strict_load=False)
    return skipped


class LabelSmoothingLoss(nn.Cell):
    def __init__(self, smoothing: float = 0.1) -> None:
        super().__init__()
        self.smoothing = smoothing
        self.log_softmax = nn.LogSoftmax(axis=-1)

    def construct(self, logits, target):
        log_probs = self.log_softmax(logits)
        nll = -ops.gather_elements(log_probs, -1, target.expand_dims(1)).squeeze(1)
        smooth = -log_probs.mean(axis=-1)
        return ((1.0 - self.smoothing) * nll + self.smoothing * smooth).mean()


if __name__ == "__main__":
    ms.set_context(mode=ms.GRAPH_MODE)
    net = resnet18()
    images = ms.Tensor(np.random.randn(2, 3, 32, 32), ms.float32)
    print(net(images).shape, count_parameters(net))
