"""The MindSpore side of the seeded equivalence pairs: one faithful port, one with a default that differs."""

from mindspore import nn


class ConvBlock(nn.Cell):
    def __init__(self, channels: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, pad_mode="pad", padding=1, has_bias=True)
        self.act = nn.LeakyReLU(0.2)

    def construct(self, x):
        return self.act(self.conv(x))


class LeakyHead(nn.Cell):
    def __init__(self, channels: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, pad_mode="pad", padding=1, has_bias=True)
        # torch's LeakyReLU() slope is 0.01; MindSpore's default alpha is 0.2.
        self.act = nn.LeakyReLU()

    def construct(self, x):
        return self.act(self.conv(x))
