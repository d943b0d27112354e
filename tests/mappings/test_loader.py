"""The mapping loader (`msmigrate.mappings`): lookups, reverse index, laziness, speed, purity, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from msmigrate.mappings import (
    DEFAULT_MAPPINGS_DIR,
    REQUIRED,
    ApiMappings,
    MappingDataError,
    ReverseHit,
    load_mappings,
)

# Generous bounds: measured about 2 ms for the index and 10 ms for the largest section on this machine.
INDEX_LOAD_BUDGET_S = 0.05
FIRST_LOOKUP_BUDGET_S = 0.05


@pytest.fixture(scope="module")
def mappings() -> ApiMappings:
    return load_mappings()


def best_of(runs: int, action: object) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return min(timings)


def test_index_and_one_section_load_fast() -> None:
    assert best_of(3, lambda: ApiMappings(DEFAULT_MAPPINGS_DIR)) < INDEX_LOAD_BUDGET_S
    assert best_of(3, lambda: ApiMappings(DEFAULT_MAPPINGS_DIR).lookup("torch.nn.Dropout")) < (
        INDEX_LOAD_BUDGET_S + FIRST_LOOKUP_BUDGET_S
    )


def test_sections_are_read_only_when_looked_up() -> None:
    fresh = ApiMappings(DEFAULT_MAPPINGS_DIR)
    assert fresh.loaded_sections() == ()
    fresh.lookup("torch.nn.Dropout")
    fresh.torch_for("mindspore.nn.Dense")
    assert fresh.loaded_sections() == ("torch.nn",)


def test_loading_imports_neither_framework() -> None:
    code = (
        "import sys\n"
        "from msmigrate.mappings import load_mappings\n"
        "m = load_mappings()\n"
        "for name in list(m.torch_names()):\n"
        "    m.lookup(name)\n"
        "m.signatures('mindspore.mint.abs')\n"
        "print(sorted(name for name in ('torch', 'mindspore', 'numpy') if name in sys.modules))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert completed.stdout.strip() == "[]"


def test_lookup_by_torch_name(mappings: ApiMappings) -> None:
    entry = mappings.lookup("torch.nn.Dropout")
    assert entry is not None
    assert (entry.torch, entry.section, entry.torch_exists) == ("torch.nn.Dropout", "torch.nn", True)
    assert entry.mint is not None and entry.mint.api == "mindspore.mint.nn.Dropout"
    assert entry.mint.role == "current" and entry.mint.category == "consistent"
    assert [c.api for c in entry.legacy] == ["mindspore.nn.Dropout"]
    keep_prob = entry.legacy[0].param("p")
    assert keep_prob is not None and (keep_prob.mindspore, keep_prob.transform) == ("keep_prob", "1 - x")
    assert mappings.lookup("torch.nn.NoSuchModule") is None
    assert "torch.nn.Dropout" in mappings and "torch.nn.NoSuchModule" not in mappings


def test_lookup_by_the_spelling_a_table_used(mappings: ApiMappings) -> None:
    entry = mappings.lookup("torch.nn.CeLU")
    assert entry is not None and entry.torch == "torch.nn.CELU"
    assert "torch.nn.CeLU" in entry.doc_names


def test_mint_counterpart_falls_back_to_the_namesake(mappings: ApiMappings) -> None:
    max_pool = mappings.lookup("torch.nn.MaxPool2d")
    assert max_pool.current is None
    assert max_pool.mint is max_pool.mint_namesake
    assert max_pool.mint.api == "mindspore.mint.nn.MaxPool2d" and max_pool.mint.category == "unknown"
    tensor_abs = mappings.lookup("torch.Tensor.abs")
    assert tensor_abs.current.api == "mindspore.Tensor.abs" and tensor_abs.mint is None


def test_required_and_unknown_defaults(mappings: ApiMappings) -> None:
    dense = mappings.lookup("torch.nn.Linear").counterpart("mindspore.nn.Dense")
    in_features = dense.param("in_features")
    assert (in_features.torch_default, in_features.ms_default) == (REQUIRED, REQUIRED)
    conv = mappings.lookup("torch.nn.Conv2d").counterpart("mindspore.nn.Conv2d")
    assert conv.param("bias").defaults_differ
    weight_init = next(p for p in conv.params if p.mindspore == "weight_init")
    assert weight_init.torch_default is None  # a MindSpore-only parameter has no torch side


def test_reverse_index(mappings: ApiMappings) -> None:
    assert mappings.torch_for("mindspore.nn.Dense") == (ReverseHit("torch.nn.Linear", "legacy"),)
    assert ReverseHit("torch.nn.Hardsigmoid", "legacy") in mappings.torch_for("mindspore.nn.Hsigmoid")
    assert ReverseHit("torch.nn.MaxPool2d", "mint_namesake") in mappings.torch_for("mindspore.mint.nn.MaxPool2d")
    assert mappings.torch_for("mindspore.nn.NoSuchCell") == ()
    assert "mindspore.mint.nn.Dropout" in set(mappings.mindspore_apis())


def test_sections_and_mindspore_only(mappings: ApiMappings) -> None:
    assert {"torch", "torch.Tensor", "torch.nn", "torch.nn.functional"} <= set(mappings.sections())
    functional = mappings.section("torch.nn.functional")
    assert functional and all(entry.section == "torch.nn.functional" for entry in functional)
    assert mappings.section("no.such.section") == ()
    only = mappings.mindspore_only()
    assert [item.api for item in only] == ["mindspore.mint.distributed.destroy_process_group"]


def test_signatures(mappings: ApiMappings) -> None:
    assert mappings.signatures("mindspore.mint.amax") == ("(input, dim=(), keepdim=False)",)
    assert mappings.signatures("mindspore.NoSuchApi") == ()


def test_load_mappings_is_cached() -> None:
    assert load_mappings() is load_mappings()


def test_missing_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MappingDataError, match=r"tools\.build_mappings"):
        ApiMappings(tmp_path)


def test_unknown_schema_is_rejected(tmp_path: Path) -> None:
    shutil.copytree(DEFAULT_MAPPINGS_DIR / "torch_to_mindspore", tmp_path / "torch_to_mindspore")
    index_path = tmp_path / "torch_to_mindspore" / "index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    index["schema"] = 99
    index_path.write_text(json.dumps(index), encoding="utf-8")
    with pytest.raises(MappingDataError, match="schema 99"):
        ApiMappings(tmp_path)
