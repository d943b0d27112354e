"""`--format json`: a list of findings with exactly the documented keys, 1-based exclusive-end columns."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from msmigrate.rules import rule_by_code
from tests.cli.conftest import CLEAN_CELL, HOST_COPY_EXPRESSION, HOST_COPY_IN_CONSTRUCT, HOST_COPY_LINE, run_cli, write
from tests.fixture_examples import FIXTURES

FINDING_KEYS = {
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "code",
    "category",
    "severity",
    "message",
    "doc_url",
    "fixes",
}
POSITION_KEYS = ("line", "column", "end_line", "end_column")
CATEGORIES = {"graph-syntax", "api-difference", "dynamic-shape"}
SEVERITIES = {"error", "warning", "information", "hint"}
SAFETIES = {"safe", "unsafe", "suggestion"}


def assert_valid_finding(finding: dict[str, Any]) -> None:
    assert set(finding) == FINDING_KEYS
    assert isinstance(finding["path"], str) and finding["path"]
    for key in POSITION_KEYS:
        assert type(finding[key]) is int and finding[key] >= 1, key
    assert (finding["line"], finding["column"]) <= (finding["end_line"], finding["end_column"])
    assert isinstance(finding["code"], str)
    rule = rule_by_code(finding["code"])
    assert rule is not None, finding["code"]
    assert finding["category"] in CATEGORIES
    assert finding["category"] == rule.category.value
    assert finding["severity"] in SEVERITIES
    assert isinstance(finding["message"], str) and finding["message"]
    assert finding["doc_url"] is None or finding["doc_url"].startswith("https://")
    assert finding["doc_url"] == rule.doc_url()
    assert isinstance(finding["fixes"], list)
    for fix in finding["fixes"]:
        assert set(fix) == {"title", "safety", "edits"}
        assert isinstance(fix["title"], str) and fix["title"]
        assert fix["safety"] in SAFETIES
        assert isinstance(fix["edits"], list)
        if fix["safety"] == "suggestion":
            assert fix["edits"] == []
        else:
            assert fix["edits"], "a safe or unsafe fix changes something"
        for edit in fix["edits"]:
            assert set(edit) == {*POSITION_KEYS, "new_text"}
            for key in POSITION_KEYS:
                assert type(edit[key]) is int and edit[key] >= 1
            assert isinstance(edit["new_text"], str)


def apply_json_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply edits the way a consumer of the JSON would: 1-based code-point columns, exclusive ends."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return len(text) if line > len(lines) else starts[line - 1] + column - 1

    for edit in sorted(edits, key=lambda edit: (edit["line"], edit["column"]), reverse=True):
        start = offset(edit["line"], edit["column"])
        end = offset(edit["end_line"], edit["end_column"])
        text = text[:start] + edit["new_text"] + text[end:]
    return text


def test_finding_keys_types_and_positions(tmp_path: Path) -> None:
    write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)
    run = run_cli("check", "net.py", "--format", "json", cwd=tmp_path)
    assert run.code == 1
    findings = run.json()
    for finding in findings:
        assert_valid_finding(finding)
    [host_copy] = [finding for finding in findings if finding["code"] == "MSG002"]
    assert host_copy["path"] == "net.py"
    assert host_copy["category"] == "graph-syntax"
    assert host_copy["severity"] == "warning"
    assert host_copy["line"] == host_copy["end_line"] == HOST_COPY_LINE
    line = HOST_COPY_IN_CONSTRUCT.splitlines()[HOST_COPY_LINE - 1]
    # 1-based start, exclusive 1-based end: the slice [column - 1, end_column - 1) is the expression.
    assert line[host_copy["column"] - 1 : host_copy["end_column"] - 1] == HOST_COPY_EXPRESSION
    assert host_copy["fixes"] == []  # MSG002 offers no fix


def test_columns_count_code_points(tmp_path: Path) -> None:
    text = HOST_COPY_IN_CONSTRUCT.replace("        host = x", '        s = "é😀"; host = x')
    write(tmp_path / "net.py", text)
    run = run_cli("check", "net.py", "--format", "json", "--select", "MSG002", cwd=tmp_path)
    [finding] = run.json()
    line = text.splitlines()[HOST_COPY_LINE - 1]
    assert line[finding["column"] - 1 : finding["end_column"] - 1] == HOST_COPY_EXPRESSION
    assert run.out.isascii()  # non-ASCII is escaped, so any terminal encoding carries it


def test_nothing_found_is_an_empty_list(tmp_path: Path) -> None:
    write(tmp_path / "clean.py", CLEAN_CELL)
    run = run_cli("check", "clean.py", "--format", "json", cwd=tmp_path)
    assert run.code == 0
    assert run.json() == []
    assert run.err == ""


@pytest.fixture(scope="module")
def fixture_findings() -> list[dict[str, Any]]:
    run = run_cli("check", str(FIXTURES), "--format", "json", "--unsafe-fixes", cwd=FIXTURES.parent)
    assert run.code == 1, run.err
    return run.json()


def test_every_finding_in_the_rule_fixtures_matches_the_schema(fixture_findings: list[dict[str, Any]]) -> None:
    assert fixture_findings
    for finding in fixture_findings:
        assert_valid_finding(finding)


def test_fixture_edits_apply_by_the_documented_convention(fixture_findings: list[dict[str, Any]]) -> None:
    # Each fix's JSON edits, applied by a consumer, give code that parses; the engine tests check
    # what the fixes do, this checks that the positions say it faithfully.
    fixes = [(finding, fix) for finding in fixture_findings for fix in finding["fixes"] if fix["edits"]]
    if not fixes:
        pytest.skip("no rule offers a fix with edits yet")
    for finding, fix in fixes:
        text = Path(finding["path"]).read_text(encoding="utf-8")
        fixed = apply_json_edits(text, fix["edits"])
        assert fixed != text
        ast.parse(fixed)
