"""Pairing sub-modules whose names and structure differ (pure: calls in, pairs out)."""

from __future__ import annotations

from msmigrate.equivalence.layers import LayerCall, pair_layer_calls


def call(path, kind, weights=(), shape=(1, 4), number=1):
    return LayerCall(path, number, kind, frozenset(weights), (tuple(shape),))


def pairs(torch_calls, mindspore_calls):
    return [
        (torch_calls[p.torch_index].path, mindspore_calls[p.mindspore_index].path, p.paired_by)
        for p in pair_layer_calls(torch_calls, mindspore_calls)
    ]


def test_modules_owning_the_same_mapped_weights_pair_whatever_their_names():
    torch_calls = [
        call("conv1", "torch.nn.Conv2d", {"conv1.weight"}),
        call("fc", "torch.nn.Linear", {"classifier.weight"}),
    ]
    mindspore_calls = [
        call("conv1", "torch.nn.Conv2d", {"conv1.weight"}),
        call("classifier", "torch.nn.Linear", {"classifier.weight"}),
    ]
    assert pairs(torch_calls, mindspore_calls) == [("conv1", "conv1", "weights"), ("fc", "classifier", "weights")]


def test_parameter_free_layers_pair_by_kind_in_order_between_anchors():
    """ResNet's stem: torchvision's `maxpool` is mindcv's `max_pool`; a shared ReLU runs twice on both sides."""
    torch_calls = [
        call("conv1", "torch.nn.Conv2d", {"conv1.weight"}),
        call("bn1", "torch.nn.BatchNorm2d", {"bn1.gamma"}),
        call("relu", "torch.nn.ReLU"),
        call("maxpool", "torch.nn.MaxPool2d", shape=(1, 4, 16, 16)),
        call("layer1.0.conv1", "torch.nn.Conv2d", {"layer1.0.conv1.weight"}),
        call("relu", "torch.nn.ReLU", number=2),
    ]
    mindspore_calls = [
        call("conv1", "torch.nn.Conv2d", {"conv1.weight"}),
        call("bn1", "torch.nn.BatchNorm2d", {"bn1.gamma"}),
        call("relu", "torch.nn.ReLU"),
        call("max_pool", "torch.nn.MaxPool2d", shape=(1, 4, 16, 16)),
        call("layer1.0.conv1", "torch.nn.Conv2d", {"layer1.0.conv1.weight"}),
        call("relu", "torch.nn.ReLU", number=2),
    ]
    found = pairs(torch_calls, mindspore_calls)
    assert ("maxpool", "max_pool", "order") in found
    assert ("relu", "relu", "path") in found
    assert len(found) == 6


def test_a_lone_layer_of_a_kind_pairs_even_when_its_output_shape_differs():
    """SqueezeNet's ceil-mode pooling: the pair must exist so that the shape difference is shown there."""
    torch_calls = [
        call("features.5", "class:Fire", {"f5"}),
        call("features.6", "torch.nn.MaxPool2d", shape=(2, 256, 7, 7)),
        call("features.7", "class:Fire", {"f7"}),
    ]
    mindspore_calls = [
        call("features.5", "class:Fire", {"f5"}),
        call("features.6", "torch.nn.MaxPool2d", shape=(2, 256, 6, 6)),
        call("features.7", "class:Fire", {"f7"}),
    ]
    assert ("features.6", "features.6", "path") in pairs(torch_calls, mindspore_calls)


def test_unequal_counts_of_a_kind_pair_only_where_shapes_agree():
    torch_calls = [
        call("drop_a", "torch.nn.Dropout", shape=(2, 5, 8)),
        call("drop_b", "torch.nn.Dropout", shape=(2, 5, 16)),
    ]
    mindspore_calls = [
        call("attn_drop", "torch.nn.Dropout", shape=(2, 2, 5, 5)),
        call("mlp_drop", "torch.nn.Dropout", shape=(2, 5, 16)),
    ]
    mindspore_calls.append(call("proj_drop", "torch.nn.Dropout", shape=(2, 5, 8)))
    assert sorted(pairs(torch_calls, mindspore_calls)) == [("drop_b", "mlp_drop", "order")]


def test_layers_of_different_kinds_never_pair():
    torch_calls = [call("act", "torch.nn.GELU")]
    mindspore_calls = [call("act", "torch.nn.ReLU")]
    assert pairs(torch_calls, mindspore_calls) == []


def test_a_wrapper_one_side_lacks_does_not_shift_the_anchors():
    """torchvision's `heads` Sequential around `heads.head`; the port has `head` alone."""
    torch_calls = [
        call("encoder.ln", "torch.nn.LayerNorm", {"norm.gamma"}),
        call("heads.head", "torch.nn.Linear", {"head.weight"}),
        call("heads", "torch.nn.Sequential", {"head.weight"}),
    ]
    mindspore_calls = [
        call("norm", "torch.nn.LayerNorm", {"norm.gamma"}),
        call("head", "torch.nn.Linear", {"head.weight"}),
    ]
    assert pairs(torch_calls, mindspore_calls) == [("encoder.ln", "norm", "weights"), ("heads.head", "head", "weights")]
