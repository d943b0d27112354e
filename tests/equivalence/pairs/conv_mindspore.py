"""Ports of conv_torch.ConvNet: one with MindSpore's default pad_mode ("same"), one with pad_mode="pad"."""

from mindspore import nn


class ConvNet(nn.Cell):
    def __init__(self) -> None:
        super().__init__()
        # "same" pads a stride-2 conv of an even size by 0 before and 1 after; torch pads 1 and 1.
        self.conv = nn.Conv2d(3, 8, 3, stride=2, has_bias=True)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)

    def construct(self, x):
        return self.pool(self.relu(self.conv(x)))


class ConvNetPadded(nn.Cell):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, pad_mode="pad", padding=1, has_bias=True)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)

    def construct(self, x):
        return self.pool(self.relu(self.conv(x)))


class ConvNetNoBias(nn.Cell):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, pad_mode="pad", padding=1)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)

    def construct(self, x):
        return self.pool(self.relu(self.conv(x)))
