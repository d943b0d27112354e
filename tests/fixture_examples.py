"""Reads rule fixture files: examples, their oracle claims and the `# expect:` markers.

A fixture (`tests/fixtures/<category>/<CODE>.py`) holds examples: classes or `@jit` functions whose
docstring says `oracle: strict=<verdict> lax=<verdict>`. Lines ending in `# expect: CODE[, CODE]` must
be reported with those codes; no other line may be reported. The oracle verdict at a level fixes the
severity the rule must give there.

Graph-syntax fixtures must have oracle claims on every example. API-difference (`api_difference/`) and
dynamic-shape (`dynamic_shape/`) fixtures need only the markers: their oracles compare against PyTorch
or across inputs, in their own tests, and may read the same files.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from msmigrate.analysis.findings import Severity

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")
ORACLE = re.compile(r"oracle:\s*(?P<claims>.+)")

ERROR_VERDICTS = frozenset({"compile_error", "grad_error"})
SILENT_VERDICTS = frozenset({"frozen_random", "zero_grad", "wrong_value", "wrong_grad"})
OK_VERDICTS = frozenset({"ok"})
ALL_VERDICTS = ERROR_VERDICTS | SILENT_VERDICTS | OK_VERDICTS


def severity_for(verdict: str) -> Severity | None:
    """The severity a finding must have where MindSpore behaves as `verdict` (None: hint or nothing)."""
    if verdict in ERROR_VERDICTS:
        return Severity.ERROR
    if verdict in SILENT_VERDICTS:
        return Severity.WARNING
    return None


@dataclass
class Example:
    name: str
    first_line: int
    last_line: int
    claims: dict[str, str]
    expected: dict[int, frozenset[str]]  # line -> codes


@dataclass
class Fixture:
    path: Path
    text: str
    examples: list[Example]
    expected: dict[int, frozenset[str]]

    @property
    def rule_code(self) -> str:
        """`MSG006` for `MSG006.py` and for split files such as `MSG006_loops.py`."""
        return self.path.stem.split("_", 1)[0]


def fixture_paths(category: str | None = None) -> list[Path]:
    root = FIXTURES / category if category else FIXTURES
    return sorted(path for path in root.rglob("*.py") if not path.name.startswith("_"))


def read_fixture(path: Path) -> Fixture:
    text = path.read_text(encoding="utf-8")
    expected: dict[int, frozenset[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            expected[number] = frozenset(code.strip() for code in match.group("codes").split(","))
    examples = []
    for node in ast.parse(text).body:
        if not isinstance(node, ast.ClassDef | ast.FunctionDef):
            continue
        doc = ast.get_docstring(node) or ""
        match = ORACLE.search(doc)
        if not match:
            continue
        claims = dict(part.split("=", 1) for part in match.group("claims").split())
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        last = node.end_lineno or node.lineno
        inside = {line: codes for line, codes in expected.items() if first <= line <= last}
        examples.append(Example(node.name, first, last, claims, inside))
    return Fixture(path, text, examples, expected)
