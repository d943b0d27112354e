"""The MindSpore port of `torch_net.py`, with one slip: `nn.LeakyReLU()` keeps MindSpore's default slope."""

from mindspore import nn


# msmigrate: pair=torch_net.py:TinyNet
class TinyNet(nn.Cell):
    def __init__(self, classes: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, pad_mode="pad", padding=1, has_bias=True)
        self.bn = nn.BatchNorm2d(8)
        self.act = nn.LeakyReLU()
        self.fc = nn.Dense(8, classes)

    def construct(self, x):
        x = self.act(self.bn(self.conv(x)))
        return self.fc(x.mean(axis=(2, 3)))
