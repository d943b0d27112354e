"""Weight pairing, on names and shapes as MindSpore 2.10 and torch 2.13 report them (no framework imported)."""

from __future__ import annotations

import pytest

from msmigrate.equivalence.weights import TensorEntry, UserWeightMap, map_weights, shapes_compatible


def torch_entry(name: str, shape: tuple[int, ...], owner: str) -> TensorEntry:
    return TensorEntry(name, shape, owner)


def ms_entry(name: str, shape: tuple[int, ...], owner: str = "") -> TensorEntry:
    return TensorEntry(name, shape, owner)


def pairs_of(outcome) -> dict[str, tuple[str, str]]:
    return {pair.torch: (pair.mindspore, pair.how) for pair in outcome.mapping.pairs}


@pytest.mark.parametrize("owner", ["BatchNorm1d", "BatchNorm2d"])
def test_batchnorm_statistics_and_affine_are_renamed_and_the_counter_dropped(owner):
    torch_side = [
        torch_entry("bn.weight", (8,), owner),
        torch_entry("bn.bias", (8,), owner),
        torch_entry("bn.running_mean", (8,), owner),
        torch_entry("bn.running_var", (8,), owner),
        torch_entry("bn.num_batches_tracked", (), owner),
    ]
    # MindSpore lists the moving statistics first.
    ms_side = [ms_entry(f"bn.{name}", (8,)) for name in ("moving_mean", "moving_variance", "gamma", "beta")]
    outcome = map_weights(torch_side, ms_side)
    assert pairs_of(outcome) == {
        "bn.weight": ("bn.gamma", "batchnorm"),
        "bn.bias": ("bn.beta", "batchnorm"),
        "bn.running_mean": ("bn.moving_mean", "batchnorm"),
        "bn.running_var": ("bn.moving_variance", "batchnorm"),
    }
    assert outcome.dropped_torch == ["bn.num_batches_tracked"]
    assert outcome.complete
    assert outcome.mapping.counts() == {"batchnorm": 4}


def test_batchnorm3d_parameters_live_under_bn2d():
    torch_side = [torch_entry(f"net.bn.{leaf}", (4,), "BatchNorm3d") for leaf in ("weight", "bias", "running_mean")]
    ms_side = [ms_entry(f"net.bn.bn2d.{leaf}", (4,)) for leaf in ("moving_mean", "gamma", "beta")]
    outcome = map_weights(torch_side, ms_side)
    assert pairs_of(outcome) == {
        "net.bn.weight": ("net.bn.bn2d.gamma", "batchnorm3d"),
        "net.bn.bias": ("net.bn.bn2d.beta", "batchnorm3d"),
        "net.bn.running_mean": ("net.bn.bn2d.moving_mean", "batchnorm3d"),
    }


@pytest.mark.parametrize(
    ("owner", "torch_leaf", "ms_leaf", "how"),
    [
        ("LayerNorm", "weight", "gamma", "layernorm"),
        ("GroupNorm", "bias", "beta", "groupnorm"),
        ("Embedding", "weight", "embedding_table", "embedding"),
        ("PReLU", "weight", "w", "prelu"),
        ("Linear", "weight", "weight", "linear_dense"),
    ],
)
def test_renamed_leaves_by_owner_type(owner, torch_leaf, ms_leaf, how):
    outcome = map_weights([torch_entry(f"m.{torch_leaf}", (5, 3), owner)], [ms_entry(f"m.{ms_leaf}", (5, 3))])
    assert pairs_of(outcome) == {f"m.{torch_leaf}": (f"m.{ms_leaf}", how)}


def test_conv1d_kernel_gains_an_axis_in_mindspore():
    outcome = map_weights([torch_entry("conv.weight", (4, 3, 5), "Conv1d")], [ms_entry("conv.weight", (4, 3, 1, 5))])
    assert pairs_of(outcome) == {"conv.weight": ("conv.weight", "conv1d_kernel_axis")}
    assert outcome.mapping.pairs[0].shape == [4, 3, 1, 5]


