"""The generated mapping data: in sync with its sources, complete, and true to the curated facts.

Runs without torch or mindspore: the generator `tools.build_mappings` reads only the reference TSVs,
`mappings/curated.toml` and `mappings/signatures.json`.
"""

from __future__ import annotations

import re

import pytest
import tomllib

from msmigrate.mappings import REQUIRED, ApiMappings, Counterpart, load_mappings
from tools import build_mappings
from tools.mapping_common import (
    CURRENT_TABLE,
    ENTRIES_DIR,
    LEGACY_TABLE,
    PARAM_DIFFS,
    REPO_ROOT,
    read_tsv,
)

CORRECTION_KINDS = {
    "api_missing",
    "api_renamed",
    "param_missing",
    "param_renamed",
    "param_gained",
    "default_changed",
}
PARAM_KINDS = {"rename", "default", "transform", "torch_only", "ms_only", "behaviour", "note"}


@pytest.fixture(scope="module")
def built() -> build_mappings.Builder:
    return build_mappings.build()


@pytest.fixture(scope="module")
def mappings() -> ApiMappings:
    return load_mappings()


def counterpart(mappings: ApiMappings, torch_api: str, mindspore_api: str) -> Counterpart:
    entry = mappings.lookup(torch_api)
    assert entry is not None, torch_api
    found = entry.counterpart(mindspore_api)
    assert found is not None, f"{torch_api} has no counterpart {mindspore_api}"
    return found


def test_committed_files_are_what_the_generator_writes(built: build_mappings.Builder) -> None:
    generated = built.files()
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in ENTRIES_DIR.glob("*.json")}
    assert sorted(on_disk) == sorted(generated)
    stale = sorted(name for name, text in generated.items() if on_disk[name] != text)
    assert not stale, f"out of date: {stale}; run `python -m tools.build_mappings`"


def test_data_is_verified_against_the_pinned_framework_versions(mappings: ApiMappings) -> None:
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        extras = tomllib.load(handle)["project"]["optional-dependencies"]["equiv"]
    pins = dict(re.fullmatch(r"(\w+)==([\w.]+)", pin).groups() for pin in extras if "==" in pin)
    assert dict(mappings.verified) == {"torch": pins["torch"], "mindspore": pins["mindspore"]}


def test_every_row_of_the_current_table_has_its_counterpart(mappings: ApiMappings) -> None:
    for row in read_tsv(CURRENT_TABLE):
        if not row["torch_api"]:
            assert row["mindspore_api"] in {item.api for item in mappings.mindspore_only()}
            continue
        entry = mappings.lookup(row["torch_api"])
        assert entry is not None and entry.current is not None, row["torch_api"]
        assert row["mindspore_api"] in (entry.current.api, entry.current.doc_api)


def test_every_row_of_the_r2_4_10_table_has_its_legacy_counterpart(mappings: ApiMappings) -> None:
    rows = read_tsv(LEGACY_TABLE)
    assert len(rows) == 887
    for row in rows:
        entry = mappings.lookup(row["torch_api"])
        assert entry is not None, row["torch_api"]
        assert row["mindspore_api"] in {name for c in entry.legacy for name in (c.api, c.doc_api)}, row


def test_every_parameter_row_is_kept(mappings: ApiMappings) -> None:
    for row in read_tsv(PARAM_DIFFS):
        entry = mappings.lookup(row["torch_api"])
        assert entry is not None, row["torch_api"]
        found = entry.counterpart(row["mindspore_api"])
        assert found is not None, row
        renamed = {c.doc: c.installed for c in entry.corrections if c.what == "param_renamed"}
        torch_names = {name.strip().lstrip("*") for name in row["torch_param"].split(",") if name.strip()}
        ms_names = {renamed.get(n, n) for n in (name.strip() for name in row["mindspore_param"].split(",")) if n}
        if row["kind"] == "behaviour":
            assert any(p.kind == "behaviour" for p in found.params), row
            continue
        recorded_torch = {p.torch for p in found.params}
        recorded_ms = {p.mindspore for p in found.params}
        assert torch_names <= recorded_torch, (row, recorded_torch)
        assert ms_names <= recorded_ms, (row, recorded_ms)


