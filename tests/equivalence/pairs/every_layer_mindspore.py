"""The port of every_layer_torch.EveryLayer, layer for layer."""

from mindspore import nn, ops


class EveryLayer(nn.Cell):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, pad_mode="pad", padding=1, has_bias=True)
        self.bn = nn.BatchNorm2d(4, momentum=0.9)
        self.group_conv = nn.Conv2d(4, 8, 1, has_bias=True)
        self.group_norm = nn.GroupNorm(2, 8)
        self.embedding = nn.Embedding(7, 6)
        self.linear = nn.Dense(6, 8)
        self.layer_norm = nn.LayerNorm((8,), epsilon=1e-5)
        self.prelu = nn.PReLU(5)  # one slope per token position (axis 1)
        self.conv1d = nn.Conv1d(6, 4, 3, pad_mode="pad", padding=1, has_bias=True)
        self.lstm = nn.LSTM(6, 5, batch_first=True)
        self.gru = nn.GRU(6, 5, batch_first=True)
        self.conv3d = nn.Conv3d(2, 3, 1, has_bias=True)
        self.bn3d = nn.BatchNorm3d(3, momentum=0.9)

    def construct(self, image, tokens, sequence, volume):
        picture = ops.relu(self.bn(self.conv(image)))
        grouped = self.group_norm(self.group_conv(picture))
        embedded = self.embedding(tokens)
        words = self.prelu(self.layer_norm(self.linear(embedded)))
        convolved = self.conv1d(sequence.swapaxes(1, 2))
        long_short, _ = self.lstm(sequence)
        gated, _ = self.gru(sequence)
        volumes = self.bn3d(self.conv3d(volume))
        return grouped, words, convolved, long_short, gated, volumes
