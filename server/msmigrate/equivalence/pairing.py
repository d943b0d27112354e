"""Which PyTorch module a MindSpore Cell is a port of, and where its example inputs come from.

Pure: the stdlib `ast` and the engine's import resolution only, so the language server and the CLI can
pair classes without importing torch or mindspore.

A Cell's pair is, in order:

1. the target of a `# msmigrate: pair=path/to/file.py:Class` comment on the class line or in the comment
   block just above it (or above its decorators). The path is relative to the Cell's file, else to the
   workspace root, or absolute; `:Class` may be left out when the torch class has the Cell's name;
2. else the one `torch.nn.Module` subclass with the Cell's name in the workspace. Two or more such
   classes are ambiguous: the error lists them and asks for a pair comment.

Example inputs: a module-level callable named `EXAMPLE_INPUTS_FUNCTION` (`example_inputs`, defined,
assigned or imported), called with no argument, from the torch file or else the MindSpore file: the
worker imports both modules and calls the first it finds in that order (`example_inputs_file` says which,
without importing anything).
"""

from __future__ import annotations

import ast
import os
import re
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from msmigrate.analysis.facts import ClassInfo, collect_facts
from msmigrate.workspace.files import is_skipped_directory

EXAMPLE_INPUTS_FUNCTION = "example_inputs"

PAIR_COMMENT = re.compile(r"#\s*msmigrate:\s*pair\s*=\s*(?P<target>[^\s#]+)")
MAX_SCANNED_FILES = 5_000
MAX_FILE_BYTES = 1_000_000
# A workspace walk is reused this long: a CodeLens request per keystroke must not walk the tree each time.
WALK_REUSE_SECONDS = 2.0


