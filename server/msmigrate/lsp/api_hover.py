"""Hovers on torch and MindSpore API names: counterparts, parameter differences, doc links, CPU support.

For a torch API: its MindSpore counterparts in both namespaces (the current table's, mostly
`mindspore.mint`, and the r2.4.10 table's `mindspore.nn` / `ops` / `Tensor`), whether each is
consistent, a table of parameter differences, behaviour notes, whether the `mint` form ran on CPU in
MindSpore 2.10, and the doc link pinned to the version whose page exists. For a MindSpore API: the
torch API it stands for (or is mistaken for), with the same table. For a torch API the tables do not
list: that there is no documented counterpart.

The name under the cursor comes from `analysis.api_names` on a syntax tree kept per document version;
jedi is asked only when that is not enough, within a time budget. Nothing here imports a framework.
"""

from __future__ import annotations

import ast
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol.types import Position
from pygls.uris import to_fs_path

from msmigrate.analysis.api_names import ApiUse, JediFallback, module_apis, parse_module, resolve_at
from msmigrate.analysis.api_names import is_torch_name as _is_torch
from msmigrate.lsp.diagnostics import MAX_DOCUMENT_BYTES
from msmigrate.lsp.documents import Document, DocumentKind
from msmigrate.lsp.positions import LineIndex, units_to_column
from msmigrate.mappings import Counterpart, TorchApiMapping
from msmigrate.report.describe import (
    MAPPING_TABLE_URL,
    ROLE_LABELS,
    ReverseMatch,
    behaviour_notes,
    cpu_detail,
    cpu_text,
    doc_link,
    param_rows,
    reverse_matches,
    short_api,
    torch_entry,
)

if TYPE_CHECKING:
    from msmigrate.lsp.hover import HoverSection

log = logging.getLogger(__name__)

MAX_ROWS = 8  # parameter rows per counterpart; the rest are named in one line
MAX_NAMES = 3  # sections for a name that may be several APIs (conditional imports)
KEPT_TREES = 4


@dataclass
class _ParsedVersion:
    tree: ast.Module | None  # None: the text does not parse
    lines: LineIndex


class ApiHover:
    """The hover provider; keeps the syntax trees of the last few document versions hovered."""

    def __init__(self, jedi: JediFallback | None = None) -> None:
        self.jedi = jedi if jedi is not None else JediFallback()
        self._parsed: OrderedDict[tuple[str, int], _ParsedVersion] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, document: Document, position: Position, encoding: str) -> HoverSection | None:
        try:
            return self._hover(document, position, encoding)
        except Exception:  # the other hover sections (rule documentation) must still be shown
            log.exception("API hover failed at %s:%s", document.uri, position)
            return None

    def _hover(self, document: Document, position: Position, encoding: str) -> HoverSection | None:
        if document.kind is not DocumentKind.PYTHON or len(document.text) > MAX_DOCUMENT_BYTES:
            return None
        text = document.text
        parsed = self._parsed_version(document.uri, document.version, text)
        line_text = parsed.lines.line_text(position.line)
        line = position.line + 1
        column = units_to_column(line_text, position.character, encoding)
        use = self._use_at(parsed, text, line, column, document.uri)
        if use is None:
            return None
        markdown = api_markdown(use)
        if markdown is None:
            return None
        # Imported here: `hover` lists this provider, so importing it at the top would be circular.
        from msmigrate.lsp.hover import HoverSection

        return HoverSection(markdown, parsed.lines.span_to_range(use.hover_span, encoding))

    def _use_at(self, parsed: _ParsedVersion, text: str, line: int, column: int, uri: str) -> ApiUse | None:
        path = _path_of(uri)
        if parsed.tree is None:
            return self.jedi.chain_at(text, line, column, path)
        apis = module_apis(parsed.tree, text, focus_line=line, keep_unresolved=True)
        return resolve_at(apis, text, line, column, self.jedi, path)

    def _parsed_version(self, uri: str, version: int, text: str) -> _ParsedVersion:
        key = (uri, version)
        with self._lock:
            parsed = self._parsed.get(key)
            if parsed is not None and parsed.lines.text == text:
                self._parsed.move_to_end(key)
                return parsed
        parsed = _ParsedVersion(parse_module(text), LineIndex(text))
        with self._lock:
            self._parsed[key] = parsed
            while len(self._parsed) > KEPT_TREES:
                self._parsed.popitem(last=False)
        return parsed


def _path_of(uri: str) -> str | None:
    try:
        return to_fs_path(uri)
    except Exception:  # an unusual URI scheme: jedi works without a path
        return None


# -- markdown -------------------------------------------------------------------------------------------


