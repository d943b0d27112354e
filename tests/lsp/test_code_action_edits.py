"""The edits behind code actions, computed directly: `# noqa` placement, fix spans, fix-all."""

from __future__ import annotations

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Category, Finding, Severity, Span, TextEdit
from msmigrate.analysis.source import span_offsets
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.lsp.code_actions import fix_all_safe, noqa_edits, to_lsp_edits
from msmigrate.lsp.positions import UTF16
from tests.lsp.lsp_client import apply_text_edits
from tests.lsp.samples import FIXABLE


def finding(line: int, end_line: int | None = None, code: str = "MSG002") -> Finding:
    return Finding(code, "message", Severity.WARNING, Span(line, 0, end_line or line, 1), Category.GRAPH_SYNTAX)


def with_noqa(text: str, found: Finding) -> str:
    return apply_text_edits(text, noqa_edits(text, found, UTF16), UTF16)


def test_noqa_goes_at_the_end_of_the_line() -> None:
    assert with_noqa("import mindspore\ny = x.asnumpy()\n", finding(2)) == (
        "import mindspore\ny = x.asnumpy()  # noqa: MSG002\n"
    )


def test_noqa_joins_an_existing_code_list() -> None:
    text = "import mindspore\ny = x.asnumpy()  # noqa: MSG001\n"
    assert with_noqa(text, finding(2)) == "import mindspore\ny = x.asnumpy()  # noqa: MSG001, MSG002\n"


def test_noqa_avoids_the_inside_of_a_multiline_string_and_a_continuation() -> None:
    text = 'import mindspore\ny = """a\nb""" + x.asnumpy()\nz = 1 + \\\n    x.item()\n'
    assert with_noqa(text, finding(2, 3)) == text.replace("x.asnumpy()\n", "x.asnumpy()  # noqa: MSG002\n")
    assert with_noqa(text, finding(4, 5)) == text.replace("x.item()\n", "x.item()  # noqa: MSG002\n")


def test_noqa_is_not_offered_where_no_comment_can_go() -> None:
    text = 'import mindspore\ny = f"""{x.asnumpy()}\n"""\n'
    assert noqa_edits(text, finding(2, 2), UTF16) == []


def test_noqa_keeps_crlf_line_endings() -> None:
    text = "import mindspore\r\ny = x.asnumpy()\r\nz = 1\r\n"
    assert with_noqa(text, finding(2)) == "import mindspore\r\ny = x.asnumpy()  # noqa: MSG002\r\nz = 1\r\n"


def test_fix_spans_count_lines_as_lsp_does() -> None:
    # A form feed does not end a line, for the tokenizer, for LSP, and for `msmigrate.fixes`.
    text = "a = 1\x0cb = 2\nc = 3\n"
    assert span_offsets(text, Span(2, 0, 2, 5)) == (12, 17)
    (edit,) = to_lsp_edits(text, [TextEdit(Span(2, 0, 2, 5), "C = 3")], UTF16)
    assert (edit.range.start.line, edit.range.start.character) == (1, 0)
    assert apply_text_edits(text, [edit], UTF16) == "a = 1\x0cb = 2\nC = 3\n"


def test_a_fix_lands_where_the_fix_machinery_put_it_after_a_form_feed() -> None:
    text = (
        "import mindspore as ms\nfrom mindspore import nn\n\x0c\nclass Net(nn.Cell):\n"
        "    def construct(self, x):\n        if x in {1, 2}:\n            return x\n        return x\n"
    )
    found = next(found for found in Engine().analyze(text).findings if found.fixes)
    edits = compute_edits(text, found, found.fixes[0])
    through_lsp = apply_text_edits(text, to_lsp_edits(text, edits, UTF16), UTF16)
    assert through_lsp == apply_edits(text, edits) == text.replace("{1, 2}", "(1, 2)")


def test_fix_all_applies_every_safe_fix_until_nothing_is_left() -> None:
    fixed = fix_all_safe(FIXABLE, Engine())
    assert fixed == FIXABLE.replace('{"train", "é😀"}', '("train", "é😀")').replace("{1, 2}", "(1, 2)")
    assert fix_all_safe(fixed, Engine()) == fixed


def test_fix_all_leaves_text_that_does_not_parse_alone() -> None:
    broken = FIXABLE + "def oops(:\n"
    assert fix_all_safe(broken, Engine()) == broken
