"""LSP notebook documents: a notebook's Python cells analysed as one module, findings shown in each cell.

The Python code cells are joined in order exactly as `msmigrate check notebook.ipynb` joins them
(`workspace.notebooks.join_cells`: IPython syntax becomes `pass`, line for line), and the joined text is an
ordinary document of the `DocumentStore`, under the notebook's URI. Analysis, debouncing, caching by
version and the last good findings of a cell that does not parse therefore work as for a file.

What crosses the protocol is per cell: diagnostics are published on each cell's URI (tagged with that
cell's version), and a hover or code action asked in a cell is asked of the joined document at the same
line plus the cell's first line; ranges come back the same way, and edits as versioned edits of the cells
they touch (an import a fix adds lands in the cell that has the imports). An edit whose text in the joined
document differs from the cell's (it would touch a line IPython syntax turned into `pass`), or that would
merge two cells, is not offered.

Which cell sat where is kept per notebook version (`Layout`), for the versions a kept analysis or a code
action may still refer to.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lsprotocol import types

from msmigrate.lsp.diagnostics import DEBOUNCE_SECONDS
from msmigrate.lsp.documents import Document, DocumentKind
from msmigrate.lsp.hover import hover
from msmigrate.lsp.positions import LineIndex, apply_change
from msmigrate.workspace.notebooks import join_cells

if TYPE_CHECKING:
    from msmigrate.lsp.server import MsmigrateServer

log = logging.getLogger(__name__)

PYTHON = "python"
KEPT_LAYOUTS = 8
_LINE_BREAK = re.compile(r"\r\n?")  # the joined text ends every line with "\n"

NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithCells(notebook="*", cells=[types.NotebookCellLanguage(language=PYTHON)])
    ],
    save=True,
)


@dataclass
class Cell:
    uri: str
    version: int
    text: str
    language_id: str
    kind: types.NotebookCellKind

    @property
    def analysed(self) -> bool:
        """A Python code cell: markup and other languages are not part of the module."""
        return self.kind == types.NotebookCellKind.Code and self.language_id == PYTHON


@dataclass(frozen=True)
class CellPlace:
    """Where one cell's lines are in the joined text of one notebook version."""

    uri: str
    version: int  # the cell's version at that notebook version
    first_line: int  # 0-based line of the joined text
    line_count: int
    text: str  # the cell's text at that version

    def holds(self, joined_line: int) -> bool:
        return self.first_line <= joined_line < self.first_line + self.line_count


@dataclass(frozen=True)
class Layout:
    places: tuple[CellPlace, ...]

    def place_of_line(self, joined_line: int) -> CellPlace | None:
        return next((place for place in self.places if place.holds(joined_line)), None)

    def place_of_cell(self, uri: str) -> CellPlace | None:
        return next((place for place in self.places if place.uri == uri), None)


@dataclass
class Notebook:
    uri: str
    version: int
    cells: list[Cell]
    layouts: OrderedDict[int, Layout] = field(default_factory=OrderedDict)
    published_cells: set[str] = field(default_factory=set)  # cell URIs that may show diagnostics

    def joined(self) -> tuple[str, Layout]:
        """The Python text of the code cells, in order, and where each cell sits in it."""
        analysed = [cell for cell in self.cells if cell.analysed]
        text, positions = join_cells((number, cell.text) for number, cell in enumerate(analysed))
        ends = [*positions.starts[1:], text.count("\n") + 1]  # 1-based, exclusive; every joined line ends in \n
        places = []
        for number, start, end in zip(positions.numbers, positions.starts, ends, strict=True):
            cell = analysed[number]
            places.append(CellPlace(cell.uri, cell.version, start - 1, end - start, cell.text))
        return text, Layout(tuple(places))

    def layout(self, version: int) -> Layout | None:
        return self.layouts.get(version)


def _cell(item: types.TextDocumentItem | None, cell: types.NotebookCell) -> Cell:
    if item is None:  # the client sent no text for it: a cell of no language the server asked for
        return Cell(cell.document, 0, "", "", cell.kind)
    return Cell(item.uri, item.version, item.text, item.language_id, cell.kind)