def test_every_parameter_record_has_a_known_kind(mappings: ApiMappings) -> None:
    kinds = {
        param.kind
        for name in mappings.torch_names()
        for c in mappings.lookup(name).counterparts()
        for param in c.params
    }
    assert kinds == PARAM_KINDS


@pytest.mark.parametrize(
    ("torch_api", "mindspore_api", "torch_param", "ms_param", "kind", "torch_default", "ms_default", "transform"),
    [
        ("torch.nn.Dropout", "mindspore.nn.Dropout", "p", "keep_prob", "transform", "0.5", "0.5", "1 - x"),
        (
            "torch.nn.BatchNorm2d",
            "mindspore.nn.BatchNorm2d",
            "momentum",
            "momentum",
            "transform",
            "0.1",
            "0.9",
            "1 - x",
        ),
        (
            "torch.nn.SyncBatchNorm",
            "mindspore.nn.SyncBatchNorm",
            "momentum",
            "momentum",
            "transform",
            "0.1",
            "0.9",
            "1 - x",
        ),
        ("torch.std", "mindspore.ops.std", "unbiased", "ddof", "transform", "True", "0", "int(x)"),
        ("torch.nn.Conv2d", "mindspore.nn.Conv2d", "bias", "has_bias", "rename", "True", "False", None),
        (
            "torch.nn.BatchNorm2d",
            "mindspore.nn.BatchNorm2d",
            "track_running_stats",
            "use_batch_statistics",
            "transform",
            "True",
            "None",
            "None if x else True",
        ),
        ("torch.nn.Linear", "mindspore.nn.Dense", "in_features", "in_channels", "rename", REQUIRED, REQUIRED, None),
        ("torch.nn.MaxPool2d", "mindspore.nn.MaxPool2d", "stride", "stride", "default", "None", "1", None),
        ("torch.nn.AvgPool2d", "mindspore.nn.AvgPool2d", "stride", "stride", "default", "None", "1", None),
        ("torch.nn.LayerNorm", "mindspore.nn.LayerNorm", "eps", "epsilon", "rename", "1e-05", "1e-07", None),
        ("torch.nn.LeakyReLU", "mindspore.nn.LeakyReLU", "negative_slope", "alpha", "rename", "0.01", "0.2", None),
        ("torch.nn.GELU", "mindspore.nn.GELU", "approximate", "approximate", "default", "'none'", "True", None),
        (
            "torch.nn.SmoothL1Loss",
            "mindspore.nn.SmoothL1Loss",
            "reduction",
            "reduction",
            "default",
            "'mean'",
            "'none'",
            None,
        ),
        ("torch.amax", "mindspore.ops.amax", "keepdim", "keepdims", "rename", "False", "False", None),
        ("torch.amax", "mindspore.mint.amax", "dim", "dim", "default", "None", "()", None),
    ],
)
def test_curated_facts_hold_in_the_data(
    mappings: ApiMappings,
    torch_api: str,
    mindspore_api: str,
    torch_param: str,
    ms_param: str,
    kind: str,
    torch_default: str,
    ms_default: str,
    transform: str | None,
) -> None:
    found = counterpart(mappings, torch_api, mindspore_api)
    matches = [p for p in found.params if p.torch == torch_param and p.mindspore == ms_param]
    assert matches, [(p.torch, p.mindspore) for p in found.params]
    param = matches[0]
    assert (param.kind, param.torch_default, param.ms_default, param.transform) == (
        kind,
        torch_default,
        ms_default,
        transform,
    )
    assert param.defaults_differ == (torch_default != ms_default)


def test_conv_padding_mode_is_torch_only_not_pad_mode(mappings: ApiMappings) -> None:
    for dimensions in (1, 2, 3):
        found = counterpart(mappings, f"torch.nn.Conv{dimensions}d", f"mindspore.nn.Conv{dimensions}d")
        (param,) = [p for p in found.params if p.torch == "padding_mode"]
        assert (param.kind, param.mindspore, param.torch_default) == ("torch_only", None, "'zeros'")


