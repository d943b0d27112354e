"""End-to-end: the layer rules (MSA001, MSA003, MSA005) through the real server, and the pad_mode quick-fix."""

from __future__ import annotations

from lsprotocol import types

from msmigrate.rules import rule_by_code
from tests.lsp.lsp_client import RecordingClient, apply_text_edits, edits_for, position_at, replace_document
from tests.lsp.test_server import code_actions, finding_range, open_and_wait, resolved, session

PORT = """\
import mindspore as ms
from mindspore import nn


class Stem(nn.Cell):
    def __init__(self):
        super().__init__()
        self.tag, self.conv = "é😀", nn.Conv2d(3, 16, 3, padding=1, has_bias=True)
        self.bn = nn.BatchNorm2d(16, momentum=0.1)
        self.drop = nn.Dropout(0.2)

    def construct(self, x):
        return self.drop(self.bn(self.conv(x)))
"""
CONV_CALL = "nn.Conv2d(3, 16, 3, padding=1, has_bias=True)"
LAYER_CODES = {"MSA001", "MSA003", "MSA005"}
PAD_MODE_TITLE = 'Add `pad_mode="pad"`'


async def test_layer_findings_carry_doc_links_and_the_pad_mode_fix_applies(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, published = await open_and_wait(client, "stem_port.py", PORT, version=3)
    layer_diagnostics = {str(d.code): d for d in published.diagnostics if str(d.code) in LAYER_CODES}
    assert set(layer_diagnostics) == LAYER_CODES
    for code, diagnostic in layer_diagnostics.items():
        rule = rule_by_code(code)
        assert rule is not None and diagnostic.code_description is not None
        assert diagnostic.code_description.href == rule.doc_url()
        assert "/r2.4.10/note/api_mapping/pytorch_diff/" in diagnostic.code_description.href
    assert layer_diagnostics["MSA001"].severity == types.DiagnosticSeverity.Warning
    assert layer_diagnostics["MSA003"].severity == types.DiagnosticSeverity.Warning
    conv = layer_diagnostics["MSA005"]
    assert conv.severity == types.DiagnosticSeverity.Error
    assert conv.range == finding_range(PORT, CONV_CALL, encoding)

    actions = await code_actions(client, uri, [conv])
    (fix,) = [action for action in actions if action.title == PAD_MODE_TITLE]
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred is True
    fix = await resolved(client, fix)
    edits, _ = edits_for(fix.edit, uri)
    fixed = apply_text_edits(PORT, edits, encoding)
    assert fixed == PORT.replace("padding=1, has_bias=True)", 'padding=1, has_bias=True, pad_mode="pad")')

    replace_document(client, uri, fixed, 4)
    after = await client.publish_log.wait_for(uri, 4)
    assert {str(d.code) for d in after.diagnostics} & LAYER_CODES == {"MSA001", "MSA003"}


async def test_unsafe_layer_fixes_are_offered_but_not_preferred(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, published = await open_and_wait(client, "dropout_port.py", PORT)
    (dropout,) = [d for d in published.diagnostics if str(d.code) == "MSA001"]
    line = PORT.splitlines()[dropout.range.start.line]
    whole_line = types.Range(
        start=types.Position(line=dropout.range.start.line, character=0),
        end=position_at(PORT, PORT.index(line) + len(line), encoding),
    )
    actions = await code_actions(client, uri, [dropout], whole=whole_line)
    by_title = {action.title: action for action in actions}
    torch_meaning = by_title["Use `p=0.2` (PyTorch's `Dropout(0.2)`: drop 20 %) (unsafe fix)"]
    assert not torch_meaning.is_preferred
    torch_meaning = await resolved(client, torch_meaning)
    edits, _ = edits_for(torch_meaning.edit, uri)
    assert "nn.Dropout(p=0.2)" in apply_text_edits(PORT, edits, encoding)
    assert any("no CPU kernel in MindSpore 2.10" in title for title in by_title)
