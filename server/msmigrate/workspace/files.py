"""Which source files a run reads, and how it reads them (`msmigrate check` and `report`, the server's
migration report, the equivalence check's pairing).

Directories are walked in sorted order for `*.py` and `*.pyi` files; version-control folders,
virtual environments, caches and build output are not entered. A file named on the command line is
always read, whatever its name, and a `.ipynb` file named there is read as a Jupyter notebook: its
code cells are joined into one text and positions are mapped back to (cell, line).

Reading never trusts the file: its size is checked before a byte is read, NUL bytes in the first
8 KB mark it as binary, and it is decoded as Python would (a PEP 263 coding line or a BOM, UTF-8
otherwise). Every way a file can be unreadable becomes an `Unreadable` with a message for the user.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tokenize
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msmigrate.workspace.notebooks import NotebookCells, join_cells

PYTHON_SUFFIXES = (".py", ".pyi")
NOTEBOOK_SUFFIX = ".ipynb"
SKIPPED_DIRECTORIES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".env",
        ".tox",
        ".nox",
        "build",
        "dist",
        "site-packages",
        "dist-packages",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
    }
)
SKIPPED_DIRECTORY_SUFFIXES = (".egg-info",)
# A virtual environment may have any name; its marker file does not.
VIRTUALENV_MARKER = "pyvenv.cfg"
BINARY_SNIFF_BYTES = 8192
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    path: Path
    display: str  # the path as the user should see it: under the argument they gave
    explicit: bool  # named on the command line rather than found in a directory

    @property
    def is_notebook(self) -> bool:
        return self.path.suffix.lower() == NOTEBOOK_SUFFIX


@dataclass(frozen=True)
class Discovery:
    files: list[SourceFile]
    missing: list[str]  # arguments that name nothing on disk


ExcludePredicate = Callable[[Path], bool]


def discover(arguments: Iterable[str], is_excluded: ExcludePredicate) -> Discovery:
    """The files to check for the command-line `arguments`, each once, in a deterministic order.

    `is_excluded` is asked about every directory and file found while walking (never about an
    argument itself: what the user names is checked).
    """
    files: list[SourceFile] = []
    missing: list[str] = []
    seen: set[str] = set()

    def add(source: SourceFile) -> None:
        key = os.path.normcase(os.path.abspath(source.path))
        if key not in seen:
            seen.add(key)
            files.append(source)

    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            for found in sorted(_walk(path, is_excluded), key=lambda found: found.parts):
                add(SourceFile(found, str(found), explicit=False))
        elif path.exists() or path.is_symlink():
            add(SourceFile(path, str(path), explicit=True))
        else:
            missing.append(argument)
    return Discovery(files, missing)


def is_skipped_directory(directory: Path) -> bool:
    name = directory.name
    if name in SKIPPED_DIRECTORIES or name.endswith(SKIPPED_DIRECTORY_SUFFIXES):
        return True
    return (directory / VIRTUALENV_MARKER).is_file()


def _walk(root: Path, is_excluded: ExcludePredicate) -> Iterable[Path]:
    # os.walk does not follow symlinked directories, so a link cycle cannot trap the walk.
    for current, directories, filenames in os.walk(root):
        here = Path(current)
        directories[:] = [
            name for name in directories if not is_skipped_directory(here / name) and not is_excluded(here / name)
        ]
        for name in filenames:
            if name.endswith(PYTHON_SUFFIXES):
                candidate = here / name
                if not is_excluded(candidate):
                    yield candidate


class Unreadable(Exception):
    """The file cannot be checked; the message says why, for the user."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.missing = missing


@dataclass(frozen=True)
class LoadedSource:
    text: str
    encoding: str  # to write fixes back as the file was
    cells: NotebookCells | None = None


def load(source: SourceFile, max_bytes: int) -> LoadedSource:
    """The decoded text of `source`. Raises Unreadable."""
    data = read_bytes(source.path, max_bytes)
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        raise Unreadable("skipped: binary file")
    if source.is_notebook and source.explicit:
        return _load_notebook(data)
    text, encoding = decode_python(data)
    return LoadedSource(text, encoding)


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file no larger than `max_bytes`; a larger file is not read at all."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise Unreadable("no such file or directory", missing=True) from None
    except OSError as error:
        raise Unreadable(f"skipped: cannot read ({error.strerror or error})") from None
    if not stat.S_ISREG(info.st_mode):
        # Reading a FIFO or a device could block forever.
        raise Unreadable("skipped: not a regular file")
    if info.st_size > max_bytes:
        raise Unreadable(
            f"skipped: {_megabytes(info.st_size)} is over the {_megabytes(max_bytes)} limit (--max-file-size)"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise Unreadable(f"skipped: cannot read ({error.strerror or error})") from None
    if len(data) > max_bytes:  # it grew after the stat
        raise Unreadable(f"skipped: over the {_megabytes(max_bytes)} limit (--max-file-size)")
    return data


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def decode_python(data: bytes) -> tuple[str, str]:
    """Decode source bytes as the interpreter would: BOM or PEP 263 coding line, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # Also raised for undecodable bytes in the first two lines when there is no coding line.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as decode_error:
            raise _undecodable(data, decode_error, "utf-8") from None
        raise Unreadable(f"skipped: {error}") from None
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        raise _undecodable(data, error, encoding) from None


def _undecodable(data: bytes, error: UnicodeDecodeError, encoding: str) -> Unreadable:
    byte = data[error.start]
    if encoding in ("utf-8", "utf-8-sig"):
        return Unreadable(
            f"skipped: not UTF-8 (invalid byte 0x{byte:02x} at offset {error.start}); "
            "a `# -*- coding: <name> -*-` line would declare its encoding"
        )
    return Unreadable(
        f"skipped: not valid {encoding}, as its coding line says (byte 0x{byte:02x} at offset {error.start})"
    )


def _load_notebook(data: bytes) -> LoadedSource:
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise Unreadable(f"skipped: notebook is not UTF-8 (invalid byte at offset {error.start})") from None
    except json.JSONDecodeError as error:
        raise Unreadable(f"skipped: not a valid notebook (JSON error at line {error.lineno}: {error.msg})") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise Unreadable("skipped: not a valid notebook (no list of cells)")
    language = notebook.get("metadata", {}).get("language_info", {}).get("name", "python")
    if isinstance(language, str) and language.lower() != "python":
        raise Unreadable(f"skipped: the notebook's language is {language}, not Python")
    text, positions = join_cells(
        (number, _cell_source(cell))
        for number, cell in enumerate(cells, start=1)
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
    )
    return LoadedSource(text, "utf-8", positions)


def _cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")  # a list of lines, or one string
    return "".join(source) if isinstance(source, list) else str(source)


def write_text(path: Path, text: str, encoding: str) -> None:
    """Replace the file's content atomically, keeping its permissions; a symlink keeps pointing to it."""
    data = text.encode(encoding)
    path = path.resolve()
    temporary = path.with_name(f".{path.name}.msmigrate-tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
    try:
        os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