class NotebookSync:
    """The open notebooks, and the translation of positions, diagnostics and edits between cells and module."""

    def __init__(self, server: MsmigrateServer) -> None:
        self.server = server
        self._notebooks: dict[str, Notebook] = {}
        self._notebook_of_cell: dict[str, str] = {}

    # --- synchronisation ------------------------------------------------------------------------------

    def open(self, params: types.DidOpenNotebookDocumentParams) -> None:
        notebook_document = params.notebook_document
        items = {item.uri: item for item in params.cell_text_documents}
        cells = [_cell(items.get(cell.document), cell) for cell in notebook_document.cells]
        notebook = Notebook(notebook_document.uri, notebook_document.version, cells)
        self._notebooks[notebook.uri] = notebook
        for cell in cells:
            self._notebook_of_cell[cell.uri] = notebook.uri
        self._update(notebook, delay=0.0)

    def change(self, params: types.DidChangeNotebookDocumentParams) -> None:
        notebook = self._notebooks.get(params.notebook_document.uri)
        if notebook is None:
            log.warning("change to a notebook that is not open: %s", params.notebook_document.uri)
            return
        notebook.version = params.notebook_document.version
        changes = params.change.cells
        if changes is not None:
            self._apply_structure(notebook, changes.structure)
            by_uri = {cell.uri: cell for cell in notebook.cells}
            for changed in changes.data or ():
                if (cell := by_uri.get(changed.document)) is not None:
                    cell.kind = changed.kind
            encoding = self.server.state.encoding
            for content in changes.text_content or ():
                cell = by_uri.get(content.document.uri)
                if cell is None:
                    continue
                for change in content.changes:
                    change_range = getattr(change, "range", None)
                    cell.text = apply_change(cell.text, change_range, change.text, encoding)
                cell.version = content.document.version
        self._update(notebook, delay=DEBOUNCE_SECONDS)

    def _apply_structure(self, notebook: Notebook, structure: types.NotebookDocumentCellChangeStructure | None) -> None:
        if structure is None:
            return
        opened = {item.uri: item for item in structure.did_open or ()}
        kept = {cell.uri: cell for cell in notebook.cells}
        array = structure.array
        new_cells = [
            kept[cell.document]
            if cell.document in kept and cell.document not in opened
            else _cell(opened.get(cell.document), cell)
            for cell in array.cells or ()
        ]
        notebook.cells[array.start : array.start + array.delete_count] = new_cells
        for cell in new_cells:
            self._notebook_of_cell[cell.uri] = notebook.uri
        for closed in structure.did_close or ():
            self._notebook_of_cell.pop(closed.uri, None)
            if closed.uri in notebook.published_cells:
                notebook.published_cells.discard(closed.uri)
                self._publish_cell(closed.uri, [], None)

    def save(self, params: types.DidSaveNotebookDocumentParams) -> None:
        document = self.server.documents.get(params.notebook_document.uri)
        if document is not None:
            self.server.publisher.schedule(document)

    def close(self, params: types.DidCloseNotebookDocumentParams) -> None:
        notebook = self._notebooks.pop(params.notebook_document.uri, None)
        if notebook is None:
            return
        self.server.documents.close(notebook.uri)
        for cell in notebook.cells:
            self._notebook_of_cell.pop(cell.uri, None)
        for uri in notebook.published_cells:
            self._publish_cell(uri, [], None)

    def _update(self, notebook: Notebook, *, delay: float) -> None:
        text, layout = notebook.joined()
        notebook.layouts[notebook.version] = layout
        notebook.layouts.move_to_end(notebook.version)
        while len(notebook.layouts) > KEPT_LAYOUTS:
            notebook.layouts.popitem(last=False)
        documents = self.server.documents
        document = documents.get(notebook.uri)
        if document is None:
            document = documents.open(notebook.uri, PYTHON, notebook.version, text, kind=DocumentKind.PYTHON)
        else:
            document.text = text
            document.version = notebook.version
        self.server.publisher.schedule(document, delay=delay)

    # --- lookups --------------------------------------------------------------------------------------

    def is_notebook(self, uri: str) -> bool:
        return uri in self._notebooks

    def cell_place(self, cell_uri: str) -> tuple[Document, CellPlace] | None:
        """The joined document a cell belongs to, and where the cell sits in its current text."""
        notebook = self._notebooks.get(self._notebook_of_cell.get(cell_uri, ""))
        document = self.server.documents.get(notebook.uri) if notebook is not None else None
        if notebook is None or document is None:
            return None
        layout = notebook.layout(document.version)
        place = layout.place_of_cell(cell_uri) if layout is not None else None
        return (document, place) if place is not None else None

    # --- diagnostics ----------------------------------------------------------------------------------

    def publish(self, document: Document, diagnostics: list[types.Diagnostic], version: int) -> None:
        """Publish the joined document's diagnostics on the cells they fall in, every analysed cell once."""
        notebook = self._notebooks.get(document.uri)
        layout = notebook.layout(version) if notebook is not None else None
        if notebook is None or layout is None:
            return
        by_cell: dict[str, list[types.Diagnostic]] = {place.uri: [] for place in layout.places}
        for diagnostic in diagnostics:
            # Kept findings of the last good text were made for its own layout.
            data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
            made_for = notebook.layout(data["version"]) if isinstance(data.get("version"), int) else None
            place = (made_for or layout).place_of_line(diagnostic.range.start.line)
            if place is None and layout.places:
                place = layout.places[-1]  # a syntax error at the end of the text belongs to the last cell
            if place is not None and place.uri in by_cell:
                by_cell[place.uri].append(_in_cell(diagnostic, place))
        for uri in notebook.published_cells - set(by_cell):
            if self._notebook_of_cell.get(uri) == notebook.uri:
                self._publish_cell(uri, [], None)
        notebook.published_cells = set(by_cell)
        for place in layout.places:
            self._publish_cell(place.uri, by_cell[place.uri], place.version)

    def _publish_cell(self, uri: str, diagnostics: list[types.Diagnostic], version: int | None) -> None:
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    # --- hovers and code actions ----------------------------------------------------------------------

    def holds_cell(self, uri: str) -> bool:
        return uri in self._notebook_of_cell

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        in_cell = self.cell_place(params.text_document.uri)
        if in_cell is None:
            return None
        document, place = in_cell
        state = self.server.state
        found = hover(document, _joined_position(place, params.position), state.client.markdown_hover, state.encoding)
        if found is not None and found.range is not None:
            found.range = _range_in_cell(found.range, place)
        return found

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        in_cell = self.cell_place(params.text_document.uri)
        if in_cell is None:
            return None
        document, place = in_cell
        joined_params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=document.uri),
            range=types.Range(
                start=_joined_position(place, params.range.start), end=_joined_position(place, params.range.end)
            ),
            context=params.context,
        )
        actions = await self.server.code_actions.actions(joined_params)
        return self.actions_in_cells(actions, place, params.context.diagnostics)

    def made(self, action: types.CodeAction) -> bool:
        """Whether the action was offered in a notebook cell (its data names the joined document)."""
        return isinstance(action.data, dict) and self.is_notebook(str(action.data.get("uri")))

    async def resolve(self, action: types.CodeAction) -> types.CodeAction:
        resolved = await self.server.code_actions.resolve(action)
        in_cells = self.action_in_cells(resolved)
        if in_cells is None:
            resolved.edit = None
            return resolved
        return in_cells

    def actions_in_cells(
        self, actions: list[types.CodeAction] | None, place: CellPlace, from_client: list[types.Diagnostic]
    ) -> list[types.CodeAction] | None:
        """The actions asked of the joined document, for the cell at `place`."""
        if actions is None:
            return None
        mapped = []
        for action in actions:
            # Diagnostics the client sent are in the cell already; those of a fresh analysis (kept in the
            # document's cached analysis, so copied, not changed) are in the joined text.
            if action.diagnostics:
                action.diagnostics = [
                    diagnostic if any(diagnostic is sent for sent in from_client) else _in_cell(diagnostic, place)
                    for diagnostic in action.diagnostics
                ]
            in_cells = self.action_in_cells(action)
            if in_cells is not None:
                mapped.append(in_cells)
        return mapped

    def action_in_cells(self, action: types.CodeAction) -> types.CodeAction | None:
        """The action with its edit moved from the joined document to the cells; None if it cannot be."""
        if action.edit is None:
            return action
        data = action.data if isinstance(action.data, dict) else {}
        notebook = self._notebooks.get(str(data.get("uri")))
        document = self.server.documents.get(notebook.uri) if notebook is not None else None
        version = data.get("version")
        if notebook is None or document is None or not isinstance(version, int):
            return None
        layout = notebook.layout(version)
        joined_text = document.text_of(version)
        edits = _joined_edits(action.edit, notebook.uri)
        if layout is None or joined_text is None or edits is None:
            return None
        cell_edits = _edits_by_cell(edits, joined_text, layout, self.server.state.encoding)
        if cell_edits is None:
            log.info("code action %r not offered in %s: its edit does not fit the cells", action.title, notebook.uri)
            return None
        action.edit = self._workspace_edit(cell_edits, layout)
        return action

    def _workspace_edit(self, cell_edits: dict[str, list[types.TextEdit]], layout: Layout) -> types.WorkspaceEdit:
        if not self.server.state.client.document_changes:
            return types.WorkspaceEdit(changes=cell_edits)
        versions = {place.uri: place.version for place in layout.places}
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=versions[uri]),
                    edits=edits,
                )
                for uri, edits in cell_edits.items()
            ]
        )


