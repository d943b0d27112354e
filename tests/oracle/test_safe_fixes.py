"""Every SAFE fix offered on a rule fixture, applied and run through real MindSpore.

A safe fix must leave code that compiles at both levels and computes what the original computes in
PyNative mode (the reference semantics), on the same inputs.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.analysis.findings import FixSafety
from msmigrate.analysis.settings import AnalysisSettings
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from tests.fixture_examples import fixture_paths, read_fixture
from tests.oracle.conftest import requires_mindspore, run_oracle
from tests.oracle.ms_runner_compare import same_values

pytestmark = [pytest.mark.oracle, requires_mindspore]


def _safe_fix_cases() -> list[tuple[Path, int]]:
    cases = []
    # API-difference and dynamic-shape fixes are proven against torch and across inputs by their own oracles.
    for path in fixture_paths("graph_syntax"):
        text = path.read_text(encoding="utf-8")
        for level in (SyntaxLevel.STRICT, SyntaxLevel.LAX):
            findings = Engine(AnalysisSettings(jit_syntax_level=level)).analyze(text).findings
            for finding in findings:
                if any(offer.safety is FixSafety.SAFE for offer in finding.fixes):
                    cases.append((path, finding.span.line))
    return sorted(set(cases))


SAFE_FIX_CASES = _safe_fix_cases()


@functools.cache
def _original_run(path: Path) -> dict[str, Any]:
    """The unfixed fixture's oracle run, shared by every safe fix offered on it."""
    return run_oracle(path)


@pytest.mark.parametrize("path,line", SAFE_FIX_CASES, ids=lambda value: str(getattr(value, "stem", value)))
def test_safe_fix_compiles_and_keeps_values(path: Path, line: int, tmp_path: Path) -> None:
    fixture = read_fixture(path)
    example = next(example for example in fixture.examples if example.first_line <= line <= example.last_line)
    text = fixture.text
    finding = next(
        finding
        for finding in Engine().analyze(text).findings
        if finding.span.line == line and any(offer.safety is FixSafety.SAFE for offer in finding.fixes)
    )
    offer = next(offer for offer in finding.fixes if offer.safety is FixSafety.SAFE)
    fixed_path = tmp_path / path.name
    fixed_path.write_text(apply_edits(text, compute_edits(text, finding, offer)), encoding="utf-8")

    original = _original_run(path)[example.name]
    fixed = run_oracle(fixed_path)[example.name]
    for level, outcome in fixed["levels"].items():
        observed = outcome["observed"]
        assert "forward_error" not in observed, f"fixed code does not compile at {level}: {observed}"
        reference = original["pynative"]
        if "out_a" in reference:
            assert same_values(observed["out_a"], reference["out_a"]), f"values changed at {level}"
            assert same_values(observed["out_c"], reference["out_c"]), f"values changed at {level}"
