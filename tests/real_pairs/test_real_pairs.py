"""The equivalence check on real ports nobody here wrote: torchvision 0.28's model definitions against their
MindSpore ports in mindcv 0.3, both installed from the package registry at test time, named by module and
factory as a user names them (no wrapper files).

What each pair is, measured on MindSpore 2.10 / torch 2.13 (CPU):
- ResNet-18: mindcv's stem pools with `MaxPool2d(3, 2, pad_mode="same")`, torchvision's with `padding=1`:
  'same' pads 0 before and 1 after at an even size, so the values shift from the stem on.
- SqueezeNet 1.0: torchvision pools with `ceil_mode=True`, mindcv with floor: at 64 px the second pooling
  gives 7x7 against 6x6; at 227 px every pooling divides exactly and the two agree.
- VGG11-BN: mindcv's convolutions have no bias; with the torch biases zeroed (a weight map) they agree.
- MobileNetV2, DenseNet-121: faithful ports (DenseNet's stem pads with a Pad layer before a pad-free pool).
- A small ViT: torchvision's head is zero-initialised; mindcv's GELU is the tanh approximation and its
  LayerNorm epsilon 1e-7 where torchvision has 1e-6.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from msmigrate.equivalence.result import EquivalenceRequest, EquivalenceResult, InputSpec
from msmigrate.equivalence.runner import run_equivalence
from tests.equivalence.conftest import requires_frameworks
from tests.real_packages import real_packages

pytestmark = [pytest.mark.oracle, pytest.mark.slow, requires_frameworks]
TEN_CLASSES = {"num_classes": 10}


def check(
    torch_model: str,
    mindspore_model: str,
    shape: list[int],
    *,
    init_args: dict[str, Any] | None = None,
    mindspore_init_args: dict[str, Any] | None = None,
    weight_map: str | None = None,
    modes: tuple[str, ...] = ("pynative",),
) -> EquivalenceResult:
    torch_source, torch_name = torch_model.split(":")
    mindspore_source, mindspore_name = mindspore_model.split(":")
    return run_equivalence(
        EquivalenceRequest(
            torch_source,
            torch_name,
            mindspore_source,
            mindspore_name,
            init_args=TEN_CLASSES if init_args is None else init_args,
            mindspore_init_args=mindspore_init_args,
            inputs=[InputSpec(shape)],
            weight_map=weight_map,
            modes=modes,
            timeout_s=1800,
            search_path=(str(real_packages()),),
        )
    )


def source_line(file: str | None, line: int | None) -> str:
    assert file and line, (file, line)
    return Path(file).read_text(encoding="utf-8").splitlines()[line - 1]


def differences_at(result: EquivalenceResult, torch_path: str) -> dict[str, tuple[str, str]]:
    return {
        d.hyperparameter: (d.torch_value, d.mindspore_value)
        for d in result.config_differences
        if d.torch_path == torch_path
    }


def test_resnet18_diverges_first_at_the_stem_max_pool_and_names_its_padding():
    result = check(
        "torchvision.models.resnet:resnet18",
        "mindcv.models.resnet:resnet18",
        [1, 3, 64, 64],
        modes=("pynative", "graph"),
    )
    assert result.status == "divergent", result.summary
    divergence = result.first_divergence
    assert (divergence.phase, divergence.mode) == ("eval_forward", "pynative")
    assert (divergence.torch_path, divergence.mindspore_path) == ("maxpool", "max_pool")
    assert divergence.mindspore_file.endswith("mindcv/models/resnet.py")
    assert 'pad_mode="same"' in source_line(divergence.mindspore_file, divergence.mindspore_line)
    assert divergence.torch_file.endswith("torchvision/models/resnet.py")
    assert "MaxPool2d" in source_line(divergence.torch_file, divergence.torch_line)
    assert differences_at(result, "maxpool") == {"padding": ("1", "top 0, bottom 1, left 0, right 1")}
    # Every layer that ran before it agrees.
    before = [
        layer for layer in result.layers if layer.phase == "eval_forward" and layer.torch_path in ("conv1", "bn1")
    ]
    assert before and all(layer.agrees for layer in before)
    assert any("bypassed" in note for note in result.notes), "torchvision's failing __init__ is said to be bypassed"


def test_mobilenet_v2_is_equivalent():
    result = check(
        "torchvision.models.mobilenetv2:mobilenet_v2", "mindcv.models.mobilenetv2:mobilenet_v2_100", [4, 3, 64, 64]
    )
    assert result.equivalent is True, result.summary
    assert len([layer for layer in result.layers if layer.phase == "eval_forward"]) > 100


def test_densenet121_is_equivalent():
    result = check("torchvision.models.densenet:densenet121", "mindcv.models.densenet:densenet121", [2, 3, 64, 64])
    assert result.equivalent is True, result.summary


def test_squeezenet_at_64px_diverges_at_the_ceil_mode_pooling_and_names_it():
    result = check(
        "torchvision.models.squeezenet:squeezenet1_0", "mindcv.models.squeezenet:squeezenet1_0", [2, 3, 64, 64]
    )
    assert result.status == "divergent", result.summary
    divergence = result.first_divergence
    assert (divergence.torch_type, divergence.mindspore_type) == ("MaxPool2d", "MaxPool2d")
    assert divergence.torch_shape != divergence.mindspore_shape, "7x7 against 6x6"
    assert differences_at(result, divergence.torch_path) == {"ceil_mode": ("True", "False")}
    assert "ceil_mode True vs False" in result.summary


def test_squeezenet_at_227px_is_equivalent():
    result = check(
        "torchvision.models.squeezenet:squeezenet1_0", "mindcv.models.squeezenet:squeezenet1_0", [1, 3, 227, 227]
    )
    assert result.equivalent is True, result.summary


def test_vgg11_bn_refuses_the_unpaired_biases_and_names_them_in_the_configuration_diff():
    result = check(
        "torchvision.models.vgg:vgg11_bn",
        "mindcv.models.vgg:vgg11",
        [1, 3, 224, 224],
        mindspore_init_args={"num_classes": 10, "batch_norm": True},
    )
    assert result.error is not None and result.error.kind == "unmapped_weights"
    assert "zero_torch" in result.error.message
    convs = {d.torch_path for d in result.config_differences if d.hyperparameter == "bias"}
    assert len(convs) == 8 and set(result.weight_mapping.unmapped_torch) == {f"{path}.bias" for path in convs}


def test_vgg11_bn_at_224px_is_equivalent_once_the_bias_is_mapped_away(tmp_path: Path):
    weight_map = tmp_path / "vgg.json"
    weight_map.write_text(json.dumps({"zero_torch": ["features.*.bias"]}), encoding="utf-8")
    result = check(
        "torchvision.models.vgg:vgg11_bn",
        "mindcv.models.vgg:vgg11",
        [1, 3, 224, 224],
        mindspore_init_args={"num_classes": 10, "batch_norm": True},
        weight_map=str(weight_map),
    )
    assert result.equivalent is True, result.summary
    assert len(result.weight_mapping.zeroed_torch) == 8


def test_a_small_vit_pairs_its_layers_redraws_the_zero_head_and_names_gelu_and_epsilon():
    result = check(
        "torchvision.models.vision_transformer:VisionTransformer",
        "mindcv.models.vit:VisionTransformer",
        [2, 3, 32, 32],
        init_args={
            "image_size": 32, "patch_size": 8, "num_layers": 2, "num_heads": 2, "hidden_dim": 64, "mlp_dim": 128,
            "num_classes": 10,
        },
        mindspore_init_args={
            "image_size": 32, "patch_size": 8, "embed_dim": 64, "depth": 2, "num_heads": 2, "mlp_ratio": 2.0,
            "num_classes": 10,
        },
    )  # fmt: skip
    assert result.status == "divergent", result.summary
    paired = {(layer.torch_path, layer.mindspore_path) for layer in result.layers if layer.phase == "eval_forward"}
    assert ("encoder.layers.encoder_layer_0.self_attention", "blocks.0.attn") in paired
    assert ("heads.head", "head") in paired
    assert ("encoder.layers.encoder_layer_1.mlp.1", "blocks.1.mlp.act") in paired
    assert any("zero-initialised layer(s) redrawn" in note and "heads.head" in note for note in result.notes)
    gelu = differences_at(result, "encoder.layers.encoder_layer_0.mlp.1")
    assert gelu == {"approximate": ("'none'", "'tanh'")}
    norm = differences_at(result, "encoder.layers.encoder_layer_0.ln_1")
    assert norm == {"eps": ("1e-06", "1e-07")}
    assert result.first_divergence.torch_type == "LayerNorm", "the first layer that differs is the first LayerNorm"