def _joined_position(place: CellPlace, position: types.Position) -> types.Position:
    return types.Position(line=position.line + place.first_line, character=position.character)


def _in_cell(diagnostic: types.Diagnostic, place: CellPlace) -> types.Diagnostic:
    return types.Diagnostic(
        range=_range_in_cell(diagnostic.range, place),
        message=diagnostic.message,
        severity=diagnostic.severity,
        code=diagnostic.code,
        code_description=diagnostic.code_description,
        source=diagnostic.source,
        tags=diagnostic.tags,
        related_information=diagnostic.related_information,
        data=diagnostic.data,
    )


def _range_in_cell(joined: types.Range, place: CellPlace) -> types.Range:
    """A joined-text range as a range of the cell, clamped to the cell (its end may lie past the cell)."""
    last_line = place.line_count - 1
    last_line_length = len(LineIndex(place.text).line_text(last_line))

    def inside(position: types.Position) -> types.Position:
        line = position.line - place.first_line
        if line < 0:
            return types.Position(line=0, character=0)
        if line > last_line:
            return types.Position(line=last_line, character=last_line_length)
        return types.Position(line=line, character=position.character)

    return types.Range(start=inside(joined.start), end=inside(joined.end))


def _joined_edits(edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit] | None:
    if edit.document_changes:
        found = [change for change in edit.document_changes if isinstance(change, types.TextDocumentEdit)]
        if len(found) != 1 or found[0].text_document.uri != uri:
            return None
        return [item for item in found[0].edits if isinstance(item, types.TextEdit)]
    if edit.changes and set(edit.changes) == {uri}:
        return list(edit.changes[uri])
    return None


