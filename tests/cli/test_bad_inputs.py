"""Files that cannot be checked get one clear message each, and the run goes on with the rest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from msmigrate.analysis.settings import AnalysisSettings
from msmigrate.cli.check import FileJob, check_file
from msmigrate.cli.results import Status
from msmigrate.workspace.files import DEFAULT_MAX_FILE_BYTES, SourceFile
from tests.cli.conftest import HOST_COPY_IN_CONSTRUCT, HOST_COPY_LINE, run_cli, write

LATIN1_WITH_COOKIE = (
    "# -*- coding: latin-1 -*-\n"
    + HOST_COPY_IN_CONSTRUCT.replace("        host = x", '        s = "caf\xe9"; host = x')
).encode("latin-1")


@pytest.fixture(scope="module")
def mixed_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mixed")
    write(root / "a_binary.py", b"import torch\n\x00\x01\x02 not text")
    write(root / "b_latin1_no_cookie.py", "import torch\nname = 'caf\xe9'\n".encode("latin-1"))
    write(root / "c_latin1_cookie.py", LATIN1_WITH_COOKIE)
    write(root / "d_unknown_cookie.py", b"# coding: no-such-codec\nimport torch\n")
    write(root / "e_empty.py", b"")
    write(root / "f_syntax_error.py", "import torch\ndef broken(:\n")
    write(root / "g_bom.py", b"\xef\xbb\xbf" + HOST_COPY_IN_CONSTRUCT.encode())
    # 20 MB of plain Python, generated here rather than committed (no framework: cheap once read).
    line = b"value = 1  # padding to make a large file\n"
    write(root / "h_huge.py", line * (20 * 1024 * 1024 // len(line) + 1))
    write(root / "z_net.py", HOST_COPY_IN_CONSTRUCT)
    return root


@pytest.fixture(scope="module")
def mixed_run(mixed_tree: Path):
    return run_cli("check", ".", "missing_file.py", cwd=mixed_tree)


def _message_for(err: str, name: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith(name) or line.startswith(f"./{name}")]
    assert len(lines) == 1, f"expected one message for {name}, got {lines}\nstderr:\n{err}"
    return lines[0]


def test_binary_file_is_skipped(mixed_run) -> None:
    assert _message_for(mixed_run.err, "a_binary.py") == "a_binary.py: skipped: binary file"


def test_non_utf8_without_cookie_names_the_offset(mixed_run) -> None:
    message = _message_for(mixed_run.err, "b_latin1_no_cookie.py")
    offset = len(b"import torch\nname = 'caf")
    assert f"skipped: not UTF-8 (invalid byte 0xe9 at offset {offset})" in message


def test_coding_cookie_is_honoured(mixed_run) -> None:
    assert "c_latin1_cookie.py" not in mixed_run.err
    # Columns count code points of the decoded line: `s = "café"; host = x.asnumpy()`.
    text = LATIN1_WITH_COOKIE.decode("latin-1")
    line = text.splitlines()[HOST_COPY_LINE]
    column = line.index("x.asnumpy()") + 1
    assert f"c_latin1_cookie.py:{HOST_COPY_LINE + 1}:{column}: MSG002" in mixed_run.out


def test_unknown_codec_in_cookie_is_skipped(mixed_run) -> None:
    message = _message_for(mixed_run.err, "d_unknown_cookie.py")
    assert message.startswith("d_unknown_cookie.py: skipped: ")
    assert "no-such-codec" in message


def test_empty_file_is_checked_silently(mixed_run) -> None:
    assert "e_empty.py" not in mixed_run.err
    assert "e_empty.py" not in mixed_run.out


def test_syntax_error_is_skipped_with_its_position(mixed_run) -> None:
    message = _message_for(mixed_run.err, "f_syntax_error.py")
    assert message.startswith("f_syntax_error.py:2:")
    assert "skipped: SyntaxError" in message


def test_bom_file_is_checked(mixed_run) -> None:
    assert "g_bom.py" not in mixed_run.err
    assert f"g_bom.py:{HOST_COPY_LINE}:16: MSG002" in mixed_run.out


def test_huge_file_is_skipped_by_size(mixed_run) -> None:
    message = _message_for(mixed_run.err, "h_huge.py")
    assert message == "h_huge.py: skipped: 20.0 MB is over the 10.0 MB limit (--max-file-size)"


def test_missing_path_is_reported(mixed_run) -> None:
    assert _message_for(mixed_run.err, "missing_file.py") == "missing_file.py: no such file or directory"


def test_the_rest_is_still_checked(mixed_run) -> None:
    assert f"z_net.py:{HOST_COPY_LINE}:16: MSG002" in mixed_run.out
    # c, e, g, z checked; a, b, d, f, h skipped; the missing path makes the status 2.
    assert "in 3 files of 4 checked; 5 files skipped." in mixed_run.out
    assert mixed_run.code == 2


def test_every_message_goes_to_stderr_not_stdout(mixed_run) -> None:
    assert "skipped" not in mixed_run.out.replace("files skipped", "")


def test_raising_the_size_limit_checks_the_huge_file(mixed_tree: Path) -> None:
    run = run_cli("check", "h_huge.py", "--max-file-size", "25", cwd=mixed_tree)
    assert run.err == ""
    assert run.code == 0
    assert "1 file checked" in run.out


def test_json_output_is_unaffected_by_bad_files(mixed_tree: Path) -> None:
    run = run_cli("check", ".", "--format", "json", cwd=mixed_tree)
    paths = {finding["path"] for finding in run.json()}
    assert paths == {"c_latin1_cookie.py", "g_bom.py", "z_net.py"}
    assert "a_binary.py: skipped: binary file" in run.err


def test_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    run = run_cli("check", "pipe.py", cwd=tmp_path)  # reading it would block until the timeout
    assert run.err.strip() == "pipe.py: skipped: not a regular file"
    assert run.code == 0


def test_directory_without_python_files(tmp_path: Path) -> None:
    write(tmp_path / "notes.txt", "import torch; x.asnumpy()")
    run = run_cli("check", ".", cwd=tmp_path)
    assert run.code == 0
    assert "All checks passed: 0 files checked." in run.out


def test_rule_failure_is_a_warning_naming_the_rule(tmp_path: Path) -> None:
    # A very long expression in `construct` has made the value analysis of MSG002 recurse too deep.
    # Whether or not the engine copes, the CLI must report the file, never crash or stay silent.
    chain = " + ".join(["x"] * 1000)
    write(tmp_path / "deep.py", HOST_COPY_IN_CONSTRUCT.replace("host = x.asnumpy()", f"host = ({chain}).asnumpy()"))
    run = run_cli("check", "deep.py", cwd=tmp_path)
    reported = "deep.py:7:16: MSG002" in run.out
    warned = "deep.py: warning: rule MSG002 failed and was skipped for this file" in run.err
    assert reported or warned, (run.out, run.err)
    assert "Traceback" not in run.err  # one line per failure, not the engine's log


def test_internal_error_in_one_file_is_reported_and_not_raised(tmp_path: Path) -> None:
    # Settings the engine cannot use make its construction fail: an internal error, not a crash.
    path = write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)
    broken = AnalysisSettings(select=None)  # type: ignore[arg-type]
    job = FileJob(SourceFile(path, "net.py", explicit=True), broken, DEFAULT_MAX_FILE_BYTES, False, frozenset())
    outcome = check_file(job)
    assert outcome.status is Status.FAILED
    assert outcome.errored
    assert outcome.messages[0].startswith("net.py: internal error, file not checked (please report): TypeError")