def api_markdown(use: ApiUse) -> str | None:
    """The hover text for every API the use may name, or None when the data knows none of them."""
    names = [*use.torch_names, *use.mindspore_names]
    sections = [section for name in names[:MAX_NAMES] if (section := name_markdown(name)) is not None]
    if not sections:
        return None
    if len(names) > 1:
        listed = ", ".join(f"`{name}`" for name in names)
        sections.insert(0, f"This name may be any of {listed} (imported under conditions).")
    return "\n\n".join(sections)


def name_markdown(name: str) -> str | None:
    if _is_torch(name):
        entry = torch_entry(name)
        return torch_markdown(name, entry) if entry is not None else no_counterpart_markdown(name)
    matches = reverse_matches(name)
    return mindspore_markdown(name, matches) if matches else None


def torch_markdown(name: str, entry: TorchApiMapping) -> str:
    counterparts = list(entry.counterparts())
    lines = [f"**`{name}`** → MindSpore"]
    if name != entry.torch:
        lines[0] += f" (the tables call it `{entry.torch}`)"
    lines += ["", "| | counterpart | verdict | CPU in 2.10 |", "|---|---|---|---|"]
    for counterpart in counterparts:
        missing = " (not in 2.10)" if counterpart.exists is False else ""
        lines.append(
            f"| {ROLE_LABELS.get(counterpart.role, counterpart.role)} | `{counterpart.api}`{missing} "
            f"| {counterpart.category} | {_cell(_cpu_cell(counterpart))} |"
        )
    for counterpart in counterparts:
        table = _param_table(counterpart)
        if table:
            lines += ["", f"**`{short_api(counterpart.api)}`** parameters", "", *table]
    lines += _behaviour_lines(counterparts)
    lines += _false_friend_lines(entry)
    lines += _link_lines(counterparts)
    return "\n".join(lines)


def mindspore_markdown(name: str, matches: list[ReverseMatch]) -> str:
    parts: list[str] = []
    for match in matches[:MAX_NAMES]:
        if match.false_friend is not None:
            proper = ", ".join(f"`{c.api}`" for c in match.entry.counterparts() if c.role != "mint_namesake")
            parts.append(
                f"**`{name}`** is not `{match.torch}`: {match.false_friend.note}"
                + (f"\n\nThe counterparts of `{match.torch}`: {proper}." if proper else "")
            )
            continue
        counterpart = match.counterpart
        if counterpart is None:
            continue
        role = ROLE_LABELS.get(match.role, match.role)
        lines = [f"**`{name}`** ← PyTorch `{match.torch}` ({role} table: {counterpart.category})"]
        cpu = _cpu_cell(counterpart)
        if cpu:
            lines.append(f"\nCPU in 2.10: {cpu}")
        table = _param_table(counterpart)
        if table:
            lines += ["", *table]
        lines += _behaviour_lines([counterpart])
        lines += _link_lines([counterpart])
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def no_counterpart_markdown(name: str) -> str:
    return (
        f"**`{name}`**: no MindSpore counterpart in the PyTorch → MindSpore mapping tables "
        f"(current and r2.4.10).\n\n[mapping table (r2.6.0)]({MAPPING_TABLE_URL})"
    )


def _param_table(counterpart: Counterpart) -> list[str]:
    rows = param_rows(counterpart)
    if not rows:
        return []
    lines = ["| torch | MindSpore | difference |", "|---|---|---|"]
    for row in rows[:MAX_ROWS]:
        suffix = " (call)" if row.where == "call" else ""
        lines.append(f"| {_param(row.torch, suffix)} | {_param(row.mindspore, suffix)} | {_cell(row.difference)} |")
    rest = rows[MAX_ROWS:]
    if rest:
        named = ", ".join(f"`{row.torch or row.mindspore}` {row.kind.replace('_', ' ')}" for row in rest)
        lines.append(f"\n…and {len(rest)} more: {named}")
    return lines


def _param(name: str | None, suffix: str) -> str:
    return f"`{name}`{suffix}" if name else "—"


def _cpu_cell(counterpart: Counterpart) -> str:
    text = cpu_text(counterpart)
    detail = cpu_detail(counterpart)
    return f"{text}: {detail}" if detail else text or "—"


def _behaviour_lines(counterparts: list[Counterpart]) -> list[str]:
    return [f"\n**Behaviour:** {note}" for note in behaviour_notes(counterparts)]


def _false_friend_lines(entry: TorchApiMapping) -> list[str]:
    return [f"\n**Not** `{friend.api}`: {friend.note}" for friend in entry.false_friends]


def _link_lines(counterparts: list[Counterpart]) -> list[str]:
    links: list[str] = []
    seen: set[str] = set()
    for counterpart in counterparts:
        link = doc_link(counterpart)
        if link is not None and link[1] not in seen:
            seen.add(link[1])
            links.append(f"[{short_api(counterpart.api)} {link[0]}]({link[1]})")
    return ["", " · ".join(links)] if links else []


def _cell(text: str) -> str:
    """Text that keeps a markdown table row intact."""
    return " ".join(text.split()).replace("|", "\\|")


api_documentation = ApiHover()
