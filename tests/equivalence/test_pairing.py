"""Pairing a MindSpore Cell with its PyTorch module: pair comments, same-name search, and clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from msmigrate.equivalence import pairing
from msmigrate.equivalence.pairing import (
    Pair,
    PairingError,
    cell_at,
    cell_named,
    example_inputs_file,
    find_pair,
    module_classes,
    read_module_classes,
    split_class_reference,
)

TORCH_NET = """import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
"""

CELL_NET = """import mindspore.nn as mnn


class Net(mnn.Cell):
    def __init__(self):
        super().__init__()
        self.fc = mnn.Dense(4, 2)

    def construct(self, x):
        return self.fc(x)
"""


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def pair_of(path: Path, line: int, root: Path | None) -> Pair:
    classes = module_classes(path, path.read_text(encoding="utf-8"))
    return find_pair(cell_at(classes, path, line), root)


def test_same_name_pair_is_found_anywhere_in_the_workspace(tmp_path: Path) -> None:
    torch_file = write(tmp_path, "reference/models/net.py", TORCH_NET)
    cell_file = write(tmp_path, "port/net.py", CELL_NET)

    pair = pair_of(cell_file, 9, tmp_path)

    assert pair.how == "same-name"
    assert (pair.torch.file, pair.torch.name, pair.torch.line) == (torch_file, "Net", 5)
    assert (pair.mindspore.file, pair.mindspore.name, pair.mindspore.line) == (cell_file, "Net", 4)


def test_environments_and_vendored_trees_are_not_searched(tmp_path: Path) -> None:
    write(tmp_path, "reference/net.py", TORCH_NET)
    for vendored in (".venv/lib/net.py", "lib/python3.11/site-packages/x/net.py", "node_modules/n/net.py"):
        write(tmp_path, vendored, TORCH_NET)
    write(tmp_path, "myenv/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, "myenv/lib/net.py", TORCH_NET)
    write(tmp_path, ".git/net.py", TORCH_NET)
    cell_file = write(tmp_path, "port/net.py", CELL_NET)

    assert pair_of(cell_file, 4, tmp_path).torch.file == tmp_path / "reference/net.py"


def test_pair_comment_on_the_class_line_is_relative_to_the_cell_file(tmp_path: Path) -> None:
    write(tmp_path, "reference/net.py", TORCH_NET)
    other = write(tmp_path, "port/reference/other.py", TORCH_NET.replace("class Net", "class Original"))
    cell_file = write(
        tmp_path,
        "port/net.py",
        CELL_NET.replace("class Net(mnn.Cell):", "class Net(mnn.Cell):  # msmigrate: pair=reference/other.py:Original"),
    )

    pair = pair_of(cell_file, 4, tmp_path)

    assert pair.how == "comment"
    assert (pair.torch.file, pair.torch.name, pair.torch.line) == (other, "Original", 5)


def test_pair_comment_above_decorators_falls_back_to_the_workspace_root_and_the_cell_name(tmp_path: Path) -> None:
    torch_file = write(tmp_path, "reference/net.py", TORCH_NET)
    write(tmp_path, "elsewhere/net.py", TORCH_NET)  # would make the same-name search ambiguous
    text = CELL_NET.replace(
        "class Net(mnn.Cell):",
        "# Ported in March.\n# msmigrate: pair=reference/net.py\n@some_decorator\nclass Net(mnn.Cell):",
    )
    cell_file = write(tmp_path, "port/net.py", text)

    for line in (4, 5, 6, 7, 13):  # the comments, the decorator, the class line, the body
        pair = pair_of(cell_file, line, tmp_path)
        assert (pair.how, pair.torch.file, pair.torch.name) == ("comment", torch_file, "Net")


def test_a_comment_separated_by_a_blank_line_is_not_the_cells(tmp_path: Path) -> None:
    write(tmp_path, "reference/net.py", TORCH_NET)
    text = CELL_NET.replace("class Net(mnn.Cell):", "# msmigrate: pair=missing.py:Gone\n\nclass Net(mnn.Cell):")
    cell_file = write(tmp_path, "port/net.py", text)

    assert pair_of(cell_file, 6, tmp_path).how == "same-name"


def test_explicit_pair_accepts_a_class_whose_torch_base_is_imported_from_elsewhere(tmp_path: Path) -> None:
    torch_file = write(tmp_path, "reference/net.py", "from .base import Base\n\n\nclass Net(Base):\n    pass\n")
    text = CELL_NET.replace("class Net(mnn.Cell):", f"class Net(mnn.Cell):  # msmigrate: pair={torch_file}:Net")
    cell_file = write(tmp_path, "port/net.py", text)

    assert pair_of(cell_file, 4, tmp_path).torch.line == 4


def test_ambiguous_same_name_pair_lists_every_candidate(tmp_path: Path) -> None:
    write(tmp_path, "a/net.py", TORCH_NET)
    write(tmp_path, "b/net.py", TORCH_NET)
    cell_file = write(tmp_path, "port/net.py", CELL_NET)

    with pytest.raises(PairingError) as raised:
        pair_of(cell_file, 4, tmp_path)

    assert [str(found.file.relative_to(tmp_path)) for found in raised.value.candidates] == ["a/net.py", "b/net.py"]
    assert "2 torch modules are named Net: a/net.py:Net (line 5), b/net.py:Net (line 5)" in raised.value.message
    assert "# msmigrate: pair=" in raised.value.message


def test_missing_pair_says_where_it_looked_and_how_to_name_one(tmp_path: Path) -> None:
    write(tmp_path, "reference/other.py", TORCH_NET.replace("class Net", "class Other"))
    write(tmp_path, "reference/plain.py", "class Net:\n    pass\n")  # not a torch module
    cell_file = write(tmp_path, "port/net.py", CELL_NET)

    with pytest.raises(PairingError, match=r"no torch\.nn\.Module named Net in .*; add `# msmigrate: pair="):
        pair_of(cell_file, 4, tmp_path)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nowhere.py:Net", r"line 4 of net\.py names nowhere\.py, which does not exist \(looked at .*port/nowhere\.py"),
        ("../reference/net.py:Missing", r"names \.\./reference/net\.py:Missing, but net\.py defines no class Missing"),
    ],
)
def test_broken_pair_comment_is_an_error(tmp_path: Path, target: str, message: str) -> None:
    write(tmp_path, "reference/net.py", TORCH_NET)
    text = CELL_NET.replace("class Net(mnn.Cell):", f"class Net(mnn.Cell):  # msmigrate: pair={target}")
    cell_file = write(tmp_path, "port/net.py", text)

    with pytest.raises(PairingError, match=message):
        pair_of(cell_file, 4, tmp_path)


def test_cells_through_aliases_and_in_file_subclasses_torch_through_in_file_subclasses(tmp_path: Path) -> None:
    text = """from mindspore import nn as msnn
