"""Every claim of `mappings/` holds for the installed torch 2.13.0 and mindspore 2.10.0; a stale one fails.

One subprocess (tests/mappings/verify_installed.py) imports both frameworks and checks two copies of the
data: the repository's, which must be clean, and a copy with known stale claims, each of which must be
reported — so the verifier is shown to fail where it should.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tools.mapping_common import MAPPINGS_DIR, REPO_ROOT

VERIFY_TIMEOUT_S = 600
frameworks_installed = all(importlib.util.find_spec(name) for name in ("torch", "mindspore"))

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(
        not frameworks_installed and not os.environ.get("CI"),
        reason="torch and mindspore are not installed (pip install -e '.[equiv]')",
    ),
]

Section = dict[str, Any]


def _entry(section: Section, torch_api: str) -> dict[str, Any]:
    return next(entry for entry in section["entries"] if entry["torch"] == torch_api)


def _legacy_param(section: Section, torch_api: str, **match: str) -> dict[str, Any]:
    counterpart = _entry(section, torch_api)["mindspore"]["legacy"][0]
    return next(p for p in counterpart["params"] if all(p.get(k) == v for k, v in match.items()))


def _stale_default(sections: dict[str, Section]) -> None:
    _legacy_param(sections["torch.nn"], "torch.nn.LeakyReLU", mindspore="alpha")["ms_default"] = "0.01"


def _unknown_parameter(sections: dict[str, Section]) -> None:
    _legacy_param(sections["torch.nn"], "torch.nn.Linear", mindspore="in_channels")["mindspore"] = "in_chans"


def _api_said_missing(sections: dict[str, Section]) -> None:
    _entry(sections["torch.nn"], "torch.nn.Dropout")["mindspore"]["current"]["exists"] = False


def _wrong_cpu_verdict(sections: dict[str, Section]) -> None:
    _entry(sections["torch.nn"], "torch.nn.Conv2d")["mindspore"]["current"]["cpu"] = True


def _one_sided_but_shared(sections: dict[str, Section]) -> None:
    record = _legacy_param(sections["torch.nn"], "torch.nn.Dropout", torch="inplace")
    record.pop("torch")
    record.update(kind="ms_only", mindspore="p")


def _missing_flag_dropped(sections: dict[str, Section]) -> None:
    counterpart = _entry(sections["torch"], "torch.nansum")["mindspore"]["current"]
    next(p for p in counterpart["params"] if p.get("torch") == "end").pop("torch_missing")


def _false_friend_signature(sections: dict[str, Section]) -> None:
    _entry(sections["torch"], "torch.transpose")["false_friends"][0]["expect_signature"] = "(input, dim0, dim1)"


def _behaviour_on_a_function(sections: dict[str, Section]) -> None:
    counterpart = _entry(sections["torch.nn.functional"], "torch.nn.functional.dropout")["mindspore"]["legacy"][0]
    counterpart["params"].append({"kind": "behaviour", "check": "starts_in_inference_mode", "note": "", "source": ""})


def _verified_elsewhere(sections: dict[str, Section]) -> None:
    sections["torch.special"]["verified"] = {"torch": "2.13.0", "mindspore": "2.9.0"}


def _rename_reversed(sections: dict[str, Section]) -> None:
    entry = _entry(sections["torch.nn"], "torch.nn.CELU")
    correction = next(c for c in entry["corrections"] if c["what"] == "api_renamed")
    correction["doc"], correction["installed"] = correction["installed"], correction["doc"]


# mutation -> text the verifier must report for it
MUTATIONS: dict[str, tuple[Callable[[dict[str, Section]], None], str]] = {
    "stale default": (_stale_default, "parameter alpha: default '0.01' recorded, installed '0.2'"),
    "unknown parameter": (_unknown_parameter, "parameter in_chans: not in the installed signature"),
    "existing API said missing": (_api_said_missing, "mindspore.mint.nn.Dropout exists=False recorded"),
    "wrong CPU verdict": (_wrong_cpu_verdict, "torch.nn.Conv2d -> mindspore.mint.nn.Conv2d: records cpu=True"),
    "one-sided parameter both sides have": (_one_sided_but_shared, "torch.nn.Dropout now has a parameter p"),
    "missing parameter not marked": (_missing_flag_dropped, "parameter end: not in the installed signature"),
    "false friend signature": (_false_friend_signature, "no longer has the signature (input, dim0, dim1)"),
    "behaviour check on a function": (_behaviour_on_a_function, "behaviour check needs the class"),
    "other verified version": (_verified_elsewhere, "verified against {'torch': '2.13.0', 'mindspore': '2.9.0'}"),
    "reversed rename": (_rename_reversed, "rename torch.nn.CELU -> torch.nn.CeLU no longer holds"),
}
SIGNATURE_MUTATION = "signatures.json mindspore.nn.Dense: recorded"


def _write_mutated_copy(target: Path) -> None:
    shutil.copytree(MAPPINGS_DIR, target)
    entries_dir = target / "torch_to_mindspore"
    sections = {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in entries_dir.glob("*.json")
        if path.name != "index.json"
    }
    for mutate, _ in MUTATIONS.values():
        mutate(sections)
    for name, data in sections.items():
        (entries_dir / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    signatures = json.loads((target / "signatures.json").read_text(encoding="utf-8"))
    signatures["apis"]["mindspore.nn.Dense"]["signatures"] = ["(in_channels, out_channels)"]
    (target / "signatures.json").write_text(json.dumps(signatures), encoding="utf-8")


@pytest.fixture(scope="module")
def verification(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    mutated = tmp_path_factory.mktemp("stale") / "mappings"
    _write_mutated_copy(mutated)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.mappings.verify_installed",
            "--mappings-dir",
            str(MAPPINGS_DIR),
            "--mappings-dir",
            str(mutated),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=VERIFY_TIMEOUT_S,
        env={**os.environ, "GLOG_v": "3", "PYTHONWARNINGS": "ignore"},
    )
    for line in completed.stdout.splitlines():
        if line.startswith("VERIFY-JSON "):
            results = json.loads(line.removeprefix("VERIFY-JSON "))
            return {"clean": results[str(MAPPINGS_DIR)], "stale": results[str(mutated)]}
    raise AssertionError(f"verifier failed (exit {completed.returncode}):\n{completed.stderr[-4000:]}")


def test_every_claim_holds_for_the_installed_packages(verification: dict[str, Any]) -> None:
    clean = verification["clean"]
    assert clean["problems"] == [], "stale mapping data; regenerate with `python -m tools.introspect_signatures`"
    checked = clean["checked"]
    assert checked["entries"] > 900
    assert checked["parameters"] > 3000
    assert checked["defaults"] > 2500
    assert checked["cpu_verdicts"] > 300
    assert checked["behaviour"] >= 10
    assert checked["false_friends"] >= 1


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_stale_claim_is_reported(verification: dict[str, Any], mutation: str) -> None:
    _, expected = MUTATIONS[mutation]
    problems = verification["stale"]["problems"]
    assert any(expected in problem for problem in problems), f"{expected!r} not among {problems}"


def test_a_stale_signature_is_reported(verification: dict[str, Any]) -> None:
    assert any(SIGNATURE_MUTATION in problem for problem in verification["stale"]["problems"])


def test_only_the_stale_claims_are_reported(verification: dict[str, Any]) -> None:
    problems = verification["stale"]["problems"]
    expected = [text for _, text in MUTATIONS.values()] + [SIGNATURE_MUTATION]
    unexplained = [problem for problem in problems if not any(text in problem for text in expected)]
    # The changed verified version stales every entry of that file; nothing else may be reported.
    assert all("verified against" in problem for problem in unexplained), unexplained
