"""End-to-end: hovers on torch and MindSpore API names, over stdio, in every client profile."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.lsp_client import RecordingClient, position_of
from tests.lsp.samples import HOST_COPY
from tests.lsp.test_server import doc_id, finding_range, open_and_wait, session

TORCH_MODEL = """\
import torch
from torch import nn as tnn
from torch.nn import functional as F


class Block(tnn.Module):
    def __init__(self):
        super().__init__()
        label = "é😀"; self.drop = tnn.Dropout(0.2)
        self.conv = tnn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        noise = torch.randn(3).random_()
        return F.relu(self.drop(self.conv(x))) + noise
"""

MINDSPORE_MODEL = """\
import mindspore as ms
from mindspore import ops


def swap(x):
    dense = ms.nn.Dense(4, 2)
    return dense(ops.transpose(x, (1, 0)))
"""


async def hover_text(client: RecordingClient, uri: str, text: str, needle: str, encoding: str) -> types.Hover:
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc_id(uri), position=position_of(text, needle, encoding))
    )
    assert hover is not None, f"no hover on {needle!r}"
    assert isinstance(hover.contents, types.MarkupContent)
    return hover


async def test_torch_layer_shows_both_namespaces_differences_cpu_and_pinned_link(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, _ = await open_and_wait(client, "api_hover_torch.py", TORCH_MODEL)
    hover = await hover_text(client, uri, TORCH_MODEL, "Dropout", encoding)
    text = hover.contents.value
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert text.startswith("**`torch.nn.Dropout`** → MindSpore")
    assert "| current | `mindspore.mint.nn.Dropout` | consistent | no CPU kernel" in text
    assert "| legacy | `mindspore.nn.Dropout` | differs |" in text
    assert "| `p` | `keep_prob` | keep_prob = 1 - p" in text
    assert "| `inplace` | — | torch only |" in text
    assert "**Behaviour:** Cells start in inference mode" in text
    assert "(https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/Dropout.html)" in text
    # The range covers `tnn.Dropout`, after "é😀" on its line: in the client's own code units.
    assert hover.range == finding_range(TORCH_MODEL, "tnn.Dropout", encoding)


async def test_alias_imports_resolve(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, _ = await open_and_wait(client, "api_hover_alias.py", TORCH_MODEL)
    conv = (await hover_text(client, uri, TORCH_MODEL, "Conv2d", encoding)).contents.value
    assert conv.startswith("**`torch.nn.Conv2d`**")
    assert "| `bias` | `has_bias` | renamed; default True → False" in conv
    relu = (await hover_text(client, uri, TORCH_MODEL, "relu", encoding)).contents.value
    assert relu.startswith("**`torch.nn.functional.relu`**")
    assert "| current | `mindspore.mint.nn.functional.relu` | consistent | runs on CPU |" in relu
    assert "| legacy | `mindspore.ops.relu` | consistent |" in relu


async def test_tensor_method_with_no_counterpart_says_so(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, _ = await open_and_wait(client, "api_hover_random.py", TORCH_MODEL)
    hover = await hover_text(client, uri, TORCH_MODEL, "random_", encoding)
    assert hover.contents.value.startswith(
        "**`torch.Tensor.random_`**: no MindSpore counterpart in the PyTorch → MindSpore mapping tables"
    )
    assert hover.range == finding_range(TORCH_MODEL, "random_", encoding), "a method is hovered on its own name"


async def test_mindspore_names_show_the_torch_side(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, _ = await open_and_wait(client, "api_hover_ms.py", MINDSPORE_MODEL)
    transpose = (await hover_text(client, uri, MINDSPORE_MODEL, "transpose", encoding)).contents.value
    assert transpose.startswith("**`mindspore.ops.transpose`** is not `torch.transpose`")
    assert "`mindspore.ops.swapaxes`" in transpose
    dense = (await hover_text(client, uri, MINDSPORE_MODEL, "Dense", encoding)).contents.value
    assert dense.startswith("**`mindspore.nn.Dense`** ← PyTorch `torch.nn.Linear` (legacy table: differs)")
    assert "| `in_features` | `in_channels` | renamed |" in dense


async def test_modules_and_local_names_have_no_api_hover(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, _ = await open_and_wait(client, "api_hover_none.py", TORCH_MODEL)
    for needle in ("tnn.Dropout", "label", "self.conv"):
        hover = await client.text_document_hover_async(
            types.HoverParams(text_document=doc_id(uri), position=position_of(TORCH_MODEL, needle, encoding))
        )
        assert hover is None, needle


async def test_rule_documentation_and_api_sections_combine(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, published = await open_and_wait(client, "api_hover_both.py", HOST_COPY)
    assert [str(diagnostic.code) for diagnostic in published.diagnostics] == ["MSG002"]
    hover = await hover_text(client, uri, HOST_COPY, "asnumpy", encoding)
    rule, api = hover.contents.value.split("\n\n---\n\n")
    assert rule.startswith("**MSG002** `TensorToHostInGraph`")
    assert api.startswith("**`mindspore.Tensor.asnumpy`** ← PyTorch `torch.Tensor.numpy`")
    assert hover.range == published.diagnostics[0].range


async def test_hover_follows_the_edited_text(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, _ = await open_and_wait(client, "api_hover_edit.py", TORCH_MODEL)
    edited = TORCH_MODEL.replace("tnn.Dropout(0.2)", "tnn.BatchNorm2d(8)")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
        )
    )
    hover = await hover_text(client, uri, edited, "BatchNorm2d", encoding)
    assert hover.contents.value.startswith("**`torch.nn.BatchNorm2d`**")
    assert "| `momentum` | `momentum` | momentum_ms = 1 - momentum_torch" in hover.contents.value