import torch.nn


class Base(msnn.Cell):
    pass


class Derived(Base):
    pass


class TorchBase(torch.nn.Module):
    pass


class TorchDerived(TorchBase):
    pass


class Plain:
    pass
"""
    classes = module_classes(tmp_path / "mixed.py", text)

    assert sorted(classes.cells) == ["Base", "Derived"]
    assert sorted(classes.torch_modules) == ["TorchBase", "TorchDerived"]


def test_a_position_outside_every_cell_names_the_cells(tmp_path: Path) -> None:
    path = tmp_path / "net.py"
    classes = module_classes(path, CELL_NET + "\n\ndef helper():\n    return 1\n")

    with pytest.raises(PairingError, match=r"line 14 of net\.py is not inside a Cell class; its Cells: Net \(line 4\)"):
        cell_at(classes, path, 14)
    assert cell_named(classes, path, "Net").location.line == 4
    with pytest.raises(PairingError, match=r"no mindspore\.nn\.Cell class named Other"):
        cell_named(classes, path, "Other")


def test_a_file_that_does_not_parse_or_has_no_cell_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "net.py"
    with pytest.raises(PairingError, match="does not parse"):
        cell_at(module_classes(path, CELL_NET + "\ndef broken(:\n"), path, 4)
    with pytest.raises(PairingError, match=r"defines no mindspore\.nn\.Cell class"):
        cell_at(module_classes(path, TORCH_NET), path, 5)


def test_example_inputs_come_from_the_torch_file_first_then_the_mindspore_file(tmp_path: Path) -> None:
    torch_file = write(tmp_path, "reference/net.py", TORCH_NET)
    cell_file = write(tmp_path, "port/net.py", CELL_NET + "\n\ndef example_inputs():\n    return [1]\n")
    pair = pair_of(cell_file, 4, tmp_path)

    assert read_module_classes(cell_file).example_inputs_line == 13
    assert example_inputs_file(pair) == cell_file

    write(tmp_path, "reference/net.py", TORCH_NET + "\nfrom .data import batch as example_inputs\n")
    os.utime(torch_file, ns=(1, 1))  # a new mtime, even on a coarse clock
    assert read_module_classes(torch_file).example_inputs_line == 13
    assert example_inputs_file(pair) == torch_file

    write(tmp_path, "reference/net.py", TORCH_NET + "\ndef helper():\n    example_inputs = 1\n")
    write(tmp_path, "port/net.py", CELL_NET + "\nexample_input = lambda: [1]\n")
    os.utime(cell_file, ns=(2, 2))
    os.utime(torch_file, ns=(2, 2))
    assert example_inputs_file(pair) is None, "only module-level bindings of exactly that name count"

    write(tmp_path, "port/net.py", CELL_NET + "\nexample_inputs = lambda: [1]\n")
    os.utime(cell_file, ns=(3, 3))
    assert example_inputs_file(pair) == cell_file


def test_the_workspace_walk_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pairing, "MAX_SCANNED_FILES", 2)
    for name in ("a", "b", "c"):
        write(tmp_path, f"{name}.py", "x = 1\n")
    write(tmp_path, "z/net.py", TORCH_NET)  # walked after the limit
    cell_file = write(tmp_path, "port/net.py", CELL_NET)

    with pytest.raises(PairingError, match=r"no torch\.nn\.Module named Net in the first 2 Python files of"):
        pair_of(cell_file, 4, tmp_path)


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("models/net.py:Net", ("models/net.py", "Net")),
        ("models/net.py", ("models/net.py", None)),
        (r"C:\models\net.py:Net", (r"C:\models\net.py", "Net")),
        (r"C:\models\net.py", (r"C:\models\net.py", None)),
    ],
)
def test_class_references_split_at_the_last_colon(reference: str, expected: tuple[str, str | None]) -> None:
    assert split_class_reference(reference) == expected
