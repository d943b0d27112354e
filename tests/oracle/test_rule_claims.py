"""Each rule fixture's examples, compiled by real MindSpore 2.10 in GRAPH_MODE at STRICT and LAX.

The claim written on each example (`oracle: strict=... lax=...`) must be what MindSpore does; the unit
suite checks that the rule's severity matches the same claim. A rule whose claim MindSpore refutes gets
fixed, not this test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixture_examples import fixture_paths, read_fixture
from tests.oracle.conftest import requires_mindspore, run_oracle

pytestmark = [pytest.mark.oracle, requires_mindspore]


@pytest.mark.parametrize("path", fixture_paths("graph_syntax"), ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_mindspore_behaves_as_claimed(path: Path) -> None:
    fixture = read_fixture(path)
    results = run_oracle(path)
    assert set(results) == {example.name for example in fixture.examples}
    wrong = []
    for name, entry in results.items():
        for level, outcome in entry["levels"].items():
            if outcome["verdict"] != entry["claims"][level]:
                observed = {key: value for key, value in outcome["observed"].items() if key.endswith("error")}
                wrong.append(
                    f"{name} @ {level}: claimed {entry['claims'][level]}, MindSpore: {outcome['verdict']} {observed}"
                )
    assert not wrong, "\n".join(wrong)
