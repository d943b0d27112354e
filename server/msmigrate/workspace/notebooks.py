"""Jupyter notebooks as one Python text: the code cells joined in order, positions mapped back to cells.

`msmigrate check` and `msmigrate report` read `.ipynb` files this way, and the language server joins the
cells of an LSP notebook document the same way, so a notebook gets the same findings from both. A cell's
IPython syntax (`%magic`, `!shell`, `obj?`) becomes a `pass` line, so the lines of the joined text are the
lines of the cells, one for one.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from msmigrate.analysis.findings import Span
from msmigrate.analysis.source import split_lines_keepends

# Cell magics whose body is still Python; the body of any other (`%%bash`, `%%html`) is not.
PYTHON_CELL_MAGICS = frozenset({"%%time", "%%timeit", "%%capture", "%%prun"})


@dataclass(frozen=True)
class NotebookCells:
    """Where each code cell of a notebook starts in the joined text."""

    starts: tuple[int, ...]  # 1-based line of the joined text where each code cell begins
    numbers: tuple[int, ...]  # the 1-based position of that cell among all cells of the notebook

    def map_span(self, span: Span) -> tuple[int, Span] | None:
        """(cell number, the span with lines counted within that cell); None if it crosses cells.

        A span may end at column 0 of the next cell's first line: that is the end of its own cell.
        """
        index = self._index(span.line)
        end_index = self._index(span.end_line)
        ends_at_cell_boundary = (
            end_index == index + 1 and span.end_column == 0 and span.end_line == self.starts[end_index]
        )
        if end_index != index and not ends_at_cell_boundary:
            return None
        offset = self.starts[index] - 1
        return self.numbers[index], Span(span.line - offset, span.column, span.end_line - offset, span.end_column)

    def _index(self, line: int) -> int:
        return max(bisect.bisect_right(self.starts, line) - 1, 0)


def join_cells(cells: Iterable[tuple[int, str]]) -> tuple[str, NotebookCells]:
    """The joined text of the code cells `(number, source)`, in order, and where each one starts.

    A cell with no lines takes no place in the text (and is absent from the `NotebookCells`).
    """
    parts: list[str] = []
    starts: list[int] = []
    numbers: list[int] = []
    next_line = 1
    for number, source in cells:
        lines = python_lines_of_cell(source)
        if not lines:
            continue
        starts.append(next_line)
        numbers.append(number)
        parts.append("\n".join(lines) + "\n")
        next_line += len(lines)
    return "".join(parts), NotebookCells(tuple(starts), tuple(numbers))


def python_lines_of_cell(text: str) -> list[str]:
    """The cell's lines, IPython syntax (`%magic`, `!shell`, `obj?`) replaced by `pass` line for line."""
    # Lines as the engine counts them (a form feed does not end one), so cell line numbers stay right.
    lines = [line.rstrip("\r\n") for line in split_lines_keepends(text)]
    if lines and lines[0].startswith("%%"):
        magic = lines[0].split()[0]
        if magic not in PYTHON_CELL_MAGICS:
            return ["pass"] * len(lines)
        lines = ["pass", *lines[1:]]
    python_lines = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or (stripped.endswith("?") and not stripped.startswith("#")):
            python_lines.append(line[: len(line) - len(stripped)] + "pass")
        else:
            python_lines.append(line)
    return python_lines
