"""`msmigrate rules`, `msmigrate rule CODE`, `msmigrate serve`, and what `check` keeps out of memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from msmigrate.rules import all_rules
from msmigrate.rules.base import DOC_HEADINGS
from tests.cli.conftest import HOST_COPY_IN_CONSTRUCT, run_cli, write


def test_rules_lists_every_rule(cli) -> None:
    run = cli("rules")
    assert run.code == 0
    lines = run.out.splitlines()
    assert len(lines) == len(all_rules())
    for line, rule in zip(lines, all_rules(), strict=True):
        assert line.startswith(f"{rule.code}  {rule.name()}")
        assert rule.category.value in line
        assert line.endswith(rule.doc().summary)


def test_rules_as_json(cli) -> None:
    listed = cli("rules", "--format", "json").json()
    assert [item["code"] for item in listed] == [rule.code for rule in all_rules()]
    for item in listed:
        assert set(item) == {"code", "name", "category", "summary", "doc_url"}


def test_rule_prints_the_full_doc(cli) -> None:
    run = cli("rule", "msg002")
    assert run.code == 0
    assert run.out.startswith("**MSG002** `TensorToHostInGraph` — ")
    for heading in DOC_HEADINGS:
        assert f"**{heading}**" in run.out


def test_unknown_rule_is_a_usage_error(cli) -> None:
    run = cli("rule", "MSG999")
    assert run.code == 2
    assert run.err == "msmigrate: no rule MSG999; `msmigrate rules` lists them\n"


def test_serve_is_a_command(tmp_path: Path) -> None:
    run = run_cli("serve", "--help", cwd=tmp_path)
    assert run.code == 0
    assert "usage: msmigrate serve" in run.out


def test_check_imports_no_language_server_framework_or_libcst(tmp_path: Path) -> None:
    write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)
    probe = (
        "import sys\n"
        "from msmigrate.cli.main import main\n"
        "status = main(['check', 'net.py'])\n"
        "heavy = {'libcst', 'pygls', 'lsprotocol', 'torch', 'mindspore', 'jedi', 'numpy'}\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in heavy), status, file=sys.stderr)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.stderr.strip().splitlines()[-1] == "[] 1"
