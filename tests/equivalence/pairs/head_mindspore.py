"""The port of head_torch.ZeroHeadNet, with a DropPath as mindcv writes it (a keep probability)."""

from mindspore import nn, ops
from mindspore.common.initializer import Zero


class DropPath(nn.Cell):
    def __init__(self, drop_prob: float) -> None:
        super().__init__()
        self.keep_prob = 1.0 - drop_prob
        self.dropout = nn.Dropout(p=drop_prob)

    def construct(self, x):
        if self.keep_prob == 1.0 or not self.training:
            return x
        return x * self.dropout(ops.ones((x.shape[0], 1), x.dtype))


class ZeroHeadNet(nn.Cell):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Dense(8, 16)
        self.branch = nn.Dense(16, 16)
        self.drop_path = DropPath(0.5)
        self.head = nn.Dense(16, 3, weight_init=Zero(), bias_init=Zero())

    def construct(self, x):
        hidden = ops.relu(self.body(x))
        hidden = hidden + self.drop_path(self.branch(hidden))
        return self.head(hidden)
