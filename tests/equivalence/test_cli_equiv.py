"""`msmigrate equiv`: exit status 0 equivalent, 1 divergent, 2 could not run, 3 inconclusive; the JSON
schema's keys; models named by file or by module, classes or factories."""

from __future__ import annotations

import json

import pytest

from msmigrate.cli.main import main
from tests.equivalence.conftest import CONTRACT_KEYS, PAIRS, pair_file, requires_frameworks

CHECK_KEYS = {"phase", "mode", "agrees", "error", "note", "tensors"}
TENSOR_KEYS = {
    "name",
    "torch_name",
    "mindspore_name",
    "outcome",
    "max_abs",
    "max_rel",
    "cosine",
    "within_tolerance",
    "rel_error",
    "reference_error",
    "noise_limit",
    "scale",
}
LAYER_KEYS = {
    "phase",
    "mode",
    "torch_path",
    "mindspore_path",
    "torch_type",
    "mindspore_type",
    "paired_by",
    "outcome",
    "rel_error",
    "torch_file",
    "torch_line",
    "mindspore_file",
    "mindspore_line",
}


def run_cli(capsys, *arguments: str) -> tuple[int, str, str]:
    status = main(["equiv", *arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.oracle
@requires_frameworks
def test_equivalent_exits_0_with_the_json_schema(capsys):
    status, out, err = run_cli(
        capsys,
        pair_file("conv_torch.py") + ":ConvNet",
        pair_file("conv_mindspore.py") + ":ConvNetPadded",
        "--input",
        "2,3,16,16:float32",
        "--mode",
        "pynative",
        "--format",
        "json",
    )
    assert status == 0, out
    result = json.loads(out)
    assert set(result) >= CONTRACT_KEYS
    assert result["schema"] == 2 and result["status"] == "equivalent" and result["equivalent"] is True
    assert result["inputs"] == [{"shape": [2, 3, 16, 16], "dtype": "float32"}]
    assert result["tolerances"]["float32"] == {"atol": 1e-5, "rtol": 1e-4}
    assert {check["mode"] for check in result["checks"]} == {"pynative"}
    for check in result["checks"]:
        assert set(check) >= CHECK_KEYS
        for tensor in check["tensors"]:
            assert set(tensor) >= TENSOR_KEYS
    assert result["layers"] and all(set(layer) >= LAYER_KEYS for layer in result["layers"])
    assert set(result["weight_mapping"]) == {"pairs", "counts", "unmapped_torch", "unmapped_mindspore", "zeroed_torch"}
    # Progress, including the weight mapping it used, goes to stderr.
    assert "weights: 2 tensors paired (2 by name); unmapped: none" in err


@pytest.mark.oracle
@requires_frameworks
def test_divergent_exits_1_and_a_user_weight_map_is_honoured(capsys, tmp_path):
    weight_map = tmp_path / "map.json"
    weight_map.write_text(json.dumps({"conv.bias": None}), encoding="utf-8")  # leave the bias out, not zeroed
    status, out, _ = run_cli(
        capsys,
        pair_file("conv_torch.py") + ":ConvNetNoBias",
        pair_file("conv_mindspore.py") + ":ConvNetNoBias",
        "--weight-map",
        str(weight_map),
        "--mode",
        "pynative",
        "--format",
        "json",
        "-q",
    )
    assert status == 1, out
    result = json.loads(out)
    assert result["status"] == "divergent"
    assert result["first_divergence"]["torch_path"] == "conv"
    assert [pair["torch"] for pair in result["weight_mapping"]["pairs"]] == ["conv.weight"]


@pytest.mark.oracle
@requires_frameworks
def test_unmapped_weights_exit_2_with_a_clear_message(capsys):
    status, out, _ = run_cli(
        capsys,
        pair_file("conv_torch.py") + ":ConvNetNoBias",
        pair_file("conv_mindspore.py") + ":ConvNetNoBias",
        "--mode",
        "pynative",
        "--format",
        "json",
        "-q",
    )
    assert status == 2
    result = json.loads(out)
    error = result["error"]
    assert error["kind"] == "unmapped_weights" and "conv.bias" in error["message"]
    # Nothing is left on the MindSpore side to pair it with: the advice is zero_torch, not a pairing.
    assert "zero_torch" in error["message"] and "Pair them with --weight-map" not in error["message"]
    # The configuration diff is there although nothing ran.
    assert [
        (d["torch_path"], d["hyperparameter"], d["torch_value"], d["mindspore_value"])
        for d in result["config_differences"]
    ] == [("conv", "bias", "True", "False")]


@pytest.mark.oracle
@requires_frameworks
def test_zeroing_the_torch_bias_the_port_lacks_makes_them_agree(capsys, tmp_path):
    weight_map = tmp_path / "map.toml"
    weight_map.write_text('zero_torch = ["*.bias"]\n', encoding="utf-8")
    status, out, _ = run_cli(
        capsys,
        pair_file("conv_torch.py") + ":ConvNetNoBias",
        pair_file("conv_mindspore.py") + ":ConvNetNoBias",
        "--weight-map",
        str(weight_map),
        "--mode",
        "pynative",
        "-q",
    )
    assert status == 0, out
    assert "set 1 torch tensor(s) to zero as the weight map asks: conv.bias" in out


@pytest.mark.oracle
@requires_frameworks
def test_models_by_module_name_or_package_file_and_factory_need_no_wrapper(capsys, monkeypatch):
    """`package.module:factory` (resolved from the working directory, as `python -m` would) and a file inside
    a package (imported as part of it, so its relative imports work), with the package's failing __init__
    bypassed and said so."""
    monkeypatch.chdir(PAIRS)
    status, out, _ = run_cli(
        capsys,
        "zoo.nets_torch:small_net",
        str(PAIRS / "zoo" / "nets_mindspore.py") + ":small_net",
        "--init-args",
        '{"channels": 4}',
        "--input",
        "2,3,8,8",
        "--mode",
        "pynative",
        "-q",
        "--format",
        "json",
    )
    assert status == 0, out
    result = json.loads(out)
    assert (result["torch"]["source"], result["torch"]["name"]) == ("zoo.nets_torch", "small_net")
    assert result["torch"]["file"] == str(PAIRS / "zoo" / "nets_torch.py") and result["torch"]["line"] > 1
    assert result["mindspore"]["file"] == str(PAIRS / "zoo" / "nets_mindspore.py")
    assert any("zoo/__init__.py raised RuntimeError" in note and "bypassed" in note for note in result["notes"])
    # The conv is built by the zoo's helper: its line is there, on both sides.
    conv = next(layer for layer in result["layers"] if layer["torch_type"] == "Conv2d")
    assert conv["torch_file"].endswith("blocks_torch.py") and conv["mindspore_file"].endswith("blocks_mindspore.py")


@pytest.mark.oracle
@requires_frameworks
def test_a_divergence_in_a_library_file_is_located_there_on_both_sides(capsys, monkeypatch):
    monkeypatch.chdir(PAIRS)
    status, out, _ = run_cli(
        capsys,
        "zoo.nets_torch:small_net",
        "zoo.nets_mindspore:same_padded_net",
        "--input",
        "1,3,8,8",
        "--mode",
        "pynative",
        "-q",
        "--format",
        "json",
    )
    assert status == 1, out
    divergence = json.loads(out)["first_divergence"]
    assert (divergence["torch_path"], divergence["mindspore_path"]) == ("1", "1")
    assert divergence["torch_file"] == str(PAIRS / "zoo" / "nets_torch.py")
    assert divergence["mindspore_file"] == str(PAIRS / "zoo" / "nets_mindspore.py")
    source = (PAIRS / "zoo" / "nets_mindspore.py").read_text(encoding="utf-8").splitlines()
    assert 'pad_mode="same"' in source[divergence["mindspore_line"] - 1]
    differences = {d["hyperparameter"] for d in json.loads(out)["config_differences"]}
    assert {"kernel", "padding"} <= differences


@pytest.mark.parametrize(
    "arguments",
    [
        ["missing.py:Net", "other.py:Net"],
        [pair_file("conv_torch.py"), pair_file("conv_mindspore.py") + ":ConvNet"],  # no name
        ["not a module:Net", pair_file("conv_mindspore.py") + ":ConvNet"],
        [pair_file("conv_torch.py") + ":ConvNet", pair_file("conv_mindspore.py") + ":ConvNet", "--input", "a,b"],
        [pair_file("conv_torch.py") + ":ConvNet", pair_file("conv_mindspore.py") + ":ConvNet", "--init-args", "{x"],
        [pair_file("conv_torch.py") + ":ConvNet", pair_file("conv_mindspore.py") + ":ConvNet", "--init-args", "3"],
    ],
)
def test_usage_errors_exit_2_without_running(capsys, arguments):
    status, _, err = run_cli(capsys, *arguments)
    assert status == 2
    assert "usage:" in err
