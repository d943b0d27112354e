"""CodeLens "Check equivalence with <torch file>:<Class>" above each MindSpore Cell that has a pair.

Pairing walks the workspace (cached by modification time, see `equivalence.pairing`), so the lenses are
computed on a worker thread from the document's current text. A Cell without a pair, or with several
candidates, gets no lens: running the command on it says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

from msmigrate.equivalence.pairing import PairingError, find_pair, module_classes
from msmigrate.lsp.commands.run_equivalence_check import NAME as RUN_EQUIVALENCE_CHECK
from msmigrate.lsp.commands.run_equivalence_check import workspace_root
from msmigrate.lsp.documents import DocumentKind

if TYPE_CHECKING:
    from msmigrate.lsp.server import MsmigrateServer


async def code_lenses(server: MsmigrateServer, params: types.CodeLensParams) -> list[types.CodeLens] | None:
    uri = params.text_document.uri
    document = server.documents.get(uri)
    path = to_fs_path(uri)
    if document is None or document.kind is not DocumentKind.PYTHON or not path or "mindspore" not in document.text:
        return None
    root = workspace_root(server, Path(path))
    return await server.run_in_worker(equivalence_lenses, uri, Path(path), document.text, root)


def equivalence_lenses(uri: str, path: Path, text: str, root: Path) -> list[types.CodeLens]:
    lenses = []
    for cell in module_classes(path, text).cells.values():
        try:
            pair = find_pair(cell, root)
        except PairingError:
            continue
        # Column 0 of the class line: the same position in every encoding; clients draw the lens above it.
        start = types.Position(line=cell.location.line - 1, character=0)
        argument = {"uri": uri, "position": {"line": start.line, "character": 0}}
        lenses.append(
            types.CodeLens(
                range=types.Range(start=start, end=start),
                command=types.Command(
                    title=f"Check equivalence with {pair.torch.reference(root)}",
                    command=RUN_EQUIVALENCE_CHECK,
                    arguments=[argument],
                ),
            )
        )
    return lenses
