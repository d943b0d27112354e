"""Equivalence settings on the wire (`equivalence.*`, camelCase) and a command's overrides of them."""

from __future__ import annotations

import pytest

from msmigrate.lsp.commands.run_equivalence_check import CommandError, merged_settings
from msmigrate.lsp.settings import EquivalenceSettings, ServerSettings

WIRE = {
    "interpreter": "/opt/venv/bin/python",
    "timeoutSeconds": 60,
    "device": "CPU",
    "atol": 1e-4,
    "rtol": 0,
    "inputs": ["2,3,8,8:float32", "2:int64"],
}
TYPED = EquivalenceSettings(
    interpreter="/opt/venv/bin/python",
    timeout_seconds=60.0,
    device="cpu",
    atol=1e-4,
    rtol=0.0,
    inputs=("2,3,8,8:float32", "2:int64"),
)


@pytest.mark.parametrize(
    "payload",
    [
        {"equivalence": WIRE},
        {"msmigrate": {"equivalence": WIRE}},
        {f"equivalence.{name}": value for name, value in WIRE.items()},
        {"settings": {"equivalence": {**WIRE, "device": "gpu"}, "equivalence.device": "cpu"}},
    ],
    ids=["nested", "section", "dotted", "dotted-wins"],
)
def test_equivalence_settings_arrive_nested_or_dotted(payload: object) -> None:
    settings = ServerSettings.from_wire(payload)

    assert settings.equivalence == TYPED
    assert settings.problems == ()


def test_defaults_leave_everything_to_the_runner() -> None:
    assert ServerSettings.from_wire({"jitSyntaxLevel": "lax"}).equivalence == EquivalenceSettings()
    assert EquivalenceSettings() == EquivalenceSettings(None, 300.0, "auto", None, None, ())


def test_bad_equivalence_values_are_reported_and_replaced_by_defaults() -> None:
    settings = ServerSettings.from_wire(
        {
            "equivalence": {
                "interpreter": 3,
                "timeoutSeconds": 0,
                "device": "tpu",
                "atol": -1,
                "rtol": "small",
                "inputs": ["2,3:float32", "oops:float32"],
            }
        }
    )

    assert settings.equivalence == EquivalenceSettings()
    assert len(settings.problems) == 6
    assert any(
        "equivalence.device must be one of auto, cpu, gpu, cuda, ascend" in problem for problem in settings.problems
    )
    assert ServerSettings.from_wire({"equivalence": "fast"}).problems == ("equivalence must be an object, not 'fast'",)


def test_a_commands_values_override_the_servers_settings() -> None:
    server_settings = ServerSettings(equivalence=TYPED)

    merged = merged_settings(server_settings, {"uri": "file:///x.py", "timeoutSeconds": 5, "atol": None})

    assert merged.timeout_seconds == 5.0
    assert merged.atol is None, "an explicit null restores the per-dtype default"
    assert (merged.interpreter, merged.device, merged.rtol, merged.inputs) == (
        TYPED.interpreter,
        TYPED.device,
        TYPED.rtol,
        TYPED.inputs,
    )
    with pytest.raises(CommandError, match=r"equivalence\.device must be one of"):
        merged_settings(server_settings, {"device": "tpu"})
