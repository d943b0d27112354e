"""`--fix`: safe fixes (and unsafe ones on request) applied in place, round after round, until stable."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import libcst as cst
import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Category, Finding, FixOffer, FixSafety, Severity
from msmigrate.analysis.settings import AnalysisSettings
from msmigrate.cli import check
from msmigrate.cli.check import MAX_FIX_ROUNDS, FileJob, check_file
from msmigrate.cli.results import SAFE_ONLY, Status
from msmigrate.fixes import FixError, compute_edits, register_fix
from msmigrate.fixes.core import FixTarget
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.workspace.files import DEFAULT_MAX_FILE_BYTES, SourceFile
from tests.cli.conftest import HOST_COPY_IN_CONSTRUCT, run_cli, write
from tests.fixture_examples import FIXTURES

# MSG006 offers a safe fix for a set display tested with `in` in graph code: it becomes a tuple.
SET_MEMBERSHIP = HOST_COPY_IN_CONSTRUCT.replace(
    "        return x * 2\n",
    "        if x.shape[0] in {2, 3}:\n            return x * 3\n        if x.shape[1] not in {4, 5}:\n"
    "            return x * 4\n        return x * 2\n",
)


def _safe_fixes_offered(text: str) -> int:
    return sum(offer.safety is FixSafety.SAFE for finding in Engine().analyze(text).findings for offer in finding.fixes)


@pytest.fixture
def set_membership_sample() -> str:
    if _safe_fixes_offered(SET_MEMBERSHIP) < 2:
        pytest.skip("no rule offers the set-to-tuple safe fix any more; pick another sample")
    return SET_MEMBERSHIP


def test_fix_applies_safe_fixes_and_reports_the_rest(tmp_path: Path, set_membership_sample: str) -> None:
    path = write(tmp_path / "net.py", set_membership_sample)
    run = run_cli("check", "--fix", "net.py", cwd=tmp_path)
    fixed = path.read_text(encoding="utf-8")
    assert "in (2, 3):" in fixed and "not in (4, 5):" in fixed
    ast.parse(fixed)
    assert run.out.splitlines()[0].startswith("net.py:7:16: MSG002")  # not fixable: still reported
    assert "Fixed 2 problems." in run.out
    assert run.code == 1
    again = run_cli("check", "--fix", "net.py", cwd=tmp_path)
    assert "Fixed 0 problems." in again.out
    assert path.read_text(encoding="utf-8") == fixed


def test_without_fix_the_summary_counts_fixable_findings(tmp_path: Path, set_membership_sample: str) -> None:
    write(tmp_path / "net.py", set_membership_sample)
    run = run_cli("check", "net.py", cwd=tmp_path)
    assert "[*] 2 fixable with --fix." in run.out
    assert run.out.count(" [*] ") == 2


def test_fix_keeps_encoding_newlines_and_permissions(tmp_path: Path, set_membership_sample: str) -> None:
    text = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + set_membership_sample
    path = write(tmp_path / "net.py", text.replace("\n", "\r\n").encode("latin-1"))
    path.chmod(0o750)
    run = run_cli("check", "--fix", "net.py", cwd=tmp_path)
    assert "Fixed 2 problems." in run.out, run.err
    data = path.read_bytes()
    assert b"# caf\xe9\r\n" in data
    assert data.count(b"\r\n") == data.count(b"\n")
    assert b"in (2, 3):\r\n" in data
    assert path.stat().st_mode & 0o777 == 0o750
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_fix_on_every_rule_fixture_converges_to_code_that_parses(tmp_path: Path) -> None:
    copies = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copies)
    originals = {path: path.read_text(encoding="utf-8") for path in copies.rglob("*.py")}
    first = run_cli("check", "--fix", "--unsafe-fixes", ".", cwd=copies)
    assert first.code in (0, 1), first.err
    assert "did not settle" not in first.err
    changed = [path for path, text in originals.items() if path.read_text(encoding="utf-8") != text]
    for path in changed:
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    second = run_cli("check", "--fix", "--unsafe-fixes", ".", cwd=copies)
    assert "Fixed 0 problems." in second.out, second.out
    if not changed:
        pytest.skip("no rule fixture offers a fix yet")


def test_unsafe_fixes_only_on_request(tmp_path: Path) -> None:
    copies = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copies)
    if not _unsafe_only_findings(copies):
        pytest.skip("no rule fixture offers an unsafe fix (that applies) yet")
    run_cli("check", "--fix", ".", cwd=copies)
    assert _unsafe_only_findings(copies), "--fix alone applied unsafe fixes"
    run_cli("check", "--fix", "--unsafe-fixes", ".", cwd=copies)
    assert _unsafe_only_findings(copies) == 0


def _unsafe_only_findings(root: Path) -> int:
    """Findings under `root` whose only applicable fixes are unsafe."""
    count = 0
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for finding in Engine().analyze(text).findings:
            safeties = {offer.safety for offer in finding.fixes}
            if FixSafety.UNSAFE in safeties and FixSafety.SAFE not in safeties:
                count += _applicable_safeties(text, finding) == {FixSafety.UNSAFE}
    return count


def _applicable_safeties(text: str, finding: Finding) -> set[FixSafety]:
    safeties = set()
    for offer in finding.fixes:
        try:
            compute_edits(text, finding, offer)
        except FixError:
            continue
        safeties.add(offer.safety)
    return safeties


# The fix loop itself, driven with rules written for it: each shows one way a fix can behave.


class OldApiCall(Rule):
    """`old_api(...)` should be `new_api(...)`; the fix renames one call, so nested calls take rounds."""

    code = "MSX901"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    replacement = "new_api"

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        if isinstance(node.func, ast.Name) and node.func.id == "old_api":
            params = (("name", self.replacement),)
            offer = FixOffer("Call new_api", FixSafety.SAFE, "tests.cli.rename-old-api", params)
            context.report(node, "old_api is gone", Severity.WARNING, (offer,))


@register_fix("tests.cli.rename-old-api")
def _rename_old_api(target: FixTarget) -> cst.Module:
    call = target.node_at(cst.Call)
    return target.module.deep_replace(call, call.with_changes(func=cst.Name(target.params["name"])))  # type: ignore[return-value]


class GrowingCall(Rule):
    """Every `grow()` is flagged, and its fix wraps it as `keep(grow())`: it never settles."""

    code = "MSX902"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        if isinstance(node.func, ast.Name) and node.func.id == "grow" and not node.args:
            offer = FixOffer("Grow", FixSafety.SAFE, "tests.cli.grow")
            context.report(node, "grow me", Severity.WARNING, (offer,))


@register_fix("tests.cli.grow")
def _grow(target: FixTarget) -> cst.Module:
    call = target.node_at(cst.Call)
    wrapped = cst.Call(func=cst.Name("keep"), args=[cst.Arg(call)])
    return target.module.deep_replace(call, wrapped)  # type: ignore[return-value]


class RefusingFix(Rule):
    """`refuse()` is flagged with a fix that always raises FixError."""

    code = "MSX903"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        if isinstance(node.func, ast.Name) and node.func.id == "refuse":
            offer = FixOffer("Refuse", FixSafety.SAFE, "tests.cli.refuse")
            context.report(node, "refused", Severity.WARNING, (offer,))


@register_fix("tests.cli.refuse")
def _refuse(target: FixTarget) -> cst.Module:
    raise FixError("this code has an unexpected shape")


def _check_with(
    monkeypatch: pytest.MonkeyPatch, path: Path, rules: tuple[type[Rule], ...], with_edits: bool = False
) -> check.FileOutcome:
    settings = AnalysisSettings(select=tuple(rule.code for rule in rules))
    monkeypatch.setitem(check._ENGINES, settings, Engine(settings, rules=rules))
    job = FileJob(SourceFile(path, path.name, explicit=True), settings, DEFAULT_MAX_FILE_BYTES, with_edits, SAFE_ONLY)
    return check_file(job)


def test_overlapping_fixes_wait_for_the_next_round(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "m.py", "import mindspore\n\nvalue = old_api(old_api(old_api(1)))\nother = old_api(2)\n")
    outcome = _check_with(monkeypatch, path, (OldApiCall,))
    assert path.read_text() == "import mindspore\n\nvalue = new_api(new_api(new_api(1)))\nother = new_api(2)\n"
    assert outcome.fixes_applied == 4
    assert outcome.problems == []
    assert outcome.messages == []


def test_fixes_that_never_settle_stop_after_the_round_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "m.py", "import mindspore\n\nvalue = grow()\n")
    outcome = _check_with(monkeypatch, path, (GrowingCall,))
    assert outcome.fixes_applied == MAX_FIX_ROUNDS
    assert outcome.messages == [f"m.py: warning: fixes did not settle after {MAX_FIX_ROUNDS} rounds; run --fix again"]
    ast.parse(path.read_text())
    assert path.read_text().count("keep(") == MAX_FIX_ROUNDS
    assert outcome.status is Status.CHECKED and not outcome.errored


def test_a_fix_that_fails_is_noted_once_and_the_others_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "m.py", "import mindspore\n\nrefuse()\nvalue = old_api(1)\n")
    outcome = _check_with(monkeypatch, path, (OldApiCall, RefusingFix))
    assert path.read_text() == "import mindspore\n\nrefuse()\nvalue = new_api(1)\n"
    assert outcome.messages == ["m.py:3:1: note: fix 'Refuse' for MSX903 skipped: this code has an unexpected shape"]
    assert [problem.finding.code for problem in outcome.problems] == ["MSX903"]


def test_json_edits_leave_out_a_fix_that_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "m.py", "import mindspore\n\nrefuse()\nvalue = old_api(1)\n")
    settings = AnalysisSettings(select=("MSX901", "MSX903"))
    monkeypatch.setitem(check._ENGINES, settings, Engine(settings, rules=(OldApiCall, RefusingFix)))
    job = FileJob(SourceFile(path, "m.py", explicit=True), settings, DEFAULT_MAX_FILE_BYTES, True, frozenset())
    outcome = check_file(job)
    refused, renamed = outcome.problems
    assert refused.fixes == ()
    assert outcome.messages == ["m.py:3:1: note: fix 'Refuse' for MSX903 left out: this code has an unexpected shape"]
    [fix] = renamed.fixes or ()
    assert fix.safety is FixSafety.SAFE
    assert [edit.new_text for edit in fix.edits] == ["value = new_api(1)\n"]
    assert path.read_text() == "import mindspore\n\nrefuse()\nvalue = old_api(1)\n"  # JSON never writes


def test_fix_writes_through_a_symlink(tmp_path: Path, set_membership_sample: str) -> None:
    target = write(tmp_path / "real" / "net.py", set_membership_sample)
    link = tmp_path / "net.py"
    link.symlink_to(target)
    run = run_cli("check", "--fix", "net.py", cwd=tmp_path)
    assert "Fixed 2 problems." in run.out
    assert link.is_symlink()
    assert "in (2, 3):" in target.read_text(encoding="utf-8")


def test_fix_that_cannot_be_encoded_leaves_the_file_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The file declares ASCII; the fix writes a name the encoding cannot hold.
    text = "# -*- coding: ascii -*-\nimport mindspore\n\nvalue = old_api(1)\n"
    path = write(tmp_path / "m.py", text)
    monkeypatch.setattr(OldApiCall, "replacement", "nouvelle_api_é")
    outcome = _check_with(monkeypatch, path, (OldApiCall,))
    assert path.read_text() == text
    assert outcome.errored
    assert outcome.messages[0].startswith("m.py: error: cannot write the fixes, file unchanged: 'ascii' codec")
    assert outcome.fixes_applied == 0
    assert [problem.finding.code for problem in outcome.problems] == ["MSX901"]
