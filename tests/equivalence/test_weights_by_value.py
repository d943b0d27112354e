"""Every weight mapping is proven by value: with every layer whose weights MindSpore names, shapes or orders
differently from torch, the port is equivalent; leave one of those tensors uncopied and the check diverges,
at that layer. (Before, BatchNorm's default values were equal on both sides, so a mapping that dropped
gamma, beta and the moving statistics went unnoticed: the check now redraws constant weights and sets the
statistics from the input, and this test shows each value arrives.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from msmigrate.equivalence.result import EquivalenceRequest, EquivalenceResult
from msmigrate.equivalence.runner import run_equivalence
from tests.equivalence.conftest import pair_file, requires_frameworks

pytestmark = [pytest.mark.oracle, requires_frameworks]

# (torch tensor, MindSpore parameter, the layer where the difference must start)
UNCOPIED = [
    ("bn.weight", "bn.gamma", "bn"),
    ("bn.bias", "bn.beta", "bn"),
    ("bn.running_mean", "bn.moving_mean", "bn"),
    ("bn.running_var", "bn.moving_variance", "bn"),
    ("group_norm.weight", "group_norm.gamma", "group_norm"),
    ("layer_norm.bias", "layer_norm.beta", "layer_norm"),
    ("prelu.weight", "prelu.w", "prelu"),
    ("embedding.weight", "embedding.embedding_table", "embedding"),
    ("conv1d.weight", "conv1d.weight", "conv1d"),
    ("lstm.weight_ih_l0", "lstm.weight_ih_l0", "lstm"),
    ("gru.bias_hh_l0", "gru.bias_hh_l0", "gru"),
    ("bn3d.weight", "bn3d.bn2d.gamma", "bn3d"),
    ("bn3d.running_var", "bn3d.bn2d.moving_variance", "bn3d"),
]


def check(weight_map: str | None = None) -> EquivalenceResult:
    return run_equivalence(
        EquivalenceRequest(
            pair_file("every_layer_torch.py"),
            "EveryLayer",
            pair_file("every_layer_mindspore.py"),
            "EveryLayer",
            weight_map=weight_map,
            modes=("pynative",),
            timeout_s=180,
        )
    )


def test_every_mapped_layer_is_equivalent():
    result = check()
    assert result.status == "equivalent", result.summary
    assert not result.weight_mapping.unmapped_torch and not result.weight_mapping.unmapped_mindspore
    assert any("BatchNorm running statistics of 2 layer(s)" in note for note in result.notes)


@pytest.mark.parametrize(("torch_name", "mindspore_name", "layer"), UNCOPIED, ids=[row[1] for row in UNCOPIED])
def test_a_tensor_left_uncopied_makes_its_layer_diverge(tmp_path: Path, torch_name, mindspore_name, layer):
    weight_map = tmp_path / "map.json"
    weight_map.write_text(json.dumps({"ignore_torch": [torch_name], "ignore_mindspore": [mindspore_name]}))
    result = check(str(weight_map))
    assert result.status == "divergent", result.summary
    assert result.first_divergence.torch_path == layer, result.summary