def _edits_by_cell(
    edits: list[types.TextEdit], joined_text: str, layout: Layout, encoding: str
) -> dict[str, list[types.TextEdit]] | None:
    """Each joined-text edit as an edit of one cell; None when one replaces text the cell does not have."""
    joined_lines = LineIndex(joined_text)
    by_cell: dict[str, list[types.TextEdit]] = {}
    for edit in edits:
        place = layout.place_of_line(edit.range.start.line)
        if place is None:
            return None
        cell_lines = LineIndex(place.text)
        start = joined_lines.offset_at(edit.range.start, encoding)
        end = joined_lines.offset_at(edit.range.end, encoding)
        replaced = joined_text[start:end]
        new_text = edit.new_text
        end_line = edit.range.end.line - place.first_line
        if end_line >= place.line_count:  # the edit runs to the end of the cell, past its last line break
            if edit.range.end.line > place.first_line + place.line_count or edit.range.end.character:
                return None
            if not place.text.endswith(("\n", "\r")):
                # The joined text ends the cell with a line break the cell does not have.
                if not (replaced.endswith("\n") and new_text.endswith("\n")):
                    return None
                replaced, new_text = replaced[:-1], new_text[:-1]
            cell_end = len(place.text)
        else:
            cell_end = cell_lines.offset_at(types.Position(line=end_line, character=edit.range.end.character), encoding)
        cell_start = cell_lines.offset_at(
            types.Position(line=edit.range.start.line - place.first_line, character=edit.range.start.character),
            encoding,
        )
        if _LINE_BREAK.sub("\n", place.text[cell_start:cell_end]) != replaced:
            return None
        by_cell.setdefault(place.uri, []).append(
            types.TextEdit(range=cell_lines.offsets_to_range(cell_start, cell_end, encoding), new_text=new_text)
        )
    return by_cell