class PairingError(Exception):
    """No pair, or more than one: `message` is for a person; `candidates` lists what was found."""

    def __init__(self, message: str, candidates: tuple[ClassLocation, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.candidates = candidates


@dataclass(frozen=True)
class ClassLocation:
    file: Path
    name: str
    line: int  # 1-based line of the `class` keyword

    def reference(self, root: Path | None = None) -> str:
        """`file.py:Class`, the file relative to `root` when it lies under it."""
        return f"{display_path(self.file, root)}:{self.name}"


@dataclass(frozen=True)
class PairComment:
    target: str  # as written: `path.py:Class` or `path.py`
    line: int  # 1-based


@dataclass(frozen=True)
class CellClass:
    location: ClassLocation
    first_line: int  # 1-based, including its decorators and the comment block just above
    last_line: int
    pair_comment: PairComment | None


@dataclass(frozen=True)
class Pair:
    mindspore: ClassLocation
    torch: ClassLocation
    how: str  # "comment" or "same-name"


@dataclass(frozen=True)
class ModuleClasses:
    """The classes of one file that matter for pairing."""

    cells: dict[str, CellClass] = field(default_factory=dict)
    torch_modules: dict[str, ClassLocation] = field(default_factory=dict)
    example_inputs_line: int | None = None  # 1-based line binding `example_inputs` at module level
    parses: bool = True


def display_path(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.name


# -- one file -----------------------------------------------------------------------------------------
def module_classes(path: Path, text: str) -> ModuleClasses:
    """Cells, torch modules and `example_inputs` of one file's text."""
    if "torch" not in text and "mindspore" not in text:
        return ModuleClasses()
    tree = _parse(text)
    if tree is None:
        return ModuleClasses(parses=False)
    facts = collect_facts(tree, text)
    lines = text.splitlines()
    cells = {name: _cell_class(path, info.node, lines) for name, info in facts.classes.items() if info.is_cell}
    modules = {name: _location(path, info.node) for name, info in _torch_module_classes(facts.classes).items()}
    return ModuleClasses(cells, modules, _binding_line(tree, EXAMPLE_INPUTS_FUNCTION))


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _location(path: Path, node: ast.ClassDef) -> ClassLocation:
    return ClassLocation(path, node.name, node.lineno)


def _cell_class(path: Path, node: ast.ClassDef, lines: list[str]) -> CellClass:
    first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
    above = _comment_block_above(lines, first)
    header_end = max(node.body[0].lineno - 1, node.lineno) if node.body else node.lineno
    # The class line (and the rest of a multi-line header) first, then the comments above, nearest first.
    candidates = [(number, lines[number - 1]) for number in range(node.lineno, header_end + 1) if number <= len(lines)]
    candidates += [(first - 1 - offset, comment) for offset, comment in enumerate(reversed(above))]
    comment = next(
        (
            PairComment(match.group("target"), number)
            for number, text in candidates
            if (match := PAIR_COMMENT.search(text))
        ),
        None,
    )
    return CellClass(_location(path, node), first - len(above), node.end_lineno or node.lineno, comment)


def _comment_block_above(lines: list[str], first_line: int) -> list[str]:
    """The comment-only lines directly above 1-based `first_line`, top to bottom."""
    block: list[str] = []
    index = first_line - 2
    while 0 <= index < len(lines) and lines[index].lstrip().startswith("#"):
        block.append(lines[index])
        index -= 1
    return block[::-1]


def _torch_module_classes(classes: dict[str, ClassInfo]) -> dict[str, ClassInfo]:
    def from_torch_nn(names: frozenset[str]) -> bool:
        return any(name.startswith("torch.nn.") and name.rsplit(".", 1)[-1][:1].isupper() for name in names)

    modules = {name: info for name, info in classes.items() if any(map(from_torch_nn, info.base_names))}
    # A subclass of an in-file module is a module: iterate to a fixpoint (class order in a file is free).
    changed = True
    while changed:
        changed = False
        for name, info in classes.items():
            if name not in modules and any(base in modules for base in info.local_bases):
                modules[name] = info
                changed = True
    return modules


def _binding_line(tree: ast.Module, name: str) -> int | None:
    """The line of the last module-level statement that binds `name` (def, assignment or import)."""
    found = None
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound = [statement.name]
        elif isinstance(statement, ast.Assign):
            bound = [node.id for target in statement.targets for node in ast.walk(target) if isinstance(node, ast.Name)]
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            bound = [statement.target.id]
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            bound = [alias.asname or alias.name.split(".")[0] for alias in statement.names]
        else:
            continue
        if name in bound:
            found = statement.lineno
    return found


def cell_at(classes: ModuleClasses, path: Path, line: int) -> CellClass:
    """The Cell whose definition (with its decorators and the comments just above) holds 1-based `line`."""
    if not classes.parses:
        raise PairingError(f"{path.name} does not parse; fix its syntax before checking equivalence")
    for cell in classes.cells.values():
        if cell.first_line <= line <= cell.last_line:
            return cell
    if not classes.cells:
        raise PairingError(f"{path.name} defines no mindspore.nn.Cell class")
    names = ", ".join(f"{cell.location.name} (line {cell.location.line})" for cell in classes.cells.values())
    raise PairingError(f"line {line} of {path.name} is not inside a Cell class; its Cells: {names}")


def cell_named(classes: ModuleClasses, path: Path, name: str) -> CellClass:
    found = classes.cells.get(name)
    if found is None:
        raise PairingError(f"{path.name} defines no mindspore.nn.Cell class named {name}")
    return found


def read_module_classes(path: Path) -> ModuleClasses | None:
    """`module_classes` of a file on disk, cached by modification time; None when it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = path.resolve()
    with _files_lock:
        cached = _files.get(key)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    if stat.st_size > MAX_FILE_BYTES:
        classes = ModuleClasses()
    else:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        classes = module_classes(path, text)
    with _files_lock:
        _files[key] = (stat.st_mtime_ns, stat.st_size, classes)
    return classes


_files: dict[Path, tuple[int, int, ModuleClasses]] = {}  # resolved path -> (mtime_ns, size, classes)
_files_lock = threading.Lock()  # CodeLens and the command may read from two worker threads


# -- the workspace ------------------------------------------------------------------------------------
class WorkspaceIndex:
    """Torch modules of a workspace folder by class name; a file is re-read only when its mtime changes.

    The walk and the name table are reused for `WALK_REUSE_SECONDS`: a CodeLens request pairs every Cell
    of a document, and each keystroke may ask again.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.truncated = False  # the walk stopped at MAX_SCANNED_FILES
        self._modules: dict[str, list[ClassLocation]] = {}
        self._built_at = float("-inf")
        self._lock = threading.Lock()

    def torch_modules_named(self, name: str) -> list[ClassLocation]:
        with self._lock:
            if time.monotonic() - self._built_at > WALK_REUSE_SECONDS:
                self._rebuild()
            return list(self._modules.get(name, ()))

    def _rebuild(self) -> None:
        walked = list(_walk_python_files(self.root, MAX_SCANNED_FILES + 1))
        self.truncated = len(walked) > MAX_SCANNED_FILES
        modules: dict[str, list[ClassLocation]] = {}
        for path in walked[:MAX_SCANNED_FILES]:
            classes = read_module_classes(path)
            for name, location in (classes.torch_modules if classes is not None else {}).items():
                modules.setdefault(name, []).append(location)
        self._modules = modules
        self._built_at = time.monotonic()


def _walk_python_files(root: Path, limit: int) -> Iterator[Path]:
    count = 0
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            # The same folders `msmigrate check` skips (virtualenvs, site-packages, build output), and
            # every hidden one: a pair lives in the user's sources.
            if not name.startswith(".") and not is_skipped_directory(Path(directory, name))
        )
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(directory, name)
                count += 1
                if count >= limit:
                    return


_indexes: dict[Path, WorkspaceIndex] = {}
_indexes_lock = threading.Lock()


def workspace_index(root: Path) -> WorkspaceIndex:
    """The shared index of a workspace folder (one per resolved root, kept for the process's life)."""
    key = root.resolve()
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = WorkspaceIndex(key)
        return index


# -- pairing ------------------------------------------------------------------------------------------
def find_pair(cell: CellClass, workspace_root: Path | None) -> Pair:
    """The torch module a Cell is paired with (see the module docstring); PairingError when none or many."""
    location = cell.location
    root = workspace_root or location.file.parent
    if cell.pair_comment is not None:
        return Pair(location, _resolve_comment(cell.pair_comment, location, root), "comment")
    index = workspace_index(root)
    own_file = location.file.resolve()
    candidates = [found for found in index.torch_modules_named(location.name) if found.file.resolve() != own_file]
    hint = f"add `# msmigrate: pair=path/to/file.py:Class` above `class {location.name}`"
    if not candidates:
        scope = f"the first {MAX_SCANNED_FILES} Python files of " if index.truncated else ""
        raise PairingError(f"no torch.nn.Module named {location.name} in {scope}{root}; {hint}")
    if len(candidates) > 1:
        listed = ", ".join(f"{found.reference(root)} (line {found.line})" for found in candidates)
        raise PairingError(
            f"{len(candidates)} torch modules are named {location.name}: {listed}; {hint}", tuple(candidates)
        )
    return Pair(location, candidates[0], "same-name")


def _resolve_comment(comment: PairComment, cell: ClassLocation, root: Path) -> ClassLocation:
    path_text, class_name = split_class_reference(comment.target)
    class_name = class_name or cell.name
    where = f"the pair comment on line {comment.line} of {cell.file.name}"
    written = Path(path_text).expanduser()
    tried = [written] if written.is_absolute() else [cell.file.parent / written, root / written]
    path = next((candidate for candidate in tried if candidate.is_file()), None)
    if path is None:
        looked = " and ".join(str(candidate) for candidate in dict.fromkeys(tried))
        raise PairingError(f"{where} names {path_text}, which does not exist (looked at {looked})")
    try:
        return torch_class(path, class_name)
    except PairingError as error:
        raise PairingError(f"{where} names {path_text}:{class_name}, but {error.message}") from None


def torch_class(path: Path, name: str) -> ClassLocation:
    """The torch module `name` in a file named explicitly (a pair comment, the CLI, a command argument).

    A class whose torch base this file does not show (imported from elsewhere) is accepted: the user said so.
    """
    classes = read_module_classes(path) or ModuleClasses()
    found = classes.torch_modules.get(name)
    if found is not None:
        return found
    line = _class_line(path, name)
    if line is None:
        raise PairingError(f"{path.name} defines no class {name}")
    return ClassLocation(path, name, line)


def _class_line(path: Path, name: str) -> int | None:
    try:
        tree = _parse(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    for statement in tree.body if tree is not None else ():
        if isinstance(statement, ast.ClassDef) and statement.name == name:
            return statement.lineno
    return None


def split_class_reference(reference: str) -> tuple[str, str | None]:
    """`path/to/file.py:Class` -> (path, Class); the class is None when the reference has none.

    The last colon separates them, so a Windows drive letter (`C:\\models\\net.py:Net`) stays in the path.
    """
    path_text, colon, class_name = reference.rpartition(":")
    if not colon or not class_name.isidentifier():
        return reference, None
    return path_text, class_name


def example_inputs_file(pair: Pair) -> Path | None:
    """The file whose module-level `example_inputs()` feeds the check: the torch one first, as the worker."""
    for location in (pair.torch, pair.mindspore):
        classes = read_module_classes(location.file)
        if classes is not None and classes.example_inputs_line is not None:
            return location.file
    return None
