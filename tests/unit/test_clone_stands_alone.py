"""A clone of the repository needs nothing beside it: what it runs reads only its own files and installed ones.

The project's files (what `git ls-files` lists, untracked new files included) are copied into an empty
folder, with no `shared/` or anything else beside them. There the mapping generator, `msmigrate check` and
`msmigrate report` run from the copy's sources under an audit hook that records every file and directory
they open or list. The test fails when a run fails, or when it touched anything next to the copy (the
folder a clone's siblings would be in) or read an existing file outside the copy and the Python
installation.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from tests.project_files import copy_project, project_files

REPO = Path(__file__).resolve().parents[2]

TRACER = textwrap.dedent(
    """
    import json, os, runpy, sys

    record, module, *arguments = sys.argv[1:]
    touched = []
    recording = [True]

    def audit(event, args):
        if not (recording[0] and event in ("open", "os.listdir", "os.scandir") and args):
            return
        if isinstance(args[0], (str, bytes, os.PathLike)):
            touched.append(os.path.abspath(os.fsdecode(args[0])))

    sys.addaudithook(audit)
    sys.argv = [module, *arguments]
    code = 0
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    except BaseException:
        code = 1
        raise
    finally:
        recording[0] = False
        with open(record, "w") as handle:
            json.dump({"exit": code, "touched": sorted(set(touched))}, handle)
    """
)

# The documented upward search for `[tool.msmigrate]` may look past the project's root, as ruff's does.
LOOKUPS_ABOVE_THE_PROJECT = frozenset({"pyproject.toml"})


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = copy_project(tmp_path_factory.mktemp("clone") / "msmigrate")
    assert [entry.name for entry in copy.parent.iterdir()] == ["msmigrate"]
    return copy


def _installation_roots() -> list[str]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages(), site.getusersitepackages()}
    roots.update(value for value in sysconfig.get_paths().values())
    roots.update(("/usr", "/lib", "/lib64", "/etc", "/proc", "/sys", "/dev"))
    return sorted(os.path.realpath(root) for root in roots)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def outside_reads(touched: list[str], copy: Path, installation_roots: list[str]) -> list[str]:
    """What a run touched that a clone with no siblings does not have."""
    copy_root = os.path.realpath(copy)
    beside = os.path.realpath(copy.parent)
    found = []
    for path in touched:
        real = os.path.realpath(path)
        if _under(real, copy_root):
            continue
        if _under(real, beside) and real != beside and os.path.basename(real) not in LOOKUPS_ABOVE_THE_PROJECT:
            found.append(f"{path} (beside the project)")
        elif os.path.isfile(real) and not any(_under(real, root) for root in installation_roots):
            found.append(f"{path} (outside the project and the Python installation)")
    return found


def _traced(copy: Path, module: str, *arguments: str) -> tuple[int, list[str], subprocess.CompletedProcess[str]]:
    record = copy.parent / "touched.json"  # written after the trace stops
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(copy / "server"), str(copy)])}
    environment.pop("MSMIGRATE_MAPPINGS_DIR", None)
    completed = subprocess.run(
        [sys.executable, "-c", TRACER, str(record), module, *arguments],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    result = json.loads(record.read_text())
    record.unlink()
    return result["exit"], result["touched"], completed


def test_the_mapping_generator_reads_its_sources_from_the_clone(clone: Path) -> None:
    code, touched, completed = _traced(clone, "tools.build_mappings", "--check")
    assert code == 0, completed.stdout + completed.stderr
    assert str(clone / "mappings" / "sources" / "pytorch_mindspore_param_diffs.tsv") in touched
    assert outside_reads(touched, clone, _installation_roots()) == []


def test_check_and_report_run_from_the_clone_alone(clone: Path) -> None:
    code, touched, completed = _traced(clone, "msmigrate", "check", "examples", "--format", "json")
    assert code == 1, completed.stdout + completed.stderr  # the examples have findings
    assert json.loads(completed.stdout), "no findings"
    assert any(path.startswith(str(clone / "server" / "msmigrate")) for path in touched)  # the copy's code ran
    assert any(path.startswith(str(clone / "mappings" / "torch_to_mindspore")) for path in touched)
    assert outside_reads(touched, clone, _installation_roots()) == []

    code, touched, completed = _traced(clone, "msmigrate", "report", "tests/workspaces/pytorch_project")
    assert code == 0, completed.stdout + completed.stderr
    assert "torch.nn.Conv2d" in completed.stdout
    assert outside_reads(touched, clone, _installation_roots()) == []


def test_the_trace_catches_a_read_beside_the_project(clone: Path) -> None:
    (clone / "reads_beside.py").write_text("open('../shared/data/table.tsv')\n")
    try:
        code, touched, _ = _traced(clone, "reads_beside")
    finally:
        (clone / "reads_beside.py").unlink()
    assert code == 1
    assert outside_reads(touched, clone, _installation_roots()) == [
        f"{clone.parent / 'shared' / 'data' / 'table.tsv'} (beside the project)"
    ]
    home_file = Path.home() / ".bashrc"
    if home_file.is_file():
        assert outside_reads([str(home_file)], clone, []) == [
            f"{home_file} (outside the project and the Python installation)"
        ]


def test_no_project_file_points_beside_the_project() -> None:
    """Scripts, tests and configuration name no sibling folder (prose may mention one)."""
    pointers = ("../shared", 'parent / "shared"', 'parents[2] / "shared"')
    offending = [
        name
        for name in project_files()
        if not name.endswith(".md") and name != Path(__file__).relative_to(REPO).as_posix()
        for text in [(REPO / name).read_text(encoding="utf-8", errors="replace")]
        if any(pointer in text for pointer in pointers)
    ]
    assert offending == []
