"""Server settings from the wire: the accepted shapes, camelCase names, and bad values."""

from __future__ import annotations

import pytest

from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.lsp.settings import ServerSettings

WIRE = {"jitSyntaxLevel": "Strict", "select": ["msg", "MSA001"], "ignore": ["MSG002"], "showSyntaxErrors": False}
TYPED = ServerSettings(
    jit_syntax_level=SyntaxLevel.STRICT, select=("MSG", "MSA001"), ignore=("MSG002",), show_syntax_errors=False
)


@pytest.mark.parametrize(
    "payload",
    [WIRE, {"settings": WIRE}, {"msmigrate": WIRE}, {"settings": {"msmigrate": WIRE}}],
    ids=["flat", "settings", "section", "settings-section"],
)
def test_accepted_shapes(payload: object) -> None:
    assert ServerSettings.from_wire(payload) == TYPED


@pytest.mark.parametrize("payload", [None, [], "strict", {}, {"python": {"analysis": {}}}, {"msmigrate": None}])
def test_payloads_without_settings_give_the_defaults(payload: object) -> None:
    settings = ServerSettings.from_wire(payload)
    assert settings == ServerSettings()
    assert settings.problems == ()


def test_bad_values_are_reported_and_replaced_by_defaults() -> None:
    settings = ServerSettings.from_wire(
        {"jitSyntaxLevel": "fast", "select": "MSG001", "ignore": [1, 2], "showSyntaxErrors": "yes"}
    )
    assert settings.jit_syntax_level is None
    assert settings.select == ("MSG001",), "a single code is taken as a list of one"
    assert settings.ignore == ()
    assert settings.show_syntax_errors is True
    assert len(settings.problems) == 3


def test_analysis_settings_follow() -> None:
    analysis = TYPED.analysis_settings()
    assert analysis.enabled("MSG001")
    assert not analysis.enabled("MSG002")
    assert not analysis.enabled("MSD001")
    assert analysis.jit_syntax_level is SyntaxLevel.STRICT
