"""Text output: `path:line:col: CODE [severity] message`, a docs line, a summary; colour only on a TTY."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from msmigrate.rules import rule_by_code
from tests.cli.conftest import CLEAN_CELL, HOST_COPY_IN_CONSTRUCT, HOST_COPY_LINE, notebook_json, run_cli, write

FINDING_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<code>[A-Z]+\d+) \[(?P<severity>\w+)\] ")
ANSI = "\x1b["


def test_finding_lines_and_docs_links(cli, tmp_path: Path) -> None:
    write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)
    run = cli("check", "net.py", "--select", "MSG002")
    lines = run.out.splitlines()
    match = FINDING_LINE.match(lines[0])
    assert match is not None, lines[0]
    assert match.group("path", "line", "column", "code", "severity") == (
        "net.py",
        str(HOST_COPY_LINE),
        "16",
        "MSG002",
        "warning",
    )
    rule = rule_by_code("MSG002")
    assert rule is not None
    assert lines[1] == f"  docs: {rule.doc_url()}"
    assert lines[2] == ""
    assert lines[3] == "Found 1 problem (1 warning) in 1 file of 1 checked."
    assert ANSI not in run.out


def test_summary_counts_severities_files_and_skips(cli, tmp_path: Path) -> None:
    write(tmp_path / "a.py", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "b.py", HOST_COPY_IN_CONSTRUCT.replace("return x * 2", "return x.asnumpy()"))
    write(tmp_path / "c.py", CLEAN_CELL)
    write(tmp_path / "d.py", b"\x00")
    run = cli("check", ".", "--select", "MSG002", "--jit-syntax-level", "strict")
    assert run.out.splitlines()[-1] == "Found 3 problems (3 errors) in 2 files of 3 checked; 1 file skipped."
    assert run.code == 1


def test_clean_summary(cli, tmp_path: Path) -> None:
    write(tmp_path / "c.py", CLEAN_CELL)
    write(tmp_path / "d.py", b"\x00")
    run = cli("check", ".")
    assert run.out == "All checks passed: 1 file checked; 1 file skipped.\n"
    assert run.code == 0


def test_statistics(cli, tmp_path: Path) -> None:
    write(tmp_path / "a.py", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "b.py", HOST_COPY_IN_CONSTRUCT.replace("return x * 2", "return x.asnumpy()"))
    run = cli("check", ".", "--select", "MSG002", "--statistics")
    assert "     3  MSG002  TensorToHostInGraph\n" in run.out


def _run_on_a_terminal(tmp_path: Path, env: dict[str, str]) -> str:
    controller, terminal = pty.openpty()
    environment = {name: value for name, value in os.environ.items() if name != "NO_COLOR"}
    environment.update(env)
    process = subprocess.Popen(
        [sys.executable, "-m", "msmigrate", "check", "net.py"],
        cwd=tmp_path,
        stdout=terminal,
        stderr=subprocess.DEVNULL,
        env=environment,
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closes when the process exits
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=60)
    os.close(controller)
    return output.decode("utf-8", errors="replace")


def test_colour_only_on_a_terminal_without_no_color(tmp_path: Path) -> None:
    write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)
    assert ANSI in _run_on_a_terminal(tmp_path, {})
    assert ANSI not in _run_on_a_terminal(tmp_path, {"NO_COLOR": "1"})
    assert ANSI not in run_cli("check", "net.py", cwd=tmp_path).out


def test_notebook_findings_name_the_cell(cli, tmp_path: Path) -> None:
    write(tmp_path / "a.ipynb", notebook_json([("markdown", "# Title"), ("code", HOST_COPY_IN_CONSTRUCT)]))
    run = cli("check", "a.ipynb", "--select", "MSG002")
    assert run.out.startswith(f"a.ipynb:cell 2:{HOST_COPY_LINE}:16: MSG002 [warning] ")
