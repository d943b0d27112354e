"""The port of resnet_torch.SmallResNet. `bn_momentum` is MindSpore's (the weight of the running value):
torch's momentum=0.1 is 0.9 here; passing 0.1 is the classic unconverted-momentum mistake."""

from mindspore import nn, ops


class BasicBlock(nn.Cell):
    def __init__(self, channels: int, bn_momentum: float) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, pad_mode="pad", padding=1)
        self.bn1 = nn.BatchNorm2d(channels, momentum=bn_momentum)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(channels, channels, 3, pad_mode="pad", padding=1)
        self.bn2 = nn.BatchNorm2d(channels, momentum=bn_momentum)

    def construct(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + x)


class SmallResNet(nn.Cell):
    def __init__(self, num_classes: int = 10, width: int = 8, bn_momentum: float = 0.9) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3, pad_mode="pad", padding=1)
        self.bn = nn.BatchNorm2d(width, momentum=bn_momentum)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.layer1 = nn.SequentialCell([BasicBlock(width, bn_momentum), BasicBlock(width, bn_momentum)])
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(p=0.5)
        self.fc = nn.Dense(width, num_classes)

    def construct(self, x):
        x = self.pool(self.relu(self.bn(self.stem(x))))
        x = self.layer1(x)
        x = ops.flatten(self.avgpool(x), start_dim=1)
        return self.fc(self.dropout(x))
