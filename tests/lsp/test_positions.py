"""Position conversion at the LSP boundary: code points <-> UTF-8 / UTF-16 / UTF-32 code units."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol.types import Position, Range

from msmigrate.analysis.findings import Span
from msmigrate.lsp.positions import (
    UTF8,
    UTF16,
    UTF32,
    LineIndex,
    apply_change,
    column_to_units,
    normalise_encoding,
    units_to_column,
)
from tests.lsp.lsp_client import offset_of, position_at

LINE = 'x = "é😀"; y = x.asnumpy()'
ENCODINGS = (UTF8, UTF16, UTF32)


@pytest.mark.parametrize(("encoding", "units"), [(UTF16, 11), (UTF8, 14), (UTF32, 10)])
def test_column_after_non_bmp_text(encoding: str, units: int) -> None:
    column = LINE.index("y =")
    assert column == 10
    assert column_to_units(LINE, column, encoding) == units
    assert units_to_column(LINE, units, encoding) == column


def test_a_column_inside_a_character_means_its_start_and_past_the_end_means_the_end() -> None:
    emoji = LINE.index("😀")
    assert units_to_column(LINE, column_to_units(LINE, emoji, UTF16) + 1, UTF16) == emoji
    assert units_to_column(LINE, column_to_units(LINE, emoji, UTF8) + 3, UTF8) == emoji
    assert units_to_column(LINE, 500, UTF16) == len(LINE)
    assert column_to_units(LINE, 500, UTF16) == column_to_units(LINE, len(LINE), UTF16)


def test_lone_surrogates_count_as_one_code_point() -> None:
    line = "a\ud800b"
    assert column_to_units(line, 2, UTF16) == 2
    assert column_to_units(line, 2, UTF8) == 4
    assert units_to_column(line, 4, UTF8) == 2


def test_only_cr_lf_and_crlf_end_lines() -> None:
    index = LineIndex("a\r\nb\rc\nd\x0ce\u2028f\x85g")
    assert index.line_count == 4
    assert [index.line_text(line) for line in range(4)] == ["a", "b", "c", "d\x0ce\u2028f\x85g"]
    assert index.line_text(4) == ""


def test_span_to_range_clamps_to_the_text() -> None:
    index = LineIndex("import mindspore\nx = 1\n")
    assert index.span_to_range(Span(2, 4, 2, 99), UTF16) == Range(
        start=Position(line=1, character=4), end=Position(line=1, character=5)
    )
    past_the_end = index.span_to_range(Span(9, 0, 9, 1), UTF16)
    assert past_the_end.start == past_the_end.end == Position(line=2, character=0)


def test_unknown_encodings_mean_utf16() -> None:
    assert normalise_encoding("utf-8") == UTF8
    assert normalise_encoding("latin-1") == UTF16
    assert normalise_encoding(None) == UTF16


def test_incremental_change_across_crlf() -> None:
    text = "ab\r\ncd\ref"
    changed = apply_change(
        text, Range(start=Position(line=0, character=1), end=Position(line=2, character=1)), "X", UTF16
    )
    assert changed == "aXf"


PIECES = st.sampled_from(["a", "é", "😀", "\U0001d518", "中", "\n", "\r\n", "\r", "\x0c", "\u2028", "\ud800", " "])
texts = st.lists(PIECES, max_size=40).map("".join)


def _boundaries(text: str) -> list[int]:
    """Offsets an LSP position can express: not between the two characters of "\\r\\n"."""
    return [offset for offset in range(len(text) + 1) if text[offset - 1 : offset + 1] != "\r\n"]


@settings(max_examples=400, derandomize=True, database=None)
@given(text=texts, encoding=st.sampled_from(ENCODINGS), data=st.data())
def test_positions_round_trip_and_agree_with_an_independent_count(
    text: str, encoding: str, data: st.DataObject
) -> None:
    index = LineIndex(text)
    offset = data.draw(st.sampled_from(_boundaries(text)))
    position = index.position_at(offset, encoding)
    assert position == position_at(text, offset, encoding)
    assert index.offset_at(position, encoding) == offset


@settings(max_examples=400, derandomize=True, database=None)
@given(text=texts, inserted=texts, encoding=st.sampled_from(ENCODINGS), data=st.data())
def test_apply_change_matches_editing_the_string(text: str, inserted: str, encoding: str, data: st.DataObject) -> None:
    start = data.draw(st.sampled_from(_boundaries(text)))
    end = data.draw(st.sampled_from([offset for offset in _boundaries(text) if offset >= start]))
    change = Range(start=position_at(text, start, encoding), end=position_at(text, end, encoding))
    assert offset_of(text, change.start, encoding) == start
    assert apply_change(text, change, inserted, encoding) == text[:start] + inserted + text[end:]
