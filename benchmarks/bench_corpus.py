"""Builds benchmark inputs from the realistic model files under `tests/workspaces/`.

Large files are made by concatenating whole modules, each copy with its top-level classes and
functions renamed (`ResNet` -> `ResNet_v2`), so a 5,000-line file reads like one long, real module
rather than the same definitions repeated. Nothing here is committed: callers generate into a
temporary directory at run time.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bench_report import WORKSPACES

FRAMEWORK_FOLDERS = {"mindspore": "mindspore_port", "torch": "pytorch_project"}
_FUTURE_IMPORT = re.compile(r"^from __future__ import [^\n]*\n", re.MULTILINE)


@dataclass(frozen=True)
class SourceModule:
    name: str
    text: str
    top_level_names: tuple[str, ...]


@cache
def workspace_modules(framework: str) -> tuple[SourceModule, ...]:
    folder = WORKSPACES / FRAMEWORK_FOLDERS[framework]
    modules = []
    for path in sorted(folder.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        modules.append(SourceModule(path.stem, text, _top_level_definitions(ast.parse(text))))
    if not modules:
        raise FileNotFoundError(f"no model files under {folder}")
    return tuple(modules)


def _top_level_definitions(tree: ast.Module) -> tuple[str, ...]:
    return tuple(
        node.name for node in tree.body if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    )


def renamed_copy(module: SourceModule, copy_index: int) -> str:
    """The module's text with its own top-level definitions suffixed, so copies can share a file.

    `from __future__` imports are dropped: they are only legal at the top of a file.
    """
    text = _FUTURE_IMPORT.sub("", module.text)
    if copy_index == 0 or not module.top_level_names:
        return text
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, module.top_level_names)) + r")\b")
    return pattern.sub(lambda match: f"{match.group(1)}_v{copy_index}", text)


def sized_text(framework: str, target_lines: int, variant: int = 0) -> str:
    """About `target_lines` lines of model code, cut at a top-level statement boundary.

    Modules are taken in turn (starting at `variant`, so different variants open with different
    code) until the target is reached; the last module is cut after the top-level statement that
    crosses the target, so the result stays valid Python.
    """
    modules = workspace_modules(framework)
    parts: list[str] = ["from __future__ import annotations\n"]
    lines = 1
    copy_index = 0
    while lines < target_lines:
        module = modules[(variant + copy_index) % len(modules)]
        text = renamed_copy(module, copy_index)
        text_lines = text.count("\n")
        if lines + text_lines > target_lines:
            text = _cut_after_statement_reaching(text, target_lines - lines)
            text_lines = text.count("\n")
        parts.append(text)
        lines += text_lines
        copy_index += 1
    return "".join(parts)


def _cut_after_statement_reaching(text: str, wanted_lines: int) -> str:
    tree = ast.parse(text)
    kept_lines = text.count("\n")
    for node in tree.body:
        end = node.end_lineno or node.lineno
        if end >= wanted_lines:
            kept_lines = end
            break
    return "".join(text.splitlines(keepends=True)[:kept_lines])


@dataclass(frozen=True)
class Corpus:
    """A directory of generated model files."""

    root: Path
    files: tuple[Path, ...]
    lines: int


def write_directory(root: Path, framework: str, file_count: int) -> Corpus:
    """`file_count` files, each one whole workspace module under renamed definitions."""
    modules = workspace_modules(framework)
    root.mkdir(parents=True, exist_ok=True)
    files = []
    lines = 0
    for index in range(file_count):
        module = modules[index % len(modules)]
        text = renamed_copy(module, index + 1)
        path = root / f"{module.name}_{index:03d}.py"
        path.write_text(text, encoding="utf-8")
        files.append(path)
        lines += text.count("\n")
    return Corpus(root, tuple(files), lines)
