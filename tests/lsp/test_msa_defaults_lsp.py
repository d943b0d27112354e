"""End-to-end: a port opened in the real server shows MSA010-MSA018 and applies the swapaxes quick-fix."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.lsp_client import RecordingClient, apply_text_edits, edits_for, replace_document
from tests.lsp.test_server import VERSIONED_EDITS, code_actions, codes, finding_range, open_and_wait, resolved, session

PORT = '''"""Attention block ported from the PyTorch model (torch: q.transpose(1, 2))."""
import mindspore as ms
from mindspore import nn, ops


class Block(nn.Cell):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.norm = nn.LayerNorm((width,))
        self.act = nn.GELU()
        self.leaky = nn.LeakyReLU()
        self.loss = nn.SmoothL1Loss()

    def construct(self, q, target):
        tag = "é😀"; q = ops.transpose(q, 1, 2)  # the text before the call has non-ASCII columns
        return self.loss(self.act(self.norm(q)), target), tag
'''
EXPECTED = ["MSA010", "MSA012", "MSA015", "MSA016", "MSA017", "MSA018"]


async def test_a_port_shows_the_default_differences_and_the_transpose_fix_applies(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, published = await open_and_wait(client, "attention_port.py", PORT, version=3)
    assert codes(published) == EXPECTED
    by_code = {str(diagnostic.code): diagnostic for diagnostic in published.diagnostics}
    assert by_code["MSA010"].severity == types.DiagnosticSeverity.Warning
    assert by_code["MSA012"].severity == types.DiagnosticSeverity.Information
    assert by_code["MSA018"].severity == types.DiagnosticSeverity.Error
    assert by_code["MSA018"].code_description is not None
    assert "mindspore.ops.swapaxes" in by_code["MSA018"].code_description.href
    transpose = by_code["MSA018"]
    assert transpose.range == finding_range(PORT, "ops.transpose(q, 1, 2)", encoding)

    actions = await code_actions(client, uri, [transpose])
    (fix,) = [action for action in actions if action.title == "Use `ops.swapaxes` (swap two axes)"]
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.is_preferred is True  # a safe fix
    fix = await resolved(client, fix)
    edits, version = edits_for(fix.edit, uri)
    assert version == (3 if VERSIONED_EDITS[client.profile] else None)
    fixed = apply_text_edits(PORT, edits, encoding)
    assert fixed == PORT.replace("ops.transpose(q, 1, 2)", "ops.swapaxes(q, 1, 2)")

    replace_document(client, uri, fixed, 4)
    after = await client.publish_log.wait_for(uri, 4)
    assert codes(after) == [code for code in EXPECTED if code != "MSA018"]
