"""A built wheel carries everything the tool reads at run time: the rule data under share/msmigrate."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_the_mapping_data(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("msmigrate-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data = {name.split(".data/data/", 1)[1] for name in names if ".data/data/" in name}
    expected = {
        f"share/msmigrate/{path.relative_to(ROOT).as_posix()}"
        for path in (ROOT / "mappings").rglob("*")
        if path.suffix in (".toml", ".json")
    }
    assert expected and expected <= data, sorted(expected - data)
    assert "msmigrate/rules/graph_syntax/numpy_call_in_graph.py" in names
