"""The language server in a real editor other than VS Code: headless Neovim (Debian's 0.7.2).

`neovim_session.lua` sets the client up as the README's Neovim 0.7 snippet does (`vim.lsp.start_client`,
settings in `init_options`: Neovim answers `workspace/configuration` with nothing for a section it does not
know, so the server keeps them), opens the sample port, and picks a fix from the code action menu, which
Neovim 0.7 completes through `codeAction/resolve`.

Needs `nvim` on PATH (`.ci/run` installs Debian's `neovim`). Without it the test is skipped, unless
`MSMIGRATE_EDITORS_REQUIRED=1` (CI) makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SESSION = Path(__file__).with_name("neovim_session.lua")
SAMPLE = "mindspore_model.py"
IGNORED = ["MSD"]  # sent as a setting: the dynamic-shape findings must not appear


def _nvim() -> str:
    found = shutil.which("nvim")
    if found is None:
        reason = "nvim is not on PATH (Debian: apt-get install neovim)"
        if os.environ.get("MSMIGRATE_EDITORS_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(f"{reason}; MSMIGRATE_EDITORS_REQUIRED=1 makes this a failure")
    return found


def _cli_findings(workspace: Path) -> list[dict[str, Any]]:
    completed = subprocess.run(
        [sys.executable, "-m", "msmigrate", "check", SAMPLE, "--format", "json", "--ignore", ",".join(IGNORED)],
        cwd=workspace,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 1, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    nvim = _nvim()
    workspace = tmp_path_factory.mktemp("neovim")
    shutil.copy(REPO / "examples" / SAMPLE, workspace / SAMPLE)
    findings = _cli_findings(workspace)
    (target,) = [finding for finding in findings if finding["code"] == "MSG008"]
    (fix,) = [offer for offer in target["fixes"] if offer["safety"] == "safe"]
    output = workspace / "seen.json"
    environment = {
        **os.environ,
        "MSMIGRATE_NVIM_PYTHON": sys.executable,
        "MSMIGRATE_NVIM_ROOT": str(workspace),
        "MSMIGRATE_NVIM_FILE": str(workspace / SAMPLE),
        "MSMIGRATE_NVIM_SETTINGS": json.dumps({"ignore": IGNORED}),
        "MSMIGRATE_NVIM_EXPECTED": str(len(findings)),
        "MSMIGRATE_NVIM_FIX_TITLE": fix["title"],
        "MSMIGRATE_NVIM_FIX_LINE": str(target["line"]),
        "MSMIGRATE_NVIM_FIX_COLUMN": str(target["column"]),
        "MSMIGRATE_NVIM_FIX_AFTER": fix["edits"][0]["new_text"].strip()[:30],
        "MSMIGRATE_NVIM_OUTPUT": str(output),
    }
    completed = subprocess.run(
        [nvim, "--headless", "--clean", "-n", "-c", f"luafile {SESSION}"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )
    assert output.exists(), f"Neovim wrote nothing:\n{completed.stdout}\n{completed.stderr}"
    seen = json.loads(output.read_text())
    assert seen["errors"] == [], seen["errors"]
    return {"seen": seen, "findings": findings, "target": target, "fix": fix, "environment": environment}


def test_neovim_shows_the_diagnostics_the_cli_reports(session: dict[str, Any]) -> None:
    seen = session["seen"]
    expected = sorted((f["code"], f["line"], f["column"]) for f in session["findings"])
    shown = sorted((d["code"], d["line"], d["column"]) for d in seen["diagnostics"])
    assert shown == expected
    assert {code[:3] for code, _, _ in shown} == {"MSG", "MSA"}  # `ignore` arrived through init_options
    assert {d["source"] for d in seen["diagnostics"]} == {"msmigrate"}
    assert seen["encoding"] == "utf-16"


def test_neovim_applies_a_fix_it_resolved_through_code_action_resolve(session: dict[str, Any]) -> None:
    seen, fix, target = session["seen"], session["fix"], session["target"]
    assert fix["title"] in seen["offered"]
    assert seen["chosen"] == {"title": fix["title"], "had_edit": False}  # the edit came from codeAction/resolve
    assert seen["fixed"], seen["lines"]
    assert session["environment"]["MSMIGRATE_NVIM_FIX_AFTER"] in seen["lines"][target["line"] - 1]
    remaining = sorted((d["code"], d["line"]) for d in seen["after"])
    assert ("MSG008", target["line"]) not in remaining
    assert len(remaining) == len(session["findings"]) - 1
