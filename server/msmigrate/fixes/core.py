"""The fix registry and the machinery every fix shares: find the node, rewrite, diff to edits."""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, TypeVar

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from msmigrate.analysis.findings import Finding, FixOffer, FixSafety, Span, TextEdit
from msmigrate.analysis.source import span_offsets, split_lines_keepends

NodeT = TypeVar("NodeT", bound=cst.CSTNode)


class FixError(Exception):
    """The fix cannot be applied to this text (it changed, or the code has an unexpected shape)."""


@dataclass
class FixTarget:
    """What a fix function gets: the parsed module, node positions, the finding and the offer's params."""

    module: cst.Module
    positions: dict[cst.CSTNode, CodeRange]
    finding: Finding
    params: dict[str, Any]

    def nodes_at(self, span: Span | None = None) -> Iterator[cst.CSTNode]:
        """Nodes whose range is exactly `span` (the finding's span by default), outermost first."""
        wanted = span or self.finding.span
        for node, code_range in self.positions.items():
            if (
                code_range.start.line == wanted.line
                and code_range.start.column == wanted.column
                and code_range.end.line == wanted.end_line
                and code_range.end.column == wanted.end_column
            ):
                yield node

    def node_at(self, node_type: type[NodeT], span: Span | None = None) -> NodeT:
        for node in self.nodes_at(span):
            if isinstance(node, node_type):
                return node
        raise FixError(f"no {node_type.__name__} at the finding's position; re-run the analysis")

    def enclosing(self, node_type: type[NodeT], inner: cst.CSTNode) -> NodeT:
        """The innermost node of `node_type` whose range contains `inner`'s range."""
        inner_range = self.positions[inner]
        best: NodeT | None = None
        best_size: tuple[int, int] | None = None
        for node, code_range in self.positions.items():
            if not isinstance(node, node_type):
                continue
            if _contains(code_range, inner_range):
                size = (
                    code_range.end.line - code_range.start.line,
                    code_range.end.column - code_range.start.column,
                )
                if best_size is None or size < best_size:
                    best, best_size = node, size
        if best is None:
            raise FixError(f"no enclosing {node_type.__name__}")
        return best


def _contains(outer: CodeRange, inner: CodeRange) -> bool:
    starts_before = (outer.start.line, outer.start.column) <= (inner.start.line, inner.start.column)
    ends_after = (outer.end.line, outer.end.column) >= (inner.end.line, inner.end.column)
    return starts_before and ends_after


FixFunction = Callable[[FixTarget], cst.Module]
_REGISTRY: dict[str, FixFunction] = {}


def register_fix(fix_id: str) -> Callable[[FixFunction], FixFunction]:
    def decorate(function: FixFunction) -> FixFunction:
        if fix_id in _REGISTRY and _REGISTRY[fix_id] is not function:
            raise RuntimeError(f"fix id registered twice: {fix_id}")
        _REGISTRY[fix_id] = function
        return function

    return decorate


@cache
def _load_fix_modules() -> None:
    import msmigrate.fixes as package

    for module_info in pkgutil.iter_modules(package.__path__):
        if module_info.name != "core" and not module_info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{module_info.name}")


def fix_ids() -> frozenset[str]:
    _load_fix_modules()
    return frozenset(_REGISTRY)


def compute_edits(text: str, finding: Finding, offer: FixOffer) -> list[TextEdit]:
    """The minimal text edits that apply `offer` to `text`; [] for a suggestion. Raises FixError."""
    if offer.safety is FixSafety.SUGGESTION:
        return []
    _load_fix_modules()
    function = _REGISTRY.get(offer.fix_id)
    if function is None:
        raise FixError(f"unknown fix {offer.fix_id!r}")
    module, positions = _parsed(text)
    target = FixTarget(module, positions, finding, offer.param_dict())
    new_text = function(target).code
    if new_text == text:
        raise FixError("the fix changes nothing here")
    return diff_edits(text, new_text)


@lru_cache(maxsize=4)
def _parsed(text: str) -> tuple[cst.Module, dict[cst.CSTNode, CodeRange]]:
    """The libcst tree and node positions of `text`, shared by all fixes computed on the same text.

    libcst trees are immutable, so a fix that rewrites one cannot disturb the next fix.
    """
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise FixError(f"the file does not parse: {error.message}") from error
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    return wrapper.module, dict(wrapper.resolve(PositionProvider))


def diff_edits(old: str, new: str) -> list[TextEdit]:
    """Line-level edits turning `old` into `new` (positions in code points, 1-based lines)."""
    old_lines = split_lines_keepends(old)
    new_lines = split_lines_keepends(new)
    edits: list[TextEdit] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        replacement = "".join(new_lines[new_start:new_end])
        start = _line_start(old_lines, old_start)
        end = _line_start(old_lines, old_end)
        edits.append(TextEdit(Span(start[0], start[1], end[0], end[1]), replacement))
    return edits


def _line_start(lines: list[str], index: int) -> tuple[int, int]:
    """Position of the start of line `index` (0-based), or the end of the text past the last line."""
    if index < len(lines):
        return index + 1, 0
    if not lines:
        return 1, 0
    last = lines[-1]
    if last.endswith(("\n", "\r")):
        return len(lines) + 1, 0
    return len(lines), len(last)


def apply_edits(text: str, edits: list[TextEdit]) -> str:
    """Apply non-overlapping edits (any order) to `text`; used by the CLI and the tests."""
    result = text
    for edit in sorted(edits, key=lambda edit: (edit.span.line, edit.span.column), reverse=True):
        start, end = span_offsets(text, edit.span)
        result = result[:start] + edit.new_text + result[end:]
    return result
