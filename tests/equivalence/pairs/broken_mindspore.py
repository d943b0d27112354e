"""Cells that raise, hang, or end their process: the check must survive each with a clear message."""

import os

from mindspore import nn


class Net(nn.Cell):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Dense(4, 2)


class Raising(Net):
    def construct(self, x):
        raise ValueError("this port is not finished")


class Hanging(Net):
    def construct(self, x):
        while True:
            pass


class Exiting(Net):
    def construct(self, x):
        os._exit(3)