def test_recurrent_weights_keep_their_names_and_gate_layout():
    names = ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0_reverse"]
    outcome = map_weights(
        [torch_entry(name, (64, 16), "LSTM") for name in names], [ms_entry(name, (64, 16)) for name in names]
    )
    assert {how for _, how in pairs_of(outcome).values()} == {"rnn_gates"}
    assert outcome.complete


def test_a_name_with_another_shape_is_not_paired_and_the_conflict_is_explained():
    outcome = map_weights([torch_entry("fc.weight", (3, 4), "Linear")], [ms_entry("fc.weight", (3, 5))])
    assert outcome.mapping.unmapped_torch == ["fc.weight"]
    assert outcome.mapping.unmapped_mindspore == ["fc.weight"]
    assert not outcome.complete
    assert outcome.shape_conflicts == ["torch fc.weight (3, 4) vs MindSpore fc.weight (3, 5)"]


def test_renamed_modules_pair_module_by_module_in_order():
    torch_side = [
        torch_entry("features.0.weight", (8, 3, 3, 3), "Conv2d"),
        torch_entry("features.1.weight", (8,), "BatchNorm2d"),
        torch_entry("features.1.running_mean", (8,), "BatchNorm2d"),
    ]
    ms_side = [
        ms_entry("conv.weight", (8, 3, 3, 3)),
        ms_entry("norm.moving_mean", (8,)),  # listed before gamma: a plain zip would cross them
        ms_entry("norm.gamma", (8,)),
    ]
    outcome = map_weights(torch_side, ms_side)
    assert pairs_of(outcome) == {
        "features.0.weight": ("conv.weight", "module_order"),
        "features.1.weight": ("norm.gamma", "module_order"),
        "features.1.running_mean": ("norm.moving_mean", "module_order"),
    }


def test_shapes_that_occur_once_pair_what_names_and_modules_cannot():
    torch_side = [torch_entry("a", (2, 3), "Custom"), torch_entry("b", (3,), "Custom")]
    outcome = map_weights(torch_side, [ms_entry("x.p", (2, 3)), ms_entry("y.q", (3,))])
    assert pairs_of(outcome) == {"a": ("x.p", "shape"), "b": ("y.q", "shape")}


def test_plain_order_pairs_what_is_left_when_every_shape_agrees():
    torch_side = [torch_entry("a", (3,), "Custom"), torch_entry("b", (3,), "Custom")]
    outcome = map_weights(torch_side, [ms_entry("x.p", (3,)), ms_entry("y.q", (3,))])
    assert pairs_of(outcome) == {"a": ("x.p", "order"), "b": ("y.q", "order")}


