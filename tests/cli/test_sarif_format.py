"""`--format sarif`: a SARIF 2.1.0 log whose rules, results, regions and fixes agree with the JSON format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from msmigrate.rules import all_rules
from tests.cli.conftest import HOST_COPY_IN_CONSTRUCT, run_cli, write
from tests.fixture_examples import FIXTURES

LEVELS = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}


def _run(tmp_path: Path, *args: str) -> dict[str, Any]:
    run = run_cli("check", *args, "--format", "sarif", cwd=tmp_path)
    assert run.code in (0, 1, 2), run.err
    return run.json()


def test_log_shape_and_rules(tmp_path: Path) -> None:
    write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)
    log = _run(tmp_path, "net.py")
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    [sarif_run] = log["runs"]
    assert sarif_run["columnKind"] == "unicodeCodePoints"
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "msmigrate"
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in all_rules()]
    for described, rule in zip(driver["rules"], all_rules(), strict=True):
        doc = rule.doc()
        assert described["name"] == rule.name()
        assert described["shortDescription"]["text"] == doc.summary
        assert described["helpUri"] == doc.url
        assert described["help"]["markdown"] == doc.as_markdown(rule.code, rule.name())
        assert described["properties"]["category"] == rule.category.value
    assert sarif_run["invocations"][0]["executionSuccessful"] is True


def test_results_agree_with_json(tmp_path: Path) -> None:
    write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)
    findings = run_cli("check", "net.py", "--format", "json", cwd=tmp_path).json()
    [sarif_run] = _run(tmp_path, "net.py")["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert len(sarif_run["results"]) == len(findings) >= 1
    for result, finding in zip(sarif_run["results"], findings, strict=True):
        assert result["ruleId"] == finding["code"]
        assert rules[result["ruleIndex"]]["id"] == finding["code"]
        assert result["level"] == LEVELS[finding["severity"]]
        assert result["message"]["text"] == finding["message"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "net.py", "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {
            "startLine": finding["line"],
            "startColumn": finding["column"],
            "endLine": finding["end_line"],
            "endColumn": finding["end_column"],
        }
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


@pytest.mark.parametrize(
    ("extra", "level"),
    [
        (("--jit-syntax-level", "strict"), "error"),
        (("--jit-syntax-level", "lax"), "warning"),
    ],
)
def test_level_follows_severity(tmp_path: Path, extra: tuple[str, ...], level: str) -> None:
    write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)
    [sarif_run] = _run(tmp_path, "net.py", "--select", "MSG002", *extra)["runs"]
    assert [result["level"] for result in sarif_run["results"]] == [level]


def test_hints_become_notes(tmp_path: Path) -> None:
    # In PYNATIVE_MODE `construct` is not compiled: graph-syntax findings are capped to hints.
    text = HOST_COPY_IN_CONSTRUCT.replace(
        "from mindspore import nn\n", "from mindspore import nn\n\nms.set_context(mode=ms.PYNATIVE_MODE)\n"
    )
    write(tmp_path / "net.py", text)
    findings = run_cli("check", "net.py", "--format", "json", "--select", "MSG002", cwd=tmp_path).json()
    assert [finding["severity"] for finding in findings] == ["hint"]
    [sarif_run] = _run(tmp_path, "net.py", "--select", "MSG002")["runs"]
    assert [result["level"] for result in sarif_run["results"]] == ["note"]


def test_unreadable_paths_become_notifications(tmp_path: Path) -> None:
    write(tmp_path / "binary.py", b"\x00\x01")
    [sarif_run] = _run(tmp_path, "binary.py", "absent.py")["runs"]
    [invocation] = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is False
    notifications = {
        note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: (note["level"], note["message"]["text"])
        for note in invocation["toolExecutionNotifications"]
    }
    assert notifications == {
        "binary.py": ("warning", "binary.py: skipped: binary file"),
        "absent.py": ("error", "absent.py: no such file or directory"),
    }


def test_fixes_in_the_rule_fixtures_are_replacements() -> None:
    run = run_cli("check", str(FIXTURES), "--format", "sarif", cwd=FIXTURES.parent)
    [sarif_run] = run.json()["runs"]
    findings = run_cli("check", str(FIXTURES), "--format", "json", cwd=FIXTURES.parent).json()
    assert len(sarif_run["results"]) == len(findings)
    fixed = 0
    for result, finding in zip(sarif_run["results"], findings, strict=True):
        with_edits = [fix for fix in finding["fixes"] if fix["edits"]]
        assert len(result.get("fixes", [])) == len(with_edits)
        for sarif_fix, fix in zip(result.get("fixes", []), with_edits, strict=True):
            fixed += 1
            assert sarif_fix["description"]["text"] == fix["title"]
            [change] = sarif_fix["artifactChanges"]
            assert change["artifactLocation"] == result["locations"][0]["physicalLocation"]["artifactLocation"]
            assert len(change["replacements"]) == len(fix["edits"])
            for replacement, edit in zip(change["replacements"], fix["edits"], strict=True):
                assert replacement["insertedContent"]["text"] == edit["new_text"]
                region = replacement["deletedRegion"]
                assert (region["startLine"], region["startColumn"], region["endLine"], region["endColumn"]) == (
                    edit["line"],
                    edit["column"],
                    edit["end_line"],
                    edit["end_column"],
                )
    if not fixed:
        pytest.skip("no rule offers a fix with edits yet")
