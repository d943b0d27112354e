"""The MindSpore port of `torch_block.py`; the pair comment tells msmigrate what to check it against."""

from mindspore import nn


# msmigrate: pair=torch_block.py:ConvBlock
class ConvBlock(nn.Cell):
    def __init__(self, channels: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, pad_mode="pad", padding=1, has_bias=True)
        self.act = nn.LeakyReLU(0.2)

    def construct(self, x):
        return self.act(self.conv(x))