def test_cells_start_in_inference_mode_is_recorded_for_mint_and_legacy(mappings: ApiMappings) -> None:
    for torch_api in ("torch.nn.Dropout", "torch.nn.BatchNorm1d", "torch.nn.BatchNorm2d", "torch.nn.BatchNorm3d"):
        entry = mappings.lookup(torch_api)
        for found in (entry.mint, entry.legacy[0]):
            assert any(p.kind == "behaviour" and p.check == "starts_in_inference_mode" for p in found.params), (
                torch_api,
                found.api,
            )


def test_transpose_false_friend(mappings: ApiMappings) -> None:
    entry = mappings.lookup("torch.transpose")
    assert [friend.api for friend in entry.false_friends] == ["mindspore.ops.transpose"]
    assert [hit.role for hit in mappings.torch_for("mindspore.ops.transpose")] == ["false_friend"]
    assert entry.mint is not None and entry.mint.api == "mindspore.mint.transpose"


def test_difference_pages_of_torch_nn_are_pinned_to_r2_4_10(mappings: ApiMappings) -> None:
    for section in ("torch.nn", "torch.nn.functional"):
        for entry in mappings.section(section):
            for found in entry.counterparts():
                page = found.diff_page
                if page is None:
                    continue
                version = "r2.0" if entry.torch == "torch.nn.Embedding" else "r2.4.10"
                assert f"/docs/en/{version}/note/api_mapping/pytorch_diff/" in page, (entry.torch, page)


def test_no_link_points_at_master(mappings: ApiMappings) -> None:
    for name in mappings.torch_names():
        for found in mappings.lookup(name).counterparts():
            for url in found.links.values():
                assert "/master/" not in url, (name, url)
            for param in found.params:
                assert param.doc is None or "/master/" not in param.doc


def test_mint_cpu_kernels_as_probed(mappings: ApiMappings) -> None:
    assert mappings.lookup("torch.nn.Conv2d").mint.cpu is False
    assert mappings.lookup("torch.nn.BatchNorm2d").mint.cpu is False
    assert mappings.lookup("torch.nn.Linear").mint.cpu is True
    assert mappings.lookup("torch.abs").mint.cpu is True


def test_installed_names_win_over_the_docs(mappings: ApiMappings) -> None:
    hardsigmoid = mappings.lookup("torch.nn.Hardsigmoid")
    legacy = hardsigmoid.legacy[0]
    assert (legacy.api, legacy.doc_api) == ("mindspore.nn.HSigmoid", "mindspore.nn.Hsigmoid")
    assert any(c.what == "api_renamed" and c.installed == "mindspore.nn.HSigmoid" for c in hardsigmoid.corrections)
    assert mappings.lookup("torch.optim.RMSProp").torch == "torch.optim.RMSprop"
    amax = counterpart(mappings, "torch.amax", "mindspore.ops.amax")
    assert amax.param("dim").ms_default == "None"  # the r2.4.10 page says (); mindspore 2.10 says None
    nansum = counterpart(mappings, "torch.nansum", "mindspore.mint.nansum").param("end")
    assert nansum is not None and nansum.torch_missing  # the EN table's copy error


def test_corrections_are_of_known_kinds(mappings: ApiMappings) -> None:
    seen = {c.what for name in mappings.torch_names() for c in mappings.lookup(name).corrections}
    assert seen <= CORRECTION_KINDS
    assert {"api_renamed", "default_changed", "param_missing"} <= seen


def test_reverse_index_answers_for_every_counterpart(mappings: ApiMappings) -> None:
    for name in mappings.torch_names():
        for found in mappings.lookup(name).counterparts():
            hits = mappings.torch_for(found.api)
            assert (name, found.role) in {(hit.torch, hit.role) for hit in hits}, (name, found.api)


def test_torch_packages_not_installed_are_left_unverified(mappings: ApiMappings) -> None:
    entry = mappings.lookup("torchvision.transforms.Normalize")
    assert entry.torch_exists is None
    assert entry.current.exists is True  # mindspore.dataset.vision.Normalize is checked
