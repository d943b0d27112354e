"""The configuration diff: hyperparameters of paired layers read in one convention.

The pure tests feed constructor arguments; the oracle test builds the layers in real torch 2.13 and
MindSpore 2.10 under the construction recorder (`configs_runner.py`, in a subprocess) and checks that every
API and argument the data file names exists in the installed frameworks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from msmigrate.equivalence.configs import NORMALISER_NAMES, LayerSide, config_differences, readers
from tests.equivalence.conftest import requires_frameworks

RUNNER = Path(__file__).with_name("configs_runner.py")


def differences(torch_api, torch_arguments, mindspore_api, mindspore_arguments, input_shape=None):
    return [
        (d.hyperparameter, d.torch_value, d.mindspore_value)
        for d in config_differences(
            LayerSide(torch_api, torch_arguments, input_shape),
            LayerSide(mindspore_api, mindspore_arguments, input_shape),
        )
    ]


TORCH_POOL = {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1, "ceil_mode": False}
MINDSPORE_POOL = {"kernel_size": 3, "stride": 2, "pad_mode": "same", "padding": 0, "dilation": 1, "ceil_mode": False}


def test_same_padding_with_stride_two_pads_more_after_than_before():
    found = differences("torch.nn.MaxPool2d", TORCH_POOL, "mindspore.nn.MaxPool2d", MINDSPORE_POOL, [1, 64, 32, 32])
    assert found == [("padding", "1", "top 0, bottom 1, left 0, right 1")]
    # At an odd input the total padding is even: 'same' pads both sides alike, and nothing differs.
    assert (
        differences("torch.nn.MaxPool2d", TORCH_POOL, "mindspore.nn.MaxPool2d", MINDSPORE_POOL, [1, 64, 33, 33]) == []
    )


def test_same_padding_without_an_input_size_still_differs_from_a_number():
    found = differences("torch.nn.MaxPool2d", TORCH_POOL, "mindspore.nn.MaxPool2d", MINDSPORE_POOL)
    assert found == [("padding", "1", "'same'")]


def test_momentum_is_compared_in_torchs_convention():
    torch_args = {"eps": 1e-5, "momentum": 0.1, "affine": True, "track_running_stats": True}
    converted = {"eps": 1e-5, "momentum": 0.9, "affine": True, "use_batch_statistics": None}
    assert differences("torch.nn.BatchNorm2d", torch_args, "mindspore.nn.BatchNorm2d", converted) == []
    copied = {**converted, "momentum": 0.1}
    assert differences("torch.nn.BatchNorm2d", torch_args, "mindspore.nn.BatchNorm2d", copied) == [
        ("momentum", "0.1", "0.9")
    ]


def test_mint_layers_read_like_torch_layers():
    arguments = {"kernel_size": 3, "stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True}
    assert differences("torch.nn.Conv2d", arguments, "mindspore.mint.nn.Conv2d", arguments) == []


def test_layers_of_other_families_or_unknown_apis_are_not_compared():
    assert differences("torch.nn.Conv2d", {"kernel_size": 3}, "mindspore.nn.Dense", {"in_channels": 3}) == []
    assert differences("torch.nn.Conv2d", {"kernel_size": 3}, None, {}) == []


def test_a_missing_argument_is_not_a_difference():
    assert differences("torch.nn.GELU", {}, "mindspore.nn.GELU", {"approximate": True}) == []


def test_the_data_names_only_known_normalisers():
    for api, reader in readers().items():
        for expression in reader.expressions.values():
            if "(" in expression:
                assert expression.partition("(")[0] in NORMALISER_NAMES, (api, expression)


@pytest.mark.oracle
@requires_frameworks
def test_real_layers_differ_where_the_frameworks_do():
    completed = subprocess.run([sys.executable, str(RUNNER)], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    data = json.loads(completed.stdout)
    assert data["problems"] == []
    found = {name: [tuple(d[:3]) for d in entry["differences"]] for name, entry in data["differences"].items()}
    assert found["pool_same_vs_padding"] == [("padding", "1", "top 0, bottom 1, left 0, right 1")]
    assert found["conv_same_stride_2"] == [("padding", "1", "top 0, bottom 1, left 0, right 1")]
    assert found["pool_ceil_mode"] == [("ceil_mode", "True", "False")]
    assert found["avgpool_count_include_pad"] == [("count_include_pad", "False", "True")]
    assert found["conv_bias_default"] == [("bias", "True", "False")]
    assert found["batchnorm_copied_momentum"] == [("momentum", "0.1", "0.9")]
    assert found["gelu_default"] == [("approximate", "'none'", "'tanh'")]
    assert found["layernorm_default"] == [("eps", "1e-05", "1e-07")]
    assert found["leaky_relu_default"] == [("negative_slope", "0.01", "0.2")]
    assert found["dropout_as_keep_prob"] == [("rate", "0.2", "0.8")]
    for same in ("pool_equal", "conv_equal", "conv_mint", "batchnorm_converted", "gelu_exact", "dropout_converted"):
        assert found[same] == [], same
    assert found["dense_default"] == []
