"""Exit status of the real console entry point: 0 clean, 1 findings, 2 usage or internal error."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import CLEAN_CELL, HOST_COPY_IN_CONSTRUCT, HOST_COPY_LINE, run_cli, write


def test_clean_file_exits_0(tmp_path: Path) -> None:
    write(tmp_path / "clean.py", CLEAN_CELL)
    run = run_cli("check", "clean.py", cwd=tmp_path)
    assert run.code == 0, run.err
    assert "All checks passed: 1 file checked." in run.out


def test_findings_exit_1(tmp_path: Path) -> None:
    write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)
    run = run_cli("check", "net.py", cwd=tmp_path)
    assert run.code == 1, run.err
    assert f"net.py:{HOST_COPY_LINE}:16: MSG002 [warning]" in run.out


def test_missing_path_exits_2_after_checking_the_rest(tmp_path: Path) -> None:
    write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)
    run = run_cli("check", "absent.py", "net.py", "gone/", cwd=tmp_path)
    assert run.code == 2
    assert "absent.py: no such file or directory" in run.err
    assert "gone/: no such file or directory" in run.err
    assert "MSG002" in run.out  # the file that exists was still checked and reported
    assert "2 paths could not be checked" in run.out


def test_missing_path_alone_exits_2(tmp_path: Path) -> None:
    run = run_cli("check", "absent.py", cwd=tmp_path)
    assert run.code == 2
    assert run.err.strip() == "absent.py: no such file or directory"


def test_no_paths_means_the_current_directory(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "net.py", HOST_COPY_IN_CONSTRUCT)
    run = run_cli("check", cwd=tmp_path)
    assert run.code == 1
    assert "pkg/net.py:7:16: MSG002" in run.out


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    for args in (
        (),
        ("check", "--format", "xml", "."),
        ("check", "--select", "MSG-1", "."),
        ("check", "--jit-syntax-level", "medium", "."),
        ("check", "--max-file-size", "0", "."),
        ("check", "--jobs", "0", "."),
        ("frobnicate",),
    ):
        run = run_cli(*args, cwd=tmp_path)
        assert run.code == 2, (args, run.out, run.err)
        assert "usage: msmigrate" in run.err, args


def test_help_and_version_exit_0(tmp_path: Path) -> None:
    assert run_cli("--version", cwd=tmp_path).out.startswith("msmigrate ")
    help_run = run_cli("check", "--help", cwd=tmp_path)
    assert help_run.code == 0
    assert "--jit-syntax-level" in help_run.out
