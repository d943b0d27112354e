"""Which files a directory walk finds: Python files in sorted order, never tool or build folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from msmigrate.cli.check import PARALLEL_MIN_FILES
from tests.cli.conftest import HOST_COPY_IN_CONSTRUCT, run_cli, write

SKIPPED = [
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    "node_modules",
    ".venv",
    "venv",
    "env",
    ".env",
    ".tox",
    ".nox",
    "build",
    "dist",
    "site-packages",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "pkg.egg-info",
]


def _paths(run) -> list[str]:
    return [finding["path"] for finding in run.findings("MSG002")]


def test_walk_skips_tool_and_build_folders(cli, tmp_path: Path) -> None:
    for name in SKIPPED:
        write(tmp_path / "repo" / name / "net.py", HOST_COPY_IN_CONSTRUCT)
    # A virtual environment with any name is recognised by its pyvenv.cfg.
    write(tmp_path / "repo" / "my-env" / "pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path / "repo" / "my-env" / "lib" / "net.py", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "repo" / "src" / "net.py", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "repo" / "src" / "stubs.pyi", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "repo" / "src" / "notes.txt", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "repo" / "src" / "notebook.ipynb", "{}")  # notebooks only when named
    run = cli("check", "repo", "--format", "json")
    assert _paths(run) == ["repo/src/net.py", "repo/src/stubs.pyi"]
    assert run.err == ""


@pytest.mark.parametrize("folder", ["build", "node_modules", ".venv"])
def test_named_paths_are_checked_even_in_skipped_folders(cli, tmp_path: Path, folder: str) -> None:
    write(tmp_path / folder / "net.py", HOST_COPY_IN_CONSTRUCT)
    assert _paths(cli("check", f"{folder}/net.py", "--format", "json")) == [f"{folder}/net.py"]
    # A folder named on the command line is entered; only the folders inside it are judged.
    assert _paths(cli("check", folder, "--format", "json")) == [f"{folder}/net.py"]


def test_named_file_with_any_suffix_is_checked(cli, tmp_path: Path) -> None:
    write(tmp_path / "train_script", HOST_COPY_IN_CONSTRUCT)
    assert _paths(cli("check", "train_script", "--format", "json")) == ["train_script"]


def test_order_is_sorted_and_paths_are_reported_once(cli, tmp_path: Path) -> None:
    for name in ["b/z.py", "b/a.py", "a/y.py", "a_file.py", "c/d/e.py"]:
        write(tmp_path / name, HOST_COPY_IN_CONSTRUCT)
    run = cli("check", ".", "b/a.py", "./a_file.py", "--format", "json")
    assert _paths(run) == ["a/y.py", "a_file.py", "b/a.py", "b/z.py", "c/d/e.py"]


def test_symlinked_directory_cycle_does_not_trap_the_walk(cli, tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "net.py", HOST_COPY_IN_CONSTRUCT)
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path / "pkg", target_is_directory=True)
    assert _paths(cli("check", "pkg", "--format", "json")) == ["pkg/net.py"]


def test_noqa_suppresses(cli, tmp_path: Path) -> None:
    base = HOST_COPY_IN_CONSTRUCT
    write(tmp_path / "bare.py", base.replace("x.asnumpy()\n", "x.asnumpy()  # noqa\n"))
    write(tmp_path / "coded.py", base.replace("x.asnumpy()\n", "x.asnumpy()  # noqa: MSG002\n"))
    write(tmp_path / "other.py", base.replace("x.asnumpy()\n", "x.asnumpy()  # noqa: MSG001\n"))
    write(tmp_path / "plain.py", base)
    run = cli("check", ".", "--format", "json")
    assert _paths(run) == ["other.py", "plain.py"]


def test_many_files_in_parallel_give_the_same_report(tmp_path: Path) -> None:
    count = PARALLEL_MIN_FILES + 10
    for index in range(count):
        text = HOST_COPY_IN_CONSTRUCT if index % 3 else HOST_COPY_IN_CONSTRUCT.replace("x.asnumpy()", "x")
        write(tmp_path / f"pkg{index % 4}" / f"module_{index:03d}.py", text)
    write(tmp_path / "pkg0" / "broken.py", b"\x00")
    serial = run_cli("check", ".", "--jobs", "1", cwd=tmp_path)
    parallel = run_cli("check", ".", "--jobs", "2", cwd=tmp_path)
    assert serial.code == parallel.code == 1
    assert serial.out == parallel.out
    assert serial.err == parallel.err == "pkg0/broken.py: skipped: binary file\n"
    with_finding = sum(1 for index in range(count) if index % 3)
    summary = f"({with_finding} warnings) in {with_finding} files of {count} checked; 1 file skipped."
    assert summary in serial.out
