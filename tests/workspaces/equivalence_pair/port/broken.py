"""A Cell whose construction raises: the check must end with a clear message and a live server."""

from mindspore import nn


# msmigrate: pair=../reference/conv_block.py:ConvBlock
class Exploding(nn.Cell):
    def __init__(self, channels: int = 4) -> None:
        super().__init__()
        raise RuntimeError(f"cannot build a block of {channels} channels")

    def construct(self, x):
        return x
