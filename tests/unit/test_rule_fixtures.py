"""Every rule fixture, through the engine at both syntax levels: the right lines, codes and severities.

The severities asserted here are the oracle's verdicts (tests/oracle runs the same examples through
real MindSpore), so together the two suites prove each rule's claim.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.analysis.findings import Severity
from msmigrate.analysis.settings import AnalysisSettings
from tests.fixture_examples import ALL_VERDICTS, fixture_paths, read_fixture, severity_for

FIXTURE_PATHS = fixture_paths()


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", FIXTURE_PATHS, ids=_id)
def test_fixture_is_well_formed(path: Path) -> None:
    fixture = read_fixture(path)
    codes = {code for codes in fixture.expected.values() for code in codes}
    assert fixture.rule_code in codes
    if path.parent.name != "graph_syntax":
        # API-difference and dynamic-shape fixtures prove their claims with their own oracles (torch
        # against MindSpore, shapes across inputs); here only their markers must hold.
        return
    assert fixture.examples, "a fixture needs examples with `oracle:` claims"
    positives = [example for example in fixture.examples if example.expected]
    negatives = [example for example in fixture.examples if not example.expected]
    assert positives and negatives, "a fixture needs positive and negative examples"
    for example in fixture.examples:
        assert set(example.claims) == {"strict", "lax"}, example.name
        assert set(example.claims.values()) <= ALL_VERDICTS, example.name
    covered = {line for example in fixture.examples for line in example.expected}
    assert covered == set(fixture.expected), "every `# expect:` marker must sit inside an example"


@pytest.mark.parametrize("level", [SyntaxLevel.STRICT, SyntaxLevel.LAX], ids=lambda level: level.value)
@pytest.mark.parametrize("path", FIXTURE_PATHS, ids=_id)
def test_fixture_findings_match_markers_and_oracle(path: Path, level: SyntaxLevel) -> None:
    fixture = read_fixture(path)
    result = Engine(AnalysisSettings(jit_syntax_level=level)).analyze(fixture.text)
    assert result.syntax_problem is None
    assert not result.rule_failures, result.rule_failures
    reported: dict[int, set[str]] = {}
    for finding in result.findings:
        reported.setdefault(finding.span.line, set()).add(finding.code)
    expected = {line: set(codes) for line, codes in fixture.expected.items()}
    assert reported == expected

    for example in fixture.examples:
        verdict = example.claims[level.value]
        wanted = severity_for(verdict)
        for finding in result.findings:
            if not example.first_line <= finding.span.line <= example.last_line:
                continue
            if wanted is None:
                assert finding.severity is Severity.HINT, (
                    f"{example.name}: MindSpore says {verdict!r} at {level.value}; "
                    f"{finding.code} may be at most a hint, got {finding.severity.label}"
                )
            else:
                assert finding.severity is wanted, (
                    f"{example.name}: MindSpore says {verdict!r} at {level.value}; "
                    f"{finding.code} must be {wanted.label}, got {finding.severity.label}"
                )
