"""The bundled example says what msmigrate flags: its comments and the engine's findings must agree.

`examples/mindspore_model.py` puts each hazard on its own line, under a comment that starts with the
rule family (`# graph-syntax: ...`). A reader trusts those comments, so: every annotated line gets a
finding of that family, no other line gets any, and the PyTorch original gets nothing but information
that its data-dependent shapes become dynamic in MindSpore.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Category, Severity
from msmigrate.rules import rule_by_code

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PORT = EXAMPLES / "mindspore_model.py"
ORIGINAL = EXAMPLES / "torch_model.py"
ANNOTATION = re.compile(r"^\s*# (?P<family>graph-syntax|api-difference|dynamic-shape): ")
# Hazards shown in the example that no committed rule may cover yet, with the code of the rule that
# will cover them where it is known. Such a case is a strict xfail while its rule is not registered (or,
# for an unknown code, always): when the rule lands and flags the line, the case passes unexpectedly
# and fails, and the entry must go.
PENDING: dict[str, str | None] = {}


def annotated_lines(text: str) -> dict[int, Category]:
    """Line number (1-based) of the code line under each annotation, with the family it names."""
    lines = text.splitlines()
    annotated: dict[int, Category] = {}
    for index, line in enumerate(lines):
        match = ANNOTATION.match(line)
        if match is None:
            continue
        target = index + 1
        while lines[target].lstrip().startswith("#"):
            target += 1
        annotated[target + 1] = Category(match.group("family"))
    return annotated


PORT_TEXT = PORT.read_text(encoding="utf-8")
PORT_LINES = PORT_TEXT.splitlines()
ANNOTATED = annotated_lines(PORT_TEXT)


def _pending(source: str) -> bool:
    for snippet, code in PENDING.items():
        if snippet in source:
            return code is None or rule_by_code(code) is None
    return False


def _cases() -> list[object]:
    cases = []
    for line, family in sorted(ANNOTATED.items()):
        source = PORT_LINES[line - 1].strip()
        marks = [pytest.mark.xfail(strict=True, reason="no rule covers this hazard yet")] if _pending(source) else []
        cases.append(pytest.param(line, family, id=f"{line}: {source}", marks=marks))
    return cases


@pytest.fixture(scope="module")
def port_findings():
    result = Engine().analyze(PORT_TEXT)
    assert result.syntax_problem is None
    assert not result.rule_failures
    return result.findings


def test_every_family_is_shown() -> None:
    assert set(ANNOTATED.values()) == set(Category)


@pytest.mark.parametrize(("line", "family"), _cases())
def test_annotated_line_is_flagged(port_findings, line: int, family: Category) -> None:
    on_line = [finding for finding in port_findings if finding.span.line == line]
    assert any(finding.category is family for finding in on_line), on_line


def test_nothing_is_flagged_off_the_annotated_lines(port_findings) -> None:
    stray = [(finding.code, finding.span.line) for finding in port_findings if finding.span.line not in ANNOTATED]
    assert stray == []


def test_the_pytorch_original_is_clean() -> None:
    result = Engine().analyze(ORIGINAL.read_text(encoding="utf-8"))
    assert result.syntax_problem is None
    # Data-dependent shapes are noted for the port ("becomes dynamic in MindSpore"), as information only;
    # API differences the port will meet (`torch.no_grad`, `loss.backward()`) as information or hints.
    others = [
        finding
        for finding in result.findings
        if not (finding.category is Category.DYNAMIC_SHAPE and finding.severity is Severity.INFORMATION)
        and not (finding.category is Category.API_DIFFERENCE and finding.severity >= Severity.INFORMATION)
    ]
    assert others == []
