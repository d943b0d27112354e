"""Code-point positions (the engine's) <-> LSP positions in the negotiated encoding.

The engine reports 1-based lines and 0-based columns counted in code points. LSP counts 0-based lines
and columns in code units of the encoding agreed at `initialize` (UTF-16 unless the client prefers
UTF-8 or UTF-32). Every conversion happens here, once, at the protocol boundary.

Lines end at "\\r\\n", "\\r" or "\\n" only, as LSP and the Python tokenizer define them; `str.splitlines`
also breaks at form feeds, "\\x85" and "\\u2028", so it is not used for positions.

Lone surrogates can reach the server (JSON allows them). Each is one code point, one UTF-16 unit,
and three UTF-8 units (the WTF-8 convention), so no conversion here ever raises on them.
"""

from __future__ import annotations

import bisect
import re

from lsprotocol.types import Position, PositionEncodingKind, Range

from msmigrate.analysis.findings import Span

UTF8 = PositionEncodingKind.Utf8.value
UTF16 = PositionEncodingKind.Utf16.value
UTF32 = PositionEncodingKind.Utf32.value
SUPPORTED_ENCODINGS = (UTF16, UTF8, UTF32)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def normalise_encoding(encoding: str | PositionEncodingKind | None) -> str:
    """The encoding's wire name; anything unknown means UTF-16, the LSP default."""
    value = encoding.value if isinstance(encoding, PositionEncodingKind) else encoding
    return value if value in SUPPORTED_ENCODINGS else UTF16


def _code_units(char: str, encoding: str) -> int:
    point = ord(char)
    if encoding == UTF16:
        return 2 if point > 0xFFFF else 1
    if encoding == UTF8:
        if point < 0x80:
            return 1
        if point < 0x800:
            return 2
        return 3 if point < 0x10000 else 4
    return 1


def units_in(text: str, encoding: str) -> int:
    """How many code units of `encoding` `text` takes."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    return sum(_code_units(char, encoding) for char in text)


def column_to_units(line_text: str, column: int, encoding: str) -> int:
    """A code-point column of a line as a column in code units (clamped to the line)."""
    column = max(0, min(column, len(line_text)))
    if encoding == UTF32 or line_text.isascii():
        return column
    return units_in(line_text[:column], encoding)


def units_to_column(line_text: str, units: int, encoding: str) -> int:
    """A column in code units as a code-point column.

    A column past the end of the line means the end of the line (LSP says so); one that falls inside
    a character (half a surrogate pair, the middle of a UTF-8 sequence) means that character's start.
    """
    units = max(0, units)
    if encoding == UTF32 or line_text.isascii():
        return min(units, len(line_text))
    counted = 0
    for column, char in enumerate(line_text):
        counted += _code_units(char, encoding)
        if counted > units:
            return column
    return len(line_text)


class LineIndex:
    """Line starts of one text, for converting between offsets, spans and LSP positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self._ends: list[int] = []  # where each line's text stops, before its line break
        for match in _LINE_BREAK.finditer(text):
            self._ends.append(match.start())
            self.starts.append(match.end())
        self._ends.append(len(text))

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_text(self, line: int) -> str:
        """The text of a 0-based line without its line break; "" past the end."""
        if not 0 <= line < len(self.starts):
            return ""
        return self.text[self.starts[line] : self._ends[line]]

    def offset_of(self, line: int, column: int) -> int:
        """The text offset of a 0-based line and code-point column, clamped into the text."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[line]
        return start + max(0, min(column, self._ends[line] - start))

    def line_and_column(self, offset: int) -> tuple[int, int]:
        """The 0-based line and code-point column of a text offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, min(offset, self._ends[line]) - self.starts[line]

    def position_at(self, offset: int, encoding: str) -> Position:
        line, column = self.line_and_column(offset)
        return Position(line=line, character=column_to_units(self.line_text(line), column, encoding))

    def offset_at(self, position: Position, encoding: str) -> int:
        """The text offset of an LSP position; positions past a line's end or the text's end are clamped."""
        line = position.line
        if line >= len(self.starts):
            return len(self.text)
        column = units_to_column(self.line_text(line), position.character, encoding)
        return self.offset_of(line, column)

    def to_position(self, line: int, column: int, encoding: str) -> Position:
        """An engine position (1-based line, code-point column) as an LSP position."""
        line0 = line - 1
        if line0 >= len(self.starts):
            return self.position_at(len(self.text), encoding)
        line0 = max(line0, 0)
        return Position(line=line0, character=column_to_units(self.line_text(line0), column, encoding))

    def span_to_range(self, span: Span, encoding: str) -> Range:
        start = self.to_position(span.line, span.column, encoding)
        end = self.to_position(span.end_line, span.end_column, encoding)
        if (end.line, end.character) < (start.line, start.character):
            end = start
        return Range(start=start, end=end)

    def offsets_to_range(self, start: int, end: int, encoding: str) -> Range:
        return Range(start=self.position_at(start, encoding), end=self.position_at(end, encoding))

    def range_to_span(self, lsp_range: Range, encoding: str) -> Span:
        """An LSP range as an engine span (1-based lines, code-point columns)."""
        start_line, start_column = self.line_and_column(self.offset_at(lsp_range.start, encoding))
        end_line, end_column = self.line_and_column(self.offset_at(lsp_range.end, encoding))
        return Span(start_line + 1, start_column, end_line + 1, end_column)


def apply_change(text: str, lsp_range: Range | None, new_text: str, encoding: str) -> str:
    """`text` after one `didChange` content change (a whole-document change when `lsp_range` is None)."""
    if lsp_range is None:
        return new_text
    index = LineIndex(text)
    start = index.offset_at(lsp_range.start, encoding)
    end = index.offset_at(lsp_range.end, encoding)
    if end < start:
        start, end = end, start
    return text[:start] + new_text + text[end:]


def contains(outer: Range, position: Position) -> bool:
    """Whether `position` lies in `outer`, ends included (a cursor just after a token still hovers it)."""
    start = (outer.start.line, outer.start.character)
    end = (outer.end.line, outer.end.character)
    return start <= (position.line, position.character) <= end


def overlaps(first: Range, second: Range) -> bool:
    return (first.start.line, first.start.character) <= (second.end.line, second.end.character) and (
        second.start.line,
        second.start.character,
    ) <= (first.end.line, first.end.character)
