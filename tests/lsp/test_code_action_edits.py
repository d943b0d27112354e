"""The edits behind code actions, computed directly: `# noqa` placement, fix spans, fix-all."""

from __future__ import annotations

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Category, Finding, Severity, Span, TextEdit
from msmigrate.lsp.code_actions import fix_all_safe, fix_span_offsets, noqa_edits, to_lsp_edits
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


def test_fix_spans_are_read_as_the_fix_machinery_writes_them() -> None:
    # `msmigrate.fixes` counts lines like str.splitlines (a form feed ends one); LSP does not.
    text = "a = 1\x0cb = 2\nc = 3\n"
    assert fix_span_offsets(text, Span(2, 0, 2, 5)) == (6, 11)
    (edit,) = to_lsp_edits(text, [TextEdit(Span(2, 0, 2, 5), "B = 2")], UTF16)
    assert (edit.range.start.line, edit.range.start.character) == (0, 6)
    assert apply_text_edits(text, [edit], UTF16) == "a = 1\x0cB = 2\nc = 3\n"


def test_fix_all_applies_every_safe_fix_until_nothing_is_left() -> None:
    fixed = fix_all_safe(FIXABLE, Engine())
    assert fixed == FIXABLE.replace('{"train", "é😀"}', '("train", "é😀")').replace("{1, 2}", "(1, 2)")
    assert fix_all_safe(fixed, Engine()) == fixed


def test_fix_all_leaves_text_that_does_not_parse_alone() -> None:
    broken = FIXABLE + "def oops(:\n"
    assert fix_all_safe(broken, Engine()) == broken
