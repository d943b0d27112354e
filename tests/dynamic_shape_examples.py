"""Reads the dynamic-shape examples (`tests/fixtures/dynamic_shape/`) and applies their fixes.

An example is a class or function whose docstring has a line `shape: <claim>`: `dynamic` (MindSpore
gives outputs of different shapes for two inputs of one shape), `static`, or `compile_error`. A line
`fixed: <mode>` says how the values of the fixed example compare with the original's: `nonzero` (the
default: the fixed output's nonzero entries, in order, are the original's values), `nonzero-sorted`
(the same as multisets) or `equal`. `probe: NAME` asks the oracle to look at a local's shape too.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import FixSafety
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from tests.fixture_examples import FIXTURES, read_fixture

DYNAMIC_FIXTURES = FIXTURES / "dynamic_shape"
CLAIMS = frozenset({"dynamic", "static", "compile_error"})
COMPARISONS = frozenset({"nonzero", "nonzero-sorted", "equal"})
CLAIM = re.compile(r"^\s*shape:\s*(?P<claim>\S+)", re.MULTILINE)
FIXED = re.compile(r"^\s*fixed:\s*(?P<mode>\S+)", re.MULTILINE)
MAX_FIXES = 100


@dataclass(frozen=True)
class DynamicExample:
    name: str
    claim: str
    comparison: str
    first_line: int
    last_line: int
    expected: dict[int, frozenset[str]]


def example_files() -> list[Path]:
    """Every example file, the migration guide's (`_migration_guide.py`) included."""
    return sorted(DYNAMIC_FIXTURES.glob("*.py"))


def read_examples(path: Path) -> list[DynamicExample]:
    expected = read_fixture(path).expected
    return examples_in(path.read_text(encoding="utf-8"), expected)


def examples_in(text: str, expected: dict[int, frozenset[str]] | None = None) -> list[DynamicExample]:
    found = []
    for node in ast.parse(text).body:
        if not isinstance(node, ast.ClassDef | ast.FunctionDef):
            continue
        doc = ast.get_docstring(node) or ""
        claim = CLAIM.search(doc)
        if claim is None:
            continue
        comparison = FIXED.search(doc)
        first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
        last = node.end_lineno or node.lineno
        inside = {line: codes for line, codes in (expected or {}).items() if first <= line <= last}
        mode = comparison.group("mode") if comparison else "nonzero"
        found.append(DynamicExample(node.name, claim.group("claim"), mode, first, last, inside))
    return found


def apply_all_fixes(text: str) -> tuple[str, set[str]]:
    """`text` with every offered fix applied, one at a time until none is left, and the examples fixed."""
    engine = Engine()
    fixed: set[str] = set()
    for _ in range(MAX_FIXES):
        offers = [
            (finding, offer)
            for finding in engine.analyze(text).findings
            for offer in finding.fixes
            if offer.safety is not FixSafety.SUGGESTION
        ]
        if not offers:
            return text, fixed
        finding, offer = offers[0]
        line = finding.span.line
        fixed.update(example.name for example in examples_in(text) if example.first_line <= line <= example.last_line)
        text = apply_edits(text, compute_edits(text, finding, offer))
    raise AssertionError("the fixes did not converge")