def test_a_vision_transformer_pairs_through_structure_and_unique_shapes():
    """torchvision's ViT against a port whose modules are named and ordered otherwise: the fused attention
    projection is a parameter of the attention module itself in torch, a `qkv` Dense in the port."""
    block = "encoder.layers.encoder_layer_0"
    torch_side = [
        torch_entry("class_token", (1, 1, 8), "VisionTransformer"),
        torch_entry("conv_proj.weight", (8, 3, 4, 4), "Conv2d"),
        torch_entry("conv_proj.bias", (8,), "Conv2d"),
        torch_entry("encoder.pos_embedding", (1, 5, 8), "Encoder"),
        torch_entry(f"{block}.ln_1.weight", (8,), "LayerNorm"),
        torch_entry(f"{block}.ln_1.bias", (8,), "LayerNorm"),
        torch_entry(f"{block}.self_attention.in_proj_weight", (24, 8), "MultiheadAttention"),
        torch_entry(f"{block}.self_attention.in_proj_bias", (24,), "MultiheadAttention"),
        torch_entry(f"{block}.self_attention.out_proj.weight", (8, 8), "NonDynamicallyQuantizableLinear"),
        torch_entry(f"{block}.self_attention.out_proj.bias", (8,), "NonDynamicallyQuantizableLinear"),
        torch_entry(f"{block}.mlp.0.weight", (16, 8), "Linear"),
        torch_entry(f"{block}.mlp.0.bias", (16,), "Linear"),
        torch_entry(f"{block}.mlp.3.weight", (8, 16), "Linear"),
        torch_entry(f"{block}.mlp.3.bias", (8,), "Linear"),
        torch_entry("heads.head.weight", (10, 8), "Linear"),
        torch_entry("heads.head.bias", (10,), "Linear"),
    ]
    ms_side = [
        ms_entry("cls_token", (1, 1, 8)),
        ms_entry("pos_embed", (1, 5, 8)),
        ms_entry("patch_embed.proj.weight", (8, 3, 4, 4)),
        ms_entry("patch_embed.proj.bias", (8,)),
        ms_entry("blocks.0.norm1.gamma", (8,)),
        ms_entry("blocks.0.norm1.beta", (8,)),
        ms_entry("blocks.0.attn.qkv.weight", (24, 8)),
        ms_entry("blocks.0.attn.qkv.bias", (24,)),
        ms_entry("blocks.0.attn.proj.weight", (8, 8)),
        ms_entry("blocks.0.attn.proj.bias", (8,)),
        ms_entry("blocks.0.mlp.fc1.weight", (16, 8)),
        ms_entry("blocks.0.mlp.fc1.bias", (16,)),
        ms_entry("blocks.0.mlp.fc2.weight", (8, 16)),
        ms_entry("blocks.0.mlp.fc2.bias", (8,)),
        ms_entry("head.weight", (10, 8)),
        ms_entry("head.bias", (10,)),
    ]
    outcome = map_weights(torch_side, ms_side)
    assert outcome.complete
    paired = {torch: mindspore for torch, (mindspore, _) in pairs_of(outcome).items()}
    assert paired["class_token"] == "cls_token" and paired["encoder.pos_embedding"] == "pos_embed"
    assert paired[f"{block}.self_attention.in_proj_weight"] == "blocks.0.attn.qkv.weight"
    assert paired[f"{block}.self_attention.in_proj_bias"] == "blocks.0.attn.qkv.bias"
    assert paired[f"{block}.ln_1.weight"] == "blocks.0.norm1.gamma"
    assert paired[f"{block}.mlp.3.weight"] == "blocks.0.mlp.fc2.weight"
    assert paired["heads.head.bias"] == "head.bias"
    assert outcome.mapping.counts() == {"shape": 2, "module_order": 14}


def test_a_module_one_side_lacks_does_not_shift_the_pairs_after_it():
    torch_side = [
        torch_entry("stem.weight", (4, 3, 3, 3), "Conv2d"),
        torch_entry("extra.weight", (4, 4, 1, 1), "Conv2d"),  # the port dropped this layer
        torch_entry("body.weight", (4, 4, 3, 3), "Conv2d"),
        torch_entry("head.weight", (2, 4), "Linear"),
    ]
    ms_side = [
        ms_entry("conv_a.weight", (4, 3, 3, 3)),
        ms_entry("conv_b.weight", (4, 4, 3, 3)),
        ms_entry("classifier.weight", (2, 4)),
    ]
    outcome = map_weights(torch_side, ms_side)
    assert {t: m for t, (m, _) in pairs_of(outcome).items()} == {
        "stem.weight": "conv_a.weight",
        "body.weight": "conv_b.weight",
        "head.weight": "classifier.weight",
    }
    assert outcome.mapping.unmapped_torch == ["extra.weight"] and not outcome.mapping.unmapped_mindspore


