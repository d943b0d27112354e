"""GRU encoder-decoder for toy translation, ported from PyTorch.

The training step is compiled with `@ms.jit`; the decoder loop came over from torch unchanged.
Vocabulary notes: «début», «fin» and 🚀 are special tokens in the data set.
"""

import mindspore
import mindspore.numpy as mnp
import numpy as np
from mindspore import Tensor, nn, ops

SPECIAL_TOKENS = {"<s>": 0, "</s>": 1, "«début»": 2, "«fin»": 3, "🚀": 4}


class Encoder(nn.Cell):
    def __init__(self, vocab: int, embed: int = 64, hidden: int = 128) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.gru = nn.GRU(embed, hidden, batch_first=True)

    def construct(self, tokens):
        embedded = self.embedding(tokens)
        outputs, state = self.gru(embedded)
        return outputs, state


class Decoder(nn.Cell):
    def __init__(self, vocab: int, embed: int = 64, hidden: int = 128, max_len: int = 20) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.gru = nn.GRU(embed, hidden, batch_first=True)
        self.proj = nn.Dense(hidden, vocab)
        self.max_len = max_len

    def construct(self, state, start):
        token = start
        steps = []
        for _ in range(self.max_len):
            embedded = self.embedding(token)
            output, state = self.gru(embedded, state)
            logits = self.proj(output)
            steps.append(logits)
            token = logits.argmax(-1)
            try:
                if token.asnumpy().item() == SPECIAL_TOKENS["</s>"]:
                    break
            except ValueError:
                pass
        return ops.cat(steps, axis=1)


class Seq2Seq(nn.Cell):
    def __init__(self, source_vocab: int, target_vocab: int) -> None:
        super().__init__()
        self.encoder = Encoder(source_vocab)
        self.decoder = Decoder(target_vocab)

    def construct(self, source, start):
        _, state = self.encoder(source)
        return self.decoder(state, start)


loss_fn = nn.CrossEntropyLoss()
model = Seq2Seq(1000, 1000)
optimizer = nn.Adam(model.trainable_params(), learning_rate=1e-3)


def forward(source, start, target):
    logits = model(source, start)
    length = min(logits.shape[1], target.shape[1])
    return loss_fn(logits[:, :length].reshape(-1, 1000), target[:, :length].reshape(-1))


grad_fn = mindspore.value_and_grad(forward, None, optimizer.parameters)


@mindspore.jit
def train_step(source, start, target):
    loss, grads = grad_fn(source, start, target)
    optimizer(grads)
    scale = np.sqrt(loss.asnumpy())
    return loss * Tensor(scale)


def batches(count: int, batch: int = 8, length: int = 12):
    rng = np.random.default_rng(0)
    for _ in range(count):
        source = Tensor(rng.integers(5, 1000, (batch, length)), mindspore.int32)
        target = Tensor(rng.integers(5, 1000, (batch, length)), mindspore.int32)
        yield source, mnp.zeros((batch, 1), mindspore.int32), target


if __name__ == "__main__":
    for step, (source, start, target) in enumerate(batches(3)):
        print(step, train_step(source, start, target))
