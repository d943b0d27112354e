"""Cells that raise, hang, or end their process: the check must survive each with a clear message."""

import os
import threading

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


LOCK = threading.Lock()


class GraphOnlyFailure(Net):
    """Runs in PyNative; GRAPH_MODE cannot compile a `with` on a lock (MindSpore 2.10)."""

    def construct(self, x):
        with LOCK:
            return self.fc(x)
