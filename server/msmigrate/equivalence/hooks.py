"""Per-layer outputs in execution order (forward hooks) and the source line that creates each layer.

Measured on MindSpore 2.10: `Cell.register_forward_hook` runs in PYNATIVE_MODE, also inside
`value_and_grad`; in GRAPH_MODE a Cell with a Python hook fails to compile ("Illegal AnfNode for
evaluating"), so layers are recorded in PyNative only and GRAPH_MODE runs use Cells without hooks.
"""

from __future__ import annotations

import ast
import inspect
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

Flatten = Callable[[Any], list[np.ndarray]]


@dataclass
class LayerRecord:
    path: str
    outputs: list[np.ndarray]


@dataclass
class LayerRecorder:
    """Collects every sub-module's output per phase label; `phase = None` pauses recording."""

    flatten: Flatten
    phase: str | None = None
    records: dict[str, list[LayerRecord]] = field(default_factory=dict)

    def hook_for(self, path: str) -> Callable[..., None]:
        def record(module: Any, inputs: Any, output: Any) -> None:
            if self.phase is not None:
                self.records.setdefault(self.phase, []).append(LayerRecord(path, self.flatten(output)))

        return record


def pair_layers(
    torch_records: list[LayerRecord], mindspore_records: list[LayerRecord]
) -> list[tuple[LayerRecord, LayerRecord]]:
    """Pair by path and call count (a shared ReLU runs several times); by position when no path matches
    and both sides ran the same number of layers (the port renamed its attributes)."""
    by_key: dict[tuple[str, int], LayerRecord] = {}
    seen: dict[str, int] = {}
    for record in mindspore_records:
        seen[record.path] = seen.get(record.path, 0) + 1
        by_key[(record.path, seen[record.path])] = record
    pairs: list[tuple[LayerRecord, LayerRecord]] = []
    seen.clear()
    for record in torch_records:
        seen[record.path] = seen.get(record.path, 0) + 1
        partner = by_key.get((record.path, seen[record.path]))
        if partner is not None:
            pairs.append((record, partner))
    if not pairs and len(torch_records) == len(mindspore_records):
        return list(zip(torch_records, mindspore_records, strict=True))
    return pairs


class SourceLines:
    """The line that creates a sub-module (`self.bn1 = nn.BatchNorm2d(...)`), found with `ast` in one file.

    A path such as `layer1.0.bn1` is walked from the root object: at each step, if the parent's class is
    defined in the file, the line of the attribute's assignment in that class is taken; a numeric step
    into `Sequential([...])` / `SequentialCell(a, b)` narrows to that element's line. The deepest line
    found wins, so layers of library containers point at the user's line that builds them.
    """

    def __init__(self, file: str, children: Callable[[Any], dict[str, Any]]) -> None:
        self.file = os.path.realpath(file)
        self.children = children
        self.assignments = _assignments_by_class(self.file)

    def line_of(self, root: Any, path: str) -> int | None:
        line = self.class_line(root)
        node: ast.expr | None = None
        parent = root
        for step in (step for step in path.split(".") if step):
            child = self.children(parent).get(step)
            assigned = self._assignment(parent, step)
            if assigned is not None:
                line, node = assigned
            elif step.isdigit() and isinstance(node, ast.Call):
                element = _call_element(node, int(step))
                if element is not None:
                    line, node = element.lineno, element
                else:
                    node = None
            else:
                node = None
            if child is None:
                break
            parent = child
        return line

    def class_line(self, instance: Any) -> int | None:
        cls = type(instance)
        if not self._defined_here(cls):
            return None
        return self.assignments.get(cls.__name__, _ClassInfo(None)).line

    def _assignment(self, parent: Any, attribute: str) -> tuple[int, ast.expr] | None:
        for cls in type(parent).__mro__:
            if not self._defined_here(cls):
                continue
            info = self.assignments.get(cls.__name__)
            if info and attribute in info.attributes:
                return info.attributes[attribute]
        return None

    def _defined_here(self, cls: type) -> bool:
        try:
            source = inspect.getsourcefile(cls)
        except (TypeError, OSError):
            return False
        return source is not None and os.path.realpath(source) == self.file


@dataclass
class _ClassInfo:
    line: int | None
    attributes: dict[str, tuple[int, ast.expr]] = field(default_factory=dict)


@cache
def _assignments_by_class(file: str) -> dict[str, _ClassInfo]:
    try:
        with open(file, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), filename=file)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    classes: dict[str, _ClassInfo] = {}
    for class_def in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
        info = classes.setdefault(class_def.name, _ClassInfo(class_def.lineno))
        for statement in _statements(class_def):
            for name, value in _self_assignments(statement):
                info.attributes.setdefault(name, (statement.lineno, value))
    return classes


def _statements(class_def: ast.ClassDef) -> Iterator[ast.stmt]:
    for method in class_def.body:
        if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(method):
                if isinstance(node, ast.stmt):
                    yield node


def _self_assignments(statement: ast.stmt) -> Iterator[tuple[str, ast.expr]]:
    """`self.x = value`, `self.x: T = value`, and `self.add_module("x", value)` / `insert_child_to_cell`."""
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            if _is_self_attribute(target):
                yield target.attr, statement.value  # type: ignore[attr-defined]
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None and _is_self_attribute(statement.target):
        yield statement.target.attr, statement.value  # type: ignore[attr-defined]
    elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr in ("add_module", "register_module", "insert_child_to_cell")
            and _is_self(call.func.value)
            and len(call.args) == 2
            and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)
        ):
            yield call.args[0].value, call.args[1]


def _is_self_attribute(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and _is_self(node.value)


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _call_element(call: ast.Call, index: int) -> ast.expr | None:
    """The index-th layer of `Sequential(a, b)` or `SequentialCell([a, b])`, when written out."""
    if len(call.args) == 1 and isinstance(call.args[0], (ast.List, ast.Tuple)):
        elements = call.args[0].elts
    else:
        elements = list(call.args)
    if any(isinstance(element, ast.Starred) for element in elements[: index + 1]):
        return None
    return elements[index] if index < len(elements) else None
