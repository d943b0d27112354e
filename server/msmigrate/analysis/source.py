"""Source text with the position conversions the engine needs.

`ast` reports columns as UTF-8 byte offsets; the engine reports code points. Lines that are pure
ASCII (nearly all of them) need no conversion, so it is done only where a line has other characters.
"""

from __future__ import annotations

import ast
import re
from functools import cached_property

from msmigrate.analysis.findings import Span

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE_WITH_END = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines_keepends(text: str) -> list[str]:
    """Lines with their endings; only "\r\n", "\r" and "\n" end a line (see `SourceText.lines`)."""
    return _LINE_WITH_END.findall(text)


def span_offsets(text: str, span: Span) -> tuple[int, int]:
    """Text offsets of a span's start and end (past the last line: the end of the text)."""
    lines = split_lines_keepends(text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        if line - 1 >= len(lines):
            return len(text)
        return starts[line - 1] + column

    return offset(span.line, span.column), offset(span.end_line, span.end_column)


class SourceText:
    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def lines(self) -> list[str]:
        # Only "\r\n", "\r" and "\n" end a line, for the Python tokenizer as for LSP. `str.splitlines`
        # also splits at form feeds, "\x85" and "\u2028", which shifted every later line (and its
        # column conversion) on files containing them.
        return _LINE_BREAK.split(self.text)

    def line(self, line_number: int) -> str:
        """The text of a 1-based line, or "" past the end."""
        if 1 <= line_number <= len(self.lines):
            return self.lines[line_number - 1]
        return ""

    def byte_to_codepoint(self, line_number: int, byte_column: int) -> int:
        line = self.line(line_number)
        if line.isascii():
            return byte_column
        return len(line.encode("utf-8")[:byte_column].decode("utf-8", errors="ignore"))

    def span_of(self, node: ast.AST) -> Span:
        """The span of an ast node (which must carry positions)."""
        line = node.lineno  # type: ignore[attr-defined]
        end_line = node.end_lineno or line  # type: ignore[attr-defined]
        column = self.byte_to_codepoint(line, node.col_offset)  # type: ignore[attr-defined]
        end_byte = node.end_col_offset  # type: ignore[attr-defined]
        end_column = self.byte_to_codepoint(end_line, end_byte) if end_byte is not None else column
        return Span(line, column, end_line, end_column)

    def span_between(self, start: ast.AST, end: ast.AST) -> Span:
        first = self.span_of(start)
        last = self.span_of(end)
        return Span(first.line, first.column, last.end_line, last.end_column)

    def head_span(self, node: ast.AST, keyword: str) -> Span:
        """A span covering just the leading keyword of a statement (`try`, `del`, `for`, ...)."""
        span = self.span_of(node)
        return Span(span.line, span.column, span.line, span.column + len(keyword))
