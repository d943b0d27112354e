"""From comparisons to verdicts (pure): gradients moved by ReLU decisions that rounding tipped."""

from __future__ import annotations

from msmigrate.equivalence.result import Check, LayerComparison, TensorComparison
from msmigrate.equivalence.verdicts import allow_tipped_decisions


def tensor(name: str, outcome: str, rel: float, cosine: float = 0.99999) -> TensorComparison:
    return TensorComparison(name, name, name, outcome, rel, rel, cosine, 0.5, rel, 1e-7, 1e-5)


def layer(path: str, tipped: int, outcome: str = "close", phase: str = "train_forward") -> LayerComparison:
    return LayerComparison(phase, "pynative", path, path, "ReLU", "ReLU", "path", outcome, tipped=tipped)


def gradients(*tensors: TensorComparison) -> Check:
    return Check("parameter_gradients", "pynative", None, list(tensors))


def test_gradients_moved_by_a_tipped_relu_are_noise_up_to_the_allowance():
    checks = [gradients(tensor("conv1.weight", "differs", 4e-3), tensor("fc.weight", "differs", 0.05))]
    layers = [layer("relu1", 0), layer("relu2", 1)]
    judged, note = allow_tipped_decisions(checks, layers)
    outcomes = {t.name: t.outcome for t in judged[0].tensors}
    assert outcomes == {"conv1.weight": "noise", "fc.weight": "differs"}
    assert "tipped 1 ReLU decision(s)" in note and "at relu2" in note and "1 gradient tensor(s)" in note


def test_without_a_tipped_relu_or_beyond_the_allowance_gradients_still_differ():
    checks = [gradients(tensor("conv1.weight", "differs", 4e-3))]
    assert allow_tipped_decisions(checks, [layer("relu2", 0)]) == (checks, None)
    large = [gradients(tensor("conv1.weight", "differs", 0.2))]
    assert allow_tipped_decisions(large, [layer("relu2", 1)])[0][0].tensors[0].outcome == "differs"
    turned = [gradients(tensor("conv1.weight", "differs", 4e-3, cosine=0.9))]
    assert allow_tipped_decisions(turned, [layer("relu2", 1)])[0][0].tensors[0].outcome == "differs"


def test_a_leaf_layer_or_forward_check_that_differs_rules_the_allowance_out():
    checks = [gradients(tensor("conv1.weight", "differs", 4e-3))]
    layers = [layer("relu2", 1), layer("conv2", 0, outcome="differs", phase="eval_forward")]
    assert allow_tipped_decisions(checks, layers)[0][0].tensors[0].outcome == "differs"
    forward = Check("eval_forward", "pynative", None, [tensor("output[0]", "differs", 0.1)])
    assert allow_tipped_decisions([forward, *checks], [layer("relu2", 1)])[0][1].tensors[0].outcome == "differs"


def test_a_container_that_differs_by_its_boundary_alone_does_not_rule_it_out():
    """mindcv's `features` ends with the last ReLU; torchvision applies it as a function after `features`."""
    checks = [gradients(tensor("conv1.weight", "differs", 4e-3))]
    layers = [layer("features.relu1", 1), layer("features", 0, outcome="differs")]
    assert allow_tipped_decisions(checks, layers)[0][0].tensors[0].outcome == "noise"
