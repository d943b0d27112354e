"""--select / --ignore (prefixes, commas, repeats), `[tool.msmigrate]` discovery, and flags over config."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import HOST_COPY_IN_CONSTRUCT, HOST_COPY_LINE, write


def _codes(run) -> list[str]:
    return [finding["code"] for finding in run.json()]


def _host_copies(run) -> list[dict]:
    return run.findings("MSG002")


@pytest.fixture
def net(tmp_path: Path) -> Path:
    return write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)


@pytest.mark.parametrize(
    ("flags", "reported"),
    [
        ((), True),
        (("--select", "MSG002"), True),
        (("--select", "MSG"), True),
        (("--select", "M"), True),
        (("--select", "msg002"), True),  # codes are case-insensitive on the command line
        (("--select", "MSG001"), False),
        (("--select", "MSA"), False),
        (("--ignore", "MSG002"), False),
        (("--ignore", "MSG"), False),
        (("--ignore", "MSG001"), True),
        (("--select", "MSG002", "--ignore", "MSG"), True),  # the longest matching prefix decides
        (("--select", "MSG", "--ignore", "MSG002"), False),
        (("--select", "MSG001,MSG002"), True),  # comma-separated
        (("--select", "MSG001", "--select", "MSG002"), True),  # repeatable
        (("--ignore", "MSG001, MSG002"), False),
    ],
)
def test_select_and_ignore(cli, net: Path, flags: tuple[str, ...], reported: bool) -> None:
    run = cli("check", "net.py", "--format", "json", *flags)
    assert bool(_host_copies(run)) is reported
    assert run.code == (1 if run.json() else 0)


def test_selection_filters_other_rules_too(cli, net: Path) -> None:
    run = cli("check", "net.py", "--format", "json", "--select", "MSG002")
    assert set(_codes(run)) == {"MSG002"}


def test_a_prefix_matching_no_rule_is_warned_about(cli, net: Path) -> None:
    run = cli("check", "net.py", "--select", "MSZ")
    assert "msmigrate: warning: --select MSZ matches no rule" in run.err
    assert run.code == 0


def test_jit_syntax_level_flag(cli, net: Path) -> None:
    strict = cli("check", "net.py", "--format", "json", "--jit-syntax-level", "strict")
    lax = cli("check", "net.py", "--format", "json", "--jit-syntax-level", "LAX")
    assert [finding["severity"] for finding in _host_copies(strict)] == ["error"]
    assert [finding["severity"] for finding in _host_copies(lax)] == ["warning"]


def test_pyproject_configures_select_ignore_and_level(cli, tmp_path: Path) -> None:
    write(tmp_path / "project" / "pkg" / "net.py", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "project" / "pyproject.toml", '[tool.msmigrate]\njit-syntax-level = "strict"\n')
    assert [finding["severity"] for finding in _host_copies(cli("check", "project", "--format", "json"))] == ["error"]

    write(tmp_path / "project" / "pyproject.toml", '[tool.msmigrate]\nignore = ["MSG002"]\n')
    assert _host_copies(cli("check", "project", "--format", "json")) == []

    write(tmp_path / "project" / "pyproject.toml", '[tool.msmigrate]\nselect = ["MSA"]\n')
    assert _codes(cli("check", "project", "--format", "json")) == []


def test_flags_replace_the_configured_keys(cli, tmp_path: Path) -> None:
    write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)
    write(
        tmp_path / "pyproject.toml",
        '[tool.msmigrate]\nignore = ["MSG002"]\nselect = ["MSA"]\njit_syntax_level = "strict"\n',
    )
    assert _host_copies(cli("check", "net.py", "--format", "json")) == []
    # --select replaces select, but the configured ignore still holds.
    assert _host_copies(cli("check", "net.py", "--format", "json", "--select", "MSG")) == []
    run = cli("check", "net.py", "--format", "json", "--select", "MSG", "--ignore", "MSG001")
    assert [finding["severity"] for finding in _host_copies(run)] == ["error"]  # level from the config
    run = cli("check", "net.py", "--format", "json", "--select", "MSG", "--ignore", "", "--jit-syntax-level", "lax")
    assert [finding["severity"] for finding in _host_copies(run)] == ["warning"]


def test_nearest_pyproject_with_a_table_wins(cli, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.msmigrate]\nignore = ["MSG002"]\n')
    write(tmp_path / "a" / "net.py", HOST_COPY_IN_CONSTRUCT)
    # A pyproject.toml without [tool.msmigrate] is passed over.
    write(tmp_path / "a" / "pyproject.toml", '[project]\nname = "a"\n')
    write(tmp_path / "b" / "net.py", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "b" / "pyproject.toml", '[tool.msmigrate]\nselect = ["MSG002"]\n')
    write(tmp_path / "b" / "deeper" / "net.py", HOST_COPY_IN_CONSTRUCT)
    run = cli("check", ".", "--format", "json")
    assert sorted(finding["path"] for finding in _host_copies(run)) == ["b/deeper/net.py", "b/net.py"]


def test_unknown_keys_and_bad_values_warn_but_do_not_stop(cli, tmp_path: Path) -> None:
    write(tmp_path / "net.py", HOST_COPY_IN_CONSTRUCT)
    write(
        tmp_path / "pyproject.toml",
        '[tool.msmigrate]\nselekt = ["MSG001"]\nignore = 3\njit-syntax-level = "medium"\nselect = ["MSG002"]\n',
    )
    run = cli("check", "net.py", "--format", "json")
    assert "[tool.msmigrate] selekt: warning: unknown key, ignored" in run.err
    assert "[tool.msmigrate] ignore: warning: must be a list of strings; the key is ignored" in run.err
    assert "[tool.msmigrate] jit-syntax-level: warning: 'medium' is not a jit syntax level" in run.err
    assert [finding["line"] for finding in _host_copies(run)] == [HOST_COPY_LINE]
    assert run.code == 1


def test_invalid_toml_is_warned_about_and_skipped(cli, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.msmigrate]\nignore = ["MSG002"]\n')
    write(tmp_path / "sub" / "net.py", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "sub" / "pyproject.toml", "[tool.msmigrate\nselect = [")
    run = cli("check", "sub", "--format", "json")
    assert "pyproject.toml: warning: cannot read it, so it is not used" in run.err
    assert _host_copies(run) == []  # the parent's configuration applies instead
    assert run.err.count("cannot read it") == 1  # read once, then cached


def test_exclude_patterns_apply_while_walking_only(cli, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.msmigrate]\nexclude = ["legacy", "gen/*_pb2.py"]\n')
    write(tmp_path / "legacy" / "old.py", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "gen" / "model_pb2.py", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "gen" / "model.py", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "src" / "legacy" / "nested.py", HOST_COPY_IN_CONSTRUCT)  # a bare name matches anywhere
    run = cli("check", ".", "--format", "json")
    assert [finding["path"] for finding in _host_copies(run)] == ["gen/model.py"]
    # Named on the command line, an excluded file is checked.
    run = cli("check", "legacy/old.py", "--format", "json")
    assert [finding["path"] for finding in _host_copies(run)] == ["legacy/old.py"]


def test_extend_exclude_flag(cli, tmp_path: Path) -> None:
    write(tmp_path / "keep" / "net.py", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "drop" / "net.py", HOST_COPY_IN_CONSTRUCT)
    write(tmp_path / "also" / "net.py", HOST_COPY_IN_CONSTRUCT)
    run = cli("check", ".", "--format", "json", "--extend-exclude", "drop,also/net.py")
    assert [finding["path"] for finding in _host_copies(run)] == ["keep/net.py"]
