"""Small documents the end-to-end tests open."""

# The finding sits after "é😀" on its line: 1 + 2 UTF-16 units, 2 + 4 UTF-8 units, 2 code points.
HOST_COPY = """import mindspore as ms
from mindspore import nn


class Net(nn.Cell):
    def construct(self, x):
        label = "é😀"; y = x.asnumpy()
        return ms.Tensor(y) * 2
"""
FINDING = "x.asnumpy()"


# Two set displays in graph code (MSG006), each with a SAFE fix; the first after "é😀" on its line.
FIXABLE = """import mindspore as ms
from mindspore import nn


class Net(nn.Cell):
    def construct(self, x, mode):
        if mode in {"train", "é😀"}:
            x = x * 2
        if mode not in {1, 2}:
            x = x + 1
        return x
"""
