"""The port of lstm_torch.Tagger. LayerNorm's epsilon defaults to 1e-7 in MindSpore and 1e-5 in torch:
`norm_epsilon=1e-7` is the port that kept MindSpore's default."""

from mindspore import nn


class Tagger(nn.Cell):
    def __init__(
        self, vocabulary: int = 20, width: int = 8, hidden: int = 16, tags: int = 5, norm_epsilon: float = 1e-5
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, width)
        self.lstm = nn.LSTM(width, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.norm = nn.LayerNorm((2 * hidden,), epsilon=norm_epsilon)
        self.head = nn.Dense(2 * hidden, tags)

    def construct(self, tokens):
        states, _ = self.lstm(self.embedding(tokens))
        return self.head(self.norm(states))