def test_zero_torch_patterns_apply_to_what_pairing_left_over():
    """VGG's convolutions have a bias in torch, none in the port: `features.*.bias` zeroes those and leaves the
    BatchNorm biases, which pair with `beta`, alone."""
    torch_side = [
        torch_entry("features.0.weight", (4, 3, 3, 3), "Conv2d"),
        torch_entry("features.0.bias", (4,), "Conv2d"),
        torch_entry("features.1.weight", (4,), "BatchNorm2d"),
        torch_entry("features.1.bias", (4,), "BatchNorm2d"),
    ]
    ms_side = [
        ms_entry("features.0.weight", (4, 3, 3, 3)),
        ms_entry("features.1.gamma", (4,)),
        ms_entry("features.1.beta", (4,)),
    ]
    assert map_weights(torch_side, ms_side).mapping.unmapped_torch == ["features.0.bias"]
    user = UserWeightMap.from_data({"zero_torch": ["features.*.bias"]})
    outcome = map_weights(torch_side, ms_side, user)
    assert outcome.complete
    assert outcome.mapping.zeroed_torch == ["features.0.bias"]
    assert pairs_of(outcome)["features.1.bias"] == ("features.1.beta", "batchnorm")
    exact = map_weights(torch_side, ms_side, UserWeightMap.from_data({"zero_torch": ["features.0.bias"]}))
    assert exact.complete and exact.mapping.zeroed_torch == ["features.0.bias"]
    ignored = map_weights(torch_side, ms_side, UserWeightMap.from_data({"ignore_torch": ["features.?.bias"]}))
    assert ignored.complete and ignored.mapping.zeroed_torch == []


def test_order_fallback_refuses_when_shapes_disagree():
    outcome = map_weights([torch_entry("a", (2, 3), "Custom")], [ms_entry("x.p", (3, 2))])
    assert outcome.mapping.pairs == []
    assert not outcome.complete


def test_user_map_wins_and_can_leave_names_unpaired():
    user = UserWeightMap.from_data({"head.kernel": "classifier.weight", "aux.weight": None})
    torch_side = [torch_entry("head.kernel", (2, 4), "Custom"), torch_entry("aux.weight", (7,), "Custom")]
    outcome = map_weights(torch_side, [ms_entry("classifier.weight", (2, 4))], user)
    assert pairs_of(outcome) == {"head.kernel": ("classifier.weight", "user")}
    assert outcome.complete


def test_structured_user_map_ignores_mindspore_names():
    user = UserWeightMap.from_data({"pairs": {}, "ignore_mindspore": ["extra.scale"]})
    outcome = map_weights(
        [torch_entry("fc.weight", (2, 2), "Linear")],
        [ms_entry("fc.weight", (2, 2)), ms_entry("extra.scale", (1,))],
        user,
    )
    assert outcome.complete


def test_user_map_to_a_missing_parameter_is_reported():
    user = UserWeightMap.from_data({"fc.weight": "dense.weight"})
    outcome = map_weights([torch_entry("fc.weight", (2, 2), "Custom")], [ms_entry("fc.kernel", (3, 3))], user)
    assert outcome.mapping.unmapped_torch == ["fc.weight"]
    assert "which MindSpore does not have" in outcome.shape_conflicts[0]


@pytest.mark.parametrize("bad", [{"a": 3}, {"pairs": ["a"]}, {"ignore_torch": "a"}, {"zero_torch": ["a"], "pair": {}}])
def test_malformed_user_maps_are_rejected(bad):
    with pytest.raises(ValueError, match="weight map"):
        UserWeightMap.from_data(bad)


@pytest.mark.parametrize(
    ("torch_shape", "ms_shape", "compatible"),
    [((4, 3, 5), (4, 3, 1, 5), True), ((3, 4), (4, 3), False), ((6,), (2, 3), False), ((1, 8), (8,), True)],
)
def test_shape_compatibility(torch_shape, ms_shape, compatible):
    assert shapes_compatible(torch_shape, ms_shape) is compatible
