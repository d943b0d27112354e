"""Fixes keep code parseable and converge: apply, re-lint, repeat until nothing is offered."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import FixSafety
from msmigrate.fixes import FixError, compute_edits
from msmigrate.fixes.core import apply_edits
from tests.fixture_examples import fixture_paths

MAX_ROUNDS = 10


def _apply_all(text: str, safeties: set[FixSafety]) -> tuple[str, int]:
    """The text with every fix of the given safeties applied, and how many were applied."""
    """Apply one fix at a time (edits of different fixes may overlap) until none is left."""
    engine = Engine()
    for applied in range(MAX_ROUNDS * 20):
        result = engine.analyze(text)
        assert result.syntax_problem is None, f"a fix broke the syntax:\n{text}"
        offers = [
            (finding, offer) for finding in result.findings for offer in finding.fixes if offer.safety in safeties
        ]
        if not offers:
            return text, applied
        finding, offer = offers[0]
        edits = compute_edits(text, finding, offer)
        new_text = apply_edits(text, edits)
        ast.parse(new_text)
        assert new_text != text
        text = new_text
    raise AssertionError("fixes did not converge")


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_every_offered_fix_applies_cleanly(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for finding in Engine().analyze(text).findings:
        for offer in finding.fixes:
            if offer.safety is FixSafety.SUGGESTION:
                assert compute_edits(text, finding, offer) == []
                continue
            try:
                edits = compute_edits(text, finding, offer)
            except FixError as error:  # pragma: no cover - a failure message is the point
                pytest.fail(f"{finding.code} fix {offer.fix_id} failed: {error}")
            fixed = apply_edits(text, edits)
            ast.parse(fixed)
            # Comments elsewhere in the file survive a fix.
            assert fixed.count("# expect:") >= text.count("# expect:") - 1


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_all_fixes_converge(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    _apply_all(text, {FixSafety.SAFE})
    _apply_all(text, {FixSafety.SAFE, FixSafety.UNSAFE})
