"""LSP notebook documents, end to end: the real server over stdio, a client that syncs notebooks.

The cells are one module in order (the same findings as `msmigrate check` gives the `.ipynb` file), every
position is per cell, and hovers and fixes work in cells; a fix that adds an import edits the cell that
holds the imports. Each test runs for every client profile (UTF-16, UTF-8 and UTF-32 positions; with
and without `codeAction/resolve`), each given the notebook capability VS Code sends.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import attrs
from lsprotocol import types
from pytest_lsp import client_capabilities

from tests.cli.conftest import notebook_json
from tests.lsp.lsp_client import DATA, RecordingClient, apply_text_edits, edits_for, encoding_of, offset_of, position_of

NOTEBOOK_URI = (DATA / "virtual" / "port.ipynb").as_uri()
CELLS = (  # (kind, text); the texts end without a line break, as notebook cells usually do
    ("code", "from mindspore import nn\nimport numpy as np\n%matplotlib inline"),
    ("markdown", "# The port\nProse may say x.asnumpy() without a finding."),
    ("code", ""),
    (
        "code",
        "class Net(nn.Cell):\n"
        "    def construct(self, x):\n"
        '        label = "é😀"; y = x.asnumpy()\n'
        "        return np.mean(x)",
    ),
)
RESOLVES_EDITS = {"visual-studio-code": True, "neovim": True, "emacs": False}
VERSIONED_EDITS = {"visual-studio-code": True, "neovim": False, "emacs": True}


def cell_uri(index: int) -> str:
    return f"vscode-notebook-cell:{(DATA / 'virtual' / 'port.ipynb').as_posix()}#W{index}sZmlsZQ%3D%3D"


async def start(client: RecordingClient) -> str:
    """Initialize with the profile's capabilities plus notebook sync; open the notebook; the encoding."""
    capabilities = attrs.evolve(
        client_capabilities(client.profile),
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities(execution_summary_support=True)
        ),
    )
    result = await client.initialize_session(types.InitializeParams(capabilities=capabilities, root_uri=DATA.as_uri()))
    sync = result.capabilities.notebook_document_sync
    assert isinstance(sync, types.NotebookDocumentSyncOptions)
    (selector,) = sync.notebook_selector
    assert [cell.language for cell in selector.cells] == ["python"]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=NOTEBOOK_URI,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    types.NotebookCell(
                        kind=types.NotebookCellKind.Code if kind == "code" else types.NotebookCellKind.Markup,
                        document=cell_uri(index),
                    )
                    for index, (kind, _) in enumerate(CELLS)
                ],
            ),
            cell_text_documents=[
                types.TextDocumentItem(
                    uri=cell_uri(index),
                    language_id="python" if kind == "code" else "markdown",
                    version=1,
                    text=text,
                )
                for index, (kind, text) in enumerate(CELLS)
            ],
        )
    )
    return encoding_of(result)


def change_cells(client: RecordingClient, version: int, cells: types.NotebookDocumentCellChanges) -> None:
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=NOTEBOOK_URI, version=version),
            change=types.NotebookDocumentChangeEvent(cells=cells),
        )
    )


def cli_findings(tmp_path: Path, cells: list[tuple[str, str]]) -> set[tuple[str, int, int, int]]:
    """(code, 1-based cell, line, column) of `msmigrate check` on the same cells saved as a notebook."""
    path = tmp_path / "port.ipynb"
    path.write_text(notebook_json(cells), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "msmigrate", "check", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr
    found = set()
    for finding in json.loads(completed.stdout):
        cell = int(finding["message"].removeprefix("cell ").split(":")[0])
        found.add((finding["code"], cell, finding["line"], finding["column"]))
    return found


def seen_in_cells(client: RecordingClient, encoding: str, texts: dict[int, str]) -> set[tuple[str, int, int, int]]:
    """The latest diagnostics of each cell as (code, 1-based cell, line, column in code points)."""
    found = set()
    for index, text in texts.items():
        published = client.publish_log.latest(cell_uri(index))
        for diagnostic in published.diagnostics if published else ():
            start = diagnostic.range.start
            line_start = offset_of(text, types.Position(line=start.line, character=0), encoding)
            column = offset_of(text, start, encoding) - line_start
            found.add((str(diagnostic.code), index + 1, start.line + 1, column + 1))
    return found


async def test_cells_get_the_findings_the_cli_gives_the_notebook_at_their_own_lines(
    client: RecordingClient, tmp_path: Path
) -> None:
    encoding = await start(client)
    published = await client.publish_log.wait_for(cell_uri(3), 1)
    assert published.version == 1
    assert sorted(str(diagnostic.code) for diagnostic in published.diagnostics) == ["MSG001", "MSG002"]
    asnumpy = next(diagnostic for diagnostic in published.diagnostics if diagnostic.code == "MSG002")
    assert asnumpy.range.start == position_of(CELLS[3][1], "x.asnumpy()", encoding)
    assert asnumpy.range.start.line == 2
    # Every analysed cell is published (an empty list clears it); prose and empty cells are not analysed.
    assert list(client.publish_log.latest(cell_uri(0)).diagnostics) == []
    assert client.publish_log.for_uri(cell_uri(1)) == client.publish_log.for_uri(cell_uri(2)) == []
    assert client.publish_log.for_uri(NOTEBOOK_URI) == []
    texts = {index: text for index, (kind, text) in enumerate(CELLS) if kind == "code"}
    expected = cli_findings(tmp_path, list(CELLS))
    assert {code for code, *_ in expected} == {"MSG001", "MSG002"}
    assert seen_in_cells(client, encoding, texts) == expected


async def test_a_hover_in_a_cell_shows_the_rule_and_its_range_in_the_cell(client: RecordingClient) -> None:
    encoding = await start(client)
    published = await client.publish_log.wait_for(cell_uri(3), 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=cell_uri(3)),
            position=position_of(CELLS[3][1], "asnumpy", encoding),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value.startswith("**MSG002**")
    assert hover.range == next(d.range for d in published.diagnostics if d.code == "MSG002")
    api = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=cell_uri(0)),
            position=position_of(CELLS[0][1], "nn", encoding),
        )
    )
    assert api is None or api.range is None or api.range.start.line == 0


