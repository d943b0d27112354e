"""A notebook named on the command line: its code cells are checked, positions name the cell."""

from __future__ import annotations

from pathlib import Path

from msmigrate.analysis.findings import Span
from msmigrate.workspace.notebooks import NotebookCells
from tests.cli.conftest import notebook_json, write

IMPORTS = "import mindspore as ms\nfrom mindspore import nn\n%matplotlib inline\n!pip install mindspore\n"
CELL_CLASS = """\
class Net(nn.Cell):
    def construct(self, x):
        if x.shape[0] in {2, 3}:
            return x
        return ms.Tensor(x.asnumpy())
"""


def _notebook(tmp_path: Path) -> Path:
    cells = [
        ("markdown", "# A port\nSome prose with x.asnumpy() in it."),
        ("code", IMPORTS),
        ("code", ""),
        ("raw", "x.asnumpy()"),
        ("code", "get_ipython?\n%%capture is not a cell magic here\nvalue = 1"),
        ("code", CELL_CLASS),
    ]
    return write(tmp_path / "port.ipynb", notebook_json(cells))


def test_findings_are_located_in_their_cell(cli, tmp_path: Path) -> None:
    _notebook(tmp_path)
    run = cli("check", "port.ipynb", "--format", "json", "--select", "MSG002")
    assert run.err == ""
    [finding] = run.json()
    assert finding["path"] == "port.ipynb"
    assert finding["message"].startswith("cell 6: ")
    assert (finding["line"], finding["column"]) == (5, 26)
    line = CELL_CLASS.splitlines()[finding["line"] - 1]
    assert line[finding["column"] - 1 : finding["end_column"] - 1] == "x.asnumpy()"
    text = cli("check", "port.ipynb", "--select", "MSG002")
    assert text.out.startswith("port.ipynb:cell 6:5:26: MSG002 [warning] `.asnumpy()`")


def test_fix_edits_are_cell_relative(cli, tmp_path: Path) -> None:
    _notebook(tmp_path)
    findings = cli("check", "port.ipynb", "--format", "json", "--select", "MSG006").json()
    edits = [edit for finding in findings for fix in finding["fixes"] for edit in fix["edits"]]
    assert edits, "MSG006 offers a set-to-tuple fix for `x.shape[0] in {2, 3}`"
    for edit in edits:
        line = CELL_CLASS.splitlines(keepends=True)[edit["line"] - 1]
        assert "in {2, 3}" in line
        assert "in (2, 3)" in edit["new_text"]
    assert all(finding["message"].startswith("cell 6: ") for finding in findings)


def test_fix_leaves_notebooks_alone(cli, tmp_path: Path) -> None:
    path = _notebook(tmp_path)
    before = path.read_text()
    run = cli("check", "--fix", "port.ipynb")
    assert path.read_text() == before
    assert "port.ipynb: note: --fix does not change notebooks; findings are reported" in run.err
    assert "port.ipynb:cell 6:" in run.out


def test_syntax_error_names_the_cell(cli, tmp_path: Path) -> None:
    write(tmp_path / "bad.ipynb", notebook_json([("code", "import torch\n"), ("code", "x = 1\ndef broken(:\n")]))
    run = cli("check", "bad.ipynb")
    assert run.err.startswith("bad.ipynb:cell 2:2:")
    assert "skipped: SyntaxError" in run.err


def test_unreadable_notebooks_are_skipped(cli, tmp_path: Path) -> None:
    write(tmp_path / "a_broken.ipynb", '{"cells": [')
    write(tmp_path / "b_no_cells.ipynb", '{"metadata": {}}')
    write(tmp_path / "c_r.ipynb", notebook_json([("code", "library(torch)\n")], language="R"))
    run = cli("check", "a_broken.ipynb", "b_no_cells.ipynb", "c_r.ipynb")
    assert run.err.splitlines() == [
        "a_broken.ipynb: skipped: not a valid notebook (JSON error at line 1: Expecting value)",
        "b_no_cells.ipynb: skipped: not a valid notebook (no list of cells)",
        "c_r.ipynb: skipped: the notebook's language is R, not Python",
    ]
    assert run.code == 0


def test_cell_map_keeps_spans_within_one_cell() -> None:
    cells = NotebookCells(starts=(1, 4, 9), numbers=(2, 3, 7))
    assert cells.map_span(Span(5, 2, 5, 8)) == (3, Span(2, 2, 2, 8))
    # Ending at the start of the next cell is the end of this one.
    assert cells.map_span(Span(4, 0, 9, 0)) == (3, Span(1, 0, 6, 0))
    assert cells.map_span(Span(8, 0, 9, 1)) is None
    assert cells.map_span(Span(10, 0, 12, 0)) == (7, Span(2, 0, 4, 0))


def test_a_form_feed_line_does_not_shift_line_numbers_in_its_cell(cli, tmp_path: Path) -> None:
    # A form feed does not end a line (for the tokenizer, for editors): line 6 stays line 6.
    cell = "import mindspore as ms\nfrom mindspore import nn\n\x0cclass Net(nn.Cell):\n" + CELL_CLASS.split("\n", 1)[1]
    write(tmp_path / "ff.ipynb", notebook_json([("code", cell)]))
    run = cli("check", "ff.ipynb", "--format", "json", "--select", "MSG002")
    [finding] = run.json()
    assert finding["message"].startswith("cell 1: ")
    assert finding["line"] == 7
