"""`msmigrate report`: the torch APIs of a project, grouped, in text, JSON and Markdown."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import notebook_json, run_cli, write

REPO = Path(__file__).resolve().parents[2]
PYTORCH_PROJECT = REPO / "tests" / "workspaces" / "pytorch_project"
TORCH_EXAMPLE = REPO / "examples" / "torch_model.py"

ALIASED = """\
import torch
from torch import nn as tnn
from torch.nn import functional as F


class Block(tnn.Module):
    def __init__(self):
        super().__init__()
        self.drop = tnn.Dropout(0.2)
        self.scale = tnn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.drop(x)).random_() * self.scale
"""


def api(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(item for item in document["apis"] if item["torch"] == name)


@pytest.fixture(scope="module")
def project_json() -> dict[str, Any]:
    run = run_cli("report", PYTORCH_PROJECT, TORCH_EXAMPLE, "--format", "json", cwd=REPO)
    assert run.code == 0, run.err
    assert run.err == ""
    return json.loads(run.out)


def test_json_has_the_documented_shape(project_json: dict[str, Any]) -> None:
    document = project_json
    assert set(document) == {
        "schema",
        "generator",
        "paths",
        "mappings_verified",
        "summary",
        "files",
        "totals",
        "group_meanings",
        "apis",
    }
    assert document["schema"] == 1
    assert document["mappings_verified"] == {"torch": "2.13.0", "mindspore": "2.10.0"}
    assert document["files"]["scanned"] == 8 and document["files"]["using_torch"] == 8
    assert document["files"]["skipped"] == [] and document["files"]["missing"] == []
    groups = document["totals"]["groups"]
    assert list(groups) == ["differs", "no_counterpart", "unknown", "consistent"]
    assert sum(group["apis"] for group in groups.values()) == document["totals"]["apis"] == len(document["apis"])
    assert sum(group["uses"] for group in groups.values()) == document["totals"]["uses"]
    order = list(groups)
    ranks = [order.index(item["group"]) for item in document["apis"]]
    assert ranks == sorted(ranks), "grouped: differs, no counterpart, unknown, consistent"
    for item in document["apis"]:
        assert item["uses"] == len(item["locations"]) > 0
        assert set(item) == {
            "torch",
            "spellings",
            "group",
            "uses",
            "differences",
            "counterparts",
            "behaviour",
            "locations",
        }


def test_locations_point_at_the_api_in_the_source(project_json: dict[str, Any]) -> None:
    checked = 0
    for item in project_json["apis"]:
        last = item["torch"].rsplit(".", 1)[-1]
        spelled = {spelling.rsplit(".", 1)[-1] for spelling in item["spellings"]} | {last}
        for location in item["locations"]:
            path = REPO / location["path"]
            line = path.read_text(encoding="utf-8").splitlines()[location["line"] - 1]
            assert location["line"] == location["end_line"]
            named = line[location["column"] - 1 : location["end_column"] - 1]
            assert any(named.endswith(name) for name in spelled), (location, named)
            checked += 1
    assert checked == project_json["totals"]["uses"] > 300


def test_the_hazards_of_the_issue_are_grouped_with_what_differs(project_json: dict[str, Any]) -> None:
    dropout = api(project_json, "torch.nn.Dropout")
    assert dropout["group"] == "differs"
    assert "nn.Dropout: keep_prob = 1 - p" in dropout["differences"]
    legacy = next(c for c in dropout["counterparts"] if c["role"] == "legacy")
    assert legacy["api"] == "mindspore.nn.Dropout" and legacy["verdict"] == "differs"
    assert legacy["doc"] == "https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/Dropout.html"
    assert {"kind": "transform", "torch": "p", "mindspore": "keep_prob", "where": "init"}.items() <= (
        legacy["params"][0].items()
    )
    current = next(c for c in dropout["counterparts"] if c["role"] == "current")
    assert current["api"] == "mindspore.mint.nn.Dropout" and current["cpu"] is False
    assert dropout["behaviour"] and "set_train" in dropout["behaviour"][0]
    batchnorm = api(project_json, "torch.nn.BatchNorm2d")
    assert "momentum_ms = 1 - momentum_torch" in batchnorm["differences"]
    assert "bias → has_bias (default True → False)" in api(project_json, "torch.nn.Conv2d")["differences"]
    assert api(project_json, "torch.nn.functional.relu")["group"] == "consistent"
    # Tensor methods are counted where the receiver is known to be a tensor.
    assert api(project_json, "torch.Tensor.view")["uses"] >= 10
    no_counterpart = {item["torch"] for item in project_json["apis"] if item["group"] == "no_counterpart"}
    assert {"torch.no_grad", "torch.cuda.is_available"} <= no_counterpart


def test_text_prints_the_grouped_table(tmp_path: Path) -> None:
    run = run_cli("report", PYTORCH_PROJECT, cwd=tmp_path)
    assert run.code == 0 and run.err == ""
    lines = run.out.splitlines()
    assert lines[0] == f"msmigrate migration report: {PYTORCH_PROJECT}"
    assert re.fullmatch(r"7 files \(\d+ lines\), 7 using torch; mappings checked against .*", lines[1])
    assert re.fullmatch(
        r"\d+ torch APIs \(\d+ uses\) in 7 files: \d+ differs, \d+ no counterpart, \d+ consistent\.", lines[2]
    )
    headings = [line.split(":", 1)[0] for line in lines if re.match(r"^[A-Z ]+: ", line)]
    assert headings == ["DIFFERS", "NO COUNTERPART", "CONSISTENT"]
    dropout = next(index for index, line in enumerate(lines) if re.match(r"^\s+\d+\s+torch\.nn\.Dropout\s", line))
    assert "mint.nn.Dropout (consistent, no CPU kernel)" in lines[dropout]
    assert "nn.Dropout (differs)" in lines[dropout]
    assert lines[dropout + 1].strip().startswith("what differs: nn.Dropout: keep_prob = 1 - p")
    assert lines[dropout + 2].strip().startswith(f"at {PYTORCH_PROJECT}/")


def test_aliases_count_under_the_tables_name(cli, tmp_path: Path) -> None:
    write(tmp_path / "block.py", ALIASED)
    document = json.loads(cli("report", "block.py", "--format", "json").out)
    found = {item["torch"]: (item["group"], item["uses"], item["spellings"]) for item in document["apis"]}
    assert found == {
        "torch.nn.Module": ("no_counterpart", 1, ["torch.nn.Module"]),
        "torch.nn.Dropout": ("differs", 1, ["torch.nn.Dropout"]),
        "torch.nn.parameter.Parameter": ("differs", 1, ["torch.nn.Parameter"]),
        "torch.ones": ("differs", 1, ["torch.ones"]),
        "torch.nn.functional.relu": ("consistent", 1, ["torch.nn.functional.relu"]),
        "torch.Tensor.random_": ("no_counterpart", 1, ["torch.Tensor.random_"]),
    }, "annotations are not uses"


def test_markdown_links_each_location_relative_to_the_output_file(cli, tmp_path: Path) -> None:
    write(tmp_path / "src" / "block.py", ALIASED)
    run = cli("report", "src", "--format", "markdown", "--output", "out/report.md")
    assert run.code == 2 and "cannot write the report to out/report.md" in run.err, "no such directory"
    (tmp_path / "out").mkdir()
    run = cli("report", "src", "--format", "markdown", "--output", "out/report.md")
    assert run.code == 0 and run.out == ""
    assert "Report written to out/report.md." in run.err
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Migration report\n\n**6 torch APIs (6 uses) in 1 file: 3 differs, 2 no counterpart")
    assert "| `torch.nn.Dropout` | 1 | mint.nn.Dropout (consistent, no CPU kernel) | nn.Dropout (differs) |" in markdown
    assert "#### `torch.nn.Dropout`" in markdown
    assert "  | `p` | `keep_prob` | keep_prob = 1 - p;" in markdown
    links = re.findall(r"\]\(([^)#]+)#L(\d+)\)", markdown)
    assert links
    for target, line in links:
        source = (tmp_path / "out" / target).resolve()
        assert source == (tmp_path / "src" / "block.py").resolve()
        assert int(line) <= len(ALIASED.splitlines())
    on_stdout = cli("report", "src", "--format", "markdown").out
    assert "](" not in on_stdout.split("## Locations")[1].split("Mapping tables:")[0], "no links without a file"


def test_bad_inputs_are_listed_and_the_rest_reported(cli, tmp_path: Path) -> None:
    write(tmp_path / "a_binary.py", b"import torch\n\x00\x01 not text")
    write(tmp_path / "b_latin1.py", "import torch\nname = 'caf\xe9'\n".encode("latin-1"))
    write(tmp_path / "c_syntax_error.py", "import torch\ndef broken(:\n")
    write(tmp_path / "d_good.py", ALIASED)
    write(tmp_path / "e_no_framework.py", "print('hello')\n")
    run = cli("report", ".", "--format", "json")
    assert run.code == 0
    document = run.json()
    skipped = {item["path"]: item["reason"] for item in document["files"]["skipped"]}
    assert skipped == {
        "a_binary.py": "skipped: binary file",
        "b_latin1.py": skipped["b_latin1.py"],
        "c_syntax_error.py": "skipped: the file does not parse",
    }
    assert skipped["b_latin1.py"].startswith("skipped: not UTF-8")
    assert document["files"]["scanned"] == 2 and document["files"]["using_torch"] == 1
    assert {line.split(": ", 2)[1] for line in run.err.splitlines()} == set(skipped)
    assert document["totals"]["apis"] == 6


def test_missing_paths_and_usage_errors_exit_2(cli, tmp_path: Path) -> None:
    write(tmp_path / "block.py", ALIASED)
    run = cli("report", "block.py", "nowhere.py")
    assert run.code == 2
    assert "msmigrate: nowhere.py: no such file or directory" in run.err
    assert "6 torch APIs" in run.out, "the paths that exist are still reported"
    assert cli("report", "block.py", "--format", "yaml").code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    run = cli("report", "empty")
    assert run.code == 0 and "No torch API used in 0 files." in run.out


def test_notebook_locations_name_their_cell(cli, tmp_path: Path) -> None:
    cells = [
        ("markdown", "# notes"),
        ("code", "import torch\n%matplotlib inline\n"),
        ("code", "y = torch.cat([x, x])\n"),
    ]
    write(tmp_path / "explore.ipynb", notebook_json(cells))
    document = cli("report", "explore.ipynb", "--format", "json").json()
    (cat,) = document["apis"]
    assert cat["torch"] == "torch.cat"
    assert cat["locations"] == [
        {"path": "explore.ipynb", "line": 1, "column": 5, "end_line": 1, "end_column": 14, "cell": 3, "kind": "call"}
    ]
    assert "explore.ipynb:cell 3:1:5" in cli("report", "explore.ipynb").out


def test_excludes_from_configuration_and_flags(cli, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.msmigrate]\nexclude = ["legacy"]\n')
    write(tmp_path / "legacy" / "old.py", ALIASED)
    write(tmp_path / "scripts" / "tool.py", ALIASED)
    write(tmp_path / "model.py", ALIASED)
    paths = {
        location["path"]
        for item in cli("report", ".", "--format", "json").json()["apis"]
        for location in item["locations"]
    }
    assert paths == {"model.py", "scripts/tool.py"}
    run = cli("report", ".", "--format", "json", "--extend-exclude", "scripts")
    paths = {location["path"] for item in run.json()["apis"] for location in item["locations"]}
    assert paths == {"model.py"}