async def test_a_fix_in_a_cell_edits_that_cell_and_the_cell_with_the_imports(
    client: RecordingClient, tmp_path: Path
) -> None:
    encoding = await start(client)
    published = await client.publish_log.wait_for(cell_uri(3), 1)
    mean = next(diagnostic for diagnostic in published.diagnostics if diagnostic.code == "MSG001")
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=cell_uri(3)),
            range=mean.range,
            context=types.CodeActionContext(diagnostics=[mean]),
        )
    )
    (fix,) = [action for action in result or [] if isinstance(action, types.CodeAction) and action.is_preferred]
    assert "mindspore.numpy.mean" in fix.title
    assert list(fix.diagnostics or ()) == [mean]
    if RESOLVES_EDITS[client.profile]:
        assert fix.edit is None
        fix = await client.code_action_resolve_async(fix)
    texts = [text for _, text in CELLS]
    changed = {}
    for index in (0, 3):
        edits, version = edits_for(fix.edit, cell_uri(index))
        assert edits, f"the fix leaves cell {index} alone"
        assert version == (1 if VERSIONED_EDITS[client.profile] else None)
        changed[index] = apply_text_edits(texts[index], edits, encoding)
    assert edits_for(fix.edit, NOTEBOOK_URI)[0] == []
    assert (
        changed[0] == "from mindspore import nn\nimport numpy as np\nimport mindspore.numpy as mnp\n%matplotlib inline"
    )
    assert changed[3] == CELLS[3][1].replace("np.mean(x)", "mnp.mean(x)")

    # The fixed cells, sent back as the editor would, have no MSG001 left, here and for the CLI.
    change_cells(
        client,
        2,
        types.NotebookDocumentCellChanges(
            text_content=[
                types.NotebookDocumentCellContentChanges(
                    document=types.VersionedTextDocumentIdentifier(uri=cell_uri(index), version=2),
                    changes=[types.TextDocumentContentChangeWholeDocument(text=changed[index])],
                )
                for index in (0, 3)
            ]
        ),
    )
    after = await client.publish_log.wait_for(cell_uri(3), 2)
    assert [str(diagnostic.code) for diagnostic in after.diagnostics] == ["MSG002"]
    fixed_cells = [(kind, changed.get(index, text)) for index, (kind, text) in enumerate(CELLS)]
    assert {code for code, *_ in cli_findings(tmp_path, fixed_cells)} == {"MSG002"}


async def test_typing_inserting_and_removing_cells_keep_every_cell_right(client: RecordingClient) -> None:
    encoding = await start(client)
    await client.publish_log.wait_for(cell_uri(3), 1)
    asnumpy = position_of(CELLS[3][1], "y = x.asnumpy()", encoding)
    new_cell = "class Other(nn.Cell):\n    def construct(self, x):\n        return x.asnumpy()\n"
    change_cells(
        client,
        2,
        types.NotebookDocumentCellChanges(
            # A new cell before the last one, and an edit in the last one that removes `y = x.asnumpy()`.
            structure=types.NotebookDocumentCellChangeStructure(
                array=types.NotebookCellArrayChange(
                    start=3,
                    delete_count=0,
                    cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=cell_uri(9))],
                ),
                did_open=[types.TextDocumentItem(uri=cell_uri(9), language_id="python", version=1, text=new_cell)],
            ),
            text_content=[
                types.NotebookDocumentCellContentChanges(
                    document=types.VersionedTextDocumentIdentifier(uri=cell_uri(3), version=2),
                    changes=[
                        types.TextDocumentContentChangePartial(
                            range=types.Range(
                                start=asnumpy,
                                end=types.Position(
                                    line=asnumpy.line, character=asnumpy.character + len("y = x.asnumpy()")
                                ),
                            ),
                            text="y = x",
                        )
                    ],
                )
            ],
        ),
    )
    last = await client.publish_log.wait_for(cell_uri(3), 2)
    assert [str(diagnostic.code) for diagnostic in last.diagnostics] == ["MSG001"]
    assert last.diagnostics[0].range.start.line == 3  # still counted within its own cell
    inserted = await client.publish_log.wait_for(cell_uri(9), 1)
    assert [(str(d.code), d.range.start.line) for d in inserted.diagnostics] == [("MSG002", 2)]

    # Removing the new cell clears its diagnostics; closing the notebook clears every cell's.
    change_cells(
        client,
        3,
        types.NotebookDocumentCellChanges(
            structure=types.NotebookDocumentCellChangeStructure(
                array=types.NotebookCellArrayChange(start=3, delete_count=1),
                did_close=[types.TextDocumentIdentifier(uri=cell_uri(9))],
            )
        ),
    )
    cleared = await client.publish_log.wait_for(cell_uri(9), matching=lambda params: not params.diagnostics)
    assert cleared.version is None
    mark = len(client.publish_log.published)
    client.notebook_document_did_close(
        types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=NOTEBOOK_URI),
            cell_text_documents=[types.TextDocumentIdentifier(uri=cell_uri(index)) for index in range(len(CELLS))],
        )
    )
    closed = await client.publish_log.wait_for(cell_uri(3), after=mark)
    assert list(closed.diagnostics) == []
