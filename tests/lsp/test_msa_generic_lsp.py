"""End-to-end: MSA020 over the real server, and its rename-keyword code action applied by each client profile."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.lsp_client import RecordingClient, apply_text_edits, edits_for, replace_document
from tests.lsp.test_server import code_actions, finding_range, open_and_wait, resolved, session

PORT = """\
from mindspore import nn


class Head(nn.Cell):
    def __init__(self):
        super().__init__()
        label = "é😀"; self.fc = nn.Dense(4, 2, bias=False)

    def construct(self, x):
        return self.fc(x)
"""
TORCH = """\
import torch


def evaluate(model, batch):
    with torch.no_grad():
        return model(batch)
"""


async def test_unknown_keyword_is_an_error_and_its_rename_fixes_it(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, published = await open_and_wait(client, "msa_generic_port.py", PORT, version=5)
    (diagnostic,) = [d for d in published.diagnostics if d.code == "MSA020"]
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.range == finding_range(PORT, "bias=False", encoding)
    assert "MindSpore names it `has_bias`" in diagnostic.message

    actions = await code_actions(client, uri, [diagnostic])
    (rename,) = [action for action in actions if action.title == "Rename `bias=` to `has_bias=`"]
    assert rename.kind == types.CodeActionKind.QuickFix
    assert rename.is_preferred, "a safe fix is the preferred action"
    rename = await resolved(client, rename)
    edits, _ = edits_for(rename.edit, uri)
    fixed = apply_text_edits(PORT, edits, encoding)
    assert fixed == PORT.replace("bias=False", "has_bias=False")

    replace_document(client, uri, fixed, 6)
    after = await client.publish_log.wait_for(uri, 6)
    assert [d.code for d in after.diagnostics if d.code == "MSA020"] == []


async def test_torch_file_gets_information_not_errors(client: RecordingClient) -> None:
    encoding = await session(client)
    _, published = await open_and_wait(client, "msa_generic_torch.py", TORCH)
    (diagnostic,) = published.diagnostics
    assert diagnostic.code == "MSA103"
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    assert diagnostic.range == finding_range(TORCH, "torch.no_grad()", encoding)
