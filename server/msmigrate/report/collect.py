"""Collect the torch APIs a project uses, with counts and locations, grouped by what the mappings say.

Files are found and read as `msmigrate check` finds and reads them (`workspace.files`: directories walked
for `*.py` / `*.pyi`, notebooks named explicitly, excludes from `[tool.msmigrate]` and flags, unreadable
files reported and skipped). Each file is parsed once with `ast`; `analysis.api_names` says which torch
APIs it names, through imports, aliases and known tensors. Type annotations and import statements are
not counted as uses: they name an API without using it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from msmigrate import __version__
from msmigrate.analysis.api_names import ApiUse, UseKind, module_apis, parse_module
from msmigrate.mappings import TorchApiMapping
from msmigrate.report.describe import Group, group_of, mappings_or_none, torch_entry
from msmigrate.workspace.files import DEFAULT_MAX_FILE_BYTES, SourceFile, Unreadable, discover, load
from msmigrate.workspace.notebooks import NotebookCells

COUNTED_KINDS = frozenset({UseKind.CALL, UseKind.REFERENCE, UseKind.BASE, UseKind.DECORATOR})
GROUP_ORDER = (Group.DIFFERS, Group.NO_COUNTERPART, Group.UNKNOWN, Group.CONSISTENT)


@dataclass(frozen=True, order=True)
class Location:
    path: str  # as the user should see it (relative to the report's root when under it)
    line: int  # 1-based; within the cell for a notebook
    column: int  # 1-based, in code points
    end_line: int
    end_column: int
    cell: int | None = None
    kind: str = UseKind.CALL.value
    file: str = field(default="", compare=False)  # the absolute path, for links

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "cell": self.cell,
            "kind": self.kind,
        }

    def label(self) -> str:
        where = self.path if self.cell is None else f"{self.path}:cell {self.cell}"
        return f"{where}:{self.line}:{self.column}"


@dataclass
class ApiUsage:
    """One torch API and every place the project uses it."""

    torch: str  # the tables' spelling when the API is mapped, else the spelling the code used
    entry: TorchApiMapping | None
    group: Group
    spellings: set[str] = field(default_factory=set)
    locations: list[Location] = field(default_factory=list)

    @property
    def uses(self) -> int:
        return len(self.locations)


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass
class MigrationReport:
    paths: tuple[str, ...]
    apis: list[ApiUsage]
    files_scanned: int
    lines_scanned: int
    files_using_torch: int
    skipped: list[SkippedFile]
    missing: list[str]
    duration_s: float
    generator: str = f"msmigrate {__version__}"
    verified: Mapping[str, str] = field(default_factory=dict)

    def in_group(self, group: Group) -> list[ApiUsage]:
        return [usage for usage in self.apis if usage.group is group]

    @property
    def total_uses(self) -> int:
        return sum(usage.uses for usage in self.apis)

    def summary(self) -> str:
        """One sentence for a person: how many APIs, and how many of each group."""
        counts = {group: len(self.in_group(group)) for group in GROUP_ORDER}
        files = f"{self.files_scanned} file{'s' if self.files_scanned != 1 else ''}"
        if not self.apis:
            return f"No torch API used in {files}."
        groups = ", ".join(f"{counts[group]} {group.title}" for group in GROUP_ORDER if counts[group])
        return f"{len(self.apis)} torch APIs ({self.total_uses} uses) in {files}: {groups}."


FileFilter = Callable[[Path], bool]


def collect_report(
    paths: Sequence[str],
    *,
    is_excluded: FileFilter = lambda path: False,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    display_root: Path | None = None,
    open_texts: Mapping[Path, str] | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> MigrationReport:
    """The report over `paths` (files or directories).

    `display_root`: show paths relative to it. `open_texts`: the text of files open in an editor,
    used instead of what is on disk (keys are resolved paths).
    """
    started = time.perf_counter()
    discovery = discover(paths, is_excluded)
    for argument in discovery.missing:
        warn(f"{argument}: no such file or directory")
    usages: dict[str, ApiUsage] = {}
    skipped: list[SkippedFile] = []
    lines = 0
    using_torch = 0
    for source in discovery.files:
        display = _display(source, display_root)
        try:
            text, cells = _read(source, max_file_bytes, open_texts)
        except Unreadable as error:
            skipped.append(SkippedFile(display, error.message))
            warn(f"{display}: {error.message}")
            continue
        lines += text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        if "torch" not in text:
            continue
        tree = parse_module(text)
        if tree is None:
            skipped.append(SkippedFile(display, "skipped: the file does not parse"))
            warn(f"{display}: skipped: the file does not parse")
            continue
        found = [use for use in module_apis(tree, text).uses if use.kind in COUNTED_KINDS and use.torch_names]
        if found:
            using_torch += 1
        absolute = str(source.path.resolve())
        for use in found:
            _record(usages, use, _location(display, absolute, use, cells))
    apis = sorted(usages.values(), key=lambda usage: (GROUP_ORDER.index(usage.group), -usage.uses, usage.torch))
    for usage in apis:
        usage.locations.sort()
    mappings = mappings_or_none()
    return MigrationReport(
        paths=tuple(paths),
        apis=apis,
        files_scanned=len(discovery.files) - len(skipped),
        lines_scanned=lines,
        files_using_torch=using_torch,
        skipped=skipped,
        missing=list(discovery.missing),
        duration_s=time.perf_counter() - started,
        verified=dict(mappings.verified) if mappings is not None else {},
    )


def _read(
    source: SourceFile, max_file_bytes: int, open_texts: Mapping[Path, str] | None
) -> tuple[str, NotebookCells | None]:
    if open_texts and not source.is_notebook:
        text = open_texts.get(source.path.resolve())
        if text is not None:
            return text, None
    loaded = load(source, max_file_bytes)
    return loaded.text, loaded.cells


def _display(source: SourceFile, display_root: Path | None) -> str:
    if display_root is None:
        return source.display
    try:
        return os.path.relpath(source.path.resolve(), display_root.resolve())
    except ValueError:  # another drive on Windows
        return source.display


def _location(display: str, absolute: str, use: ApiUse, cells: NotebookCells | None) -> Location:
    span = use.hover_span  # a tensor method's own name, not its receiver's start
    cell = None
    if cells is not None:
        mapped = cells.map_span(span)
        if mapped is not None:
            cell, span = mapped
    return Location(
        display, span.line, span.column + 1, span.end_line, span.end_column + 1, cell, use.kind.value, absolute
    )


def _record(usages: dict[str, ApiUsage], use: ApiUse, location: Location) -> None:
    for name in use.torch_names:
        entry = torch_entry(name)
        key = entry.torch if entry is not None else name
        usage = usages.get(key)
        if usage is None:
            usage = usages[key] = ApiUsage(key, entry, group_of(entry))
        usage.spellings.add(name)
        usage.locations.append(location)


def counts_by_group(apis: Iterable[ApiUsage]) -> dict[Group, tuple[int, int]]:
    """group -> (APIs, uses)."""
    counts = {group: (0, 0) for group in GROUP_ORDER}
    for usage in apis:
        known, uses = counts[usage.group]
        counts[usage.group] = (known + 1, uses + usage.uses)
    return counts
