"""`msmigrate equiv`: exit status 0 equivalent, 1 divergent, 2 could not run; the JSON schema's keys."""

from __future__ import annotations

import json

import pytest

from msmigrate.cli.main import main
from tests.equivalence.conftest import CONTRACT_KEYS, pair_file, requires_frameworks

CHECK_KEYS = {"phase", "mode", "passed", "error", "tensors"}
TENSOR_KEYS = {
    "name",
    "torch_name",
    "mindspore_name",
    "passed",
    "max_abs",
    "max_rel",
    "cosine",
    "within_tolerance",
    "rel_frobenius",
}
LAYER_KEYS = {
    "phase",
    "mode",
    "torch_path",
    "mindspore_path",
    "mindspore_line",
    "torch_line",
    "passed",
    "max_abs",
    "rel_frobenius",
    "cosine",
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
    assert result["schema"] == 1 and result["status"] == "equivalent" and result["equivalent"] is True
    assert result["inputs"] == [{"shape": [2, 3, 16, 16], "dtype": "float32"}]
    assert result["tolerances"]["float32"] == {"atol": 1e-5, "rtol": 1e-4}
    assert {check["mode"] for check in result["checks"]} == {"pynative"}
    for check in result["checks"]:
        assert set(check) >= CHECK_KEYS
        for tensor in check["tensors"]:
            assert set(tensor) >= TENSOR_KEYS
    assert result["layers"] and all(set(layer) >= LAYER_KEYS for layer in result["layers"])
    assert set(result["weight_mapping"]) == {"source", "pairs", "unmapped_torch", "unmapped_mindspore"}
    # Progress, including the weight mapping it used, goes to stderr.
    assert "weights: 2 pairs by names; unmapped: none" in err


@pytest.mark.oracle
@requires_frameworks
def test_divergent_exits_1_and_a_user_weight_map_is_honoured(capsys, tmp_path):
    weight_map = tmp_path / "map.json"
    weight_map.write_text(json.dumps({"conv.bias": None}), encoding="utf-8")  # knowingly leave the bias out
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
    error = json.loads(out)["error"]
    assert error["kind"] == "unmapped_weights" and "conv.bias" in error["message"]


@pytest.mark.parametrize(
    "arguments",
    [
        ["missing.py:Net", "other.py:Net"],
        [pair_file("conv_torch.py"), pair_file("conv_mindspore.py") + ":ConvNet"],  # no class
        [pair_file("conv_torch.py") + ":ConvNet", pair_file("conv_mindspore.py") + ":ConvNet", "--input", "a,b"],
        [pair_file("conv_torch.py") + ":ConvNet", pair_file("conv_mindspore.py") + ":ConvNet", "--init-args", "{x"],
        [pair_file("conv_torch.py") + ":ConvNet", pair_file("conv_mindspore.py") + ":ConvNet", "--init-args", "3"],
    ],
)
def test_usage_errors_exit_2_without_running(capsys, arguments):
    status, _, err = run_cli(capsys, *arguments)
    assert status == 2
    assert "usage:" in err
