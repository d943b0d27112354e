"""From comparisons to verdicts (pure): gradients moved by ReLU decisions that rounding tipped."""

from __future__ import annotations

from msmigrate.equivalence.result import Check, LayerComparison, TensorComparison
from msmigrate.equivalence.verdicts import allow_tipped_decisions

ORDER = {"conv1": 0, "relu1": 1, "conv2": 2, "relu2": 3, "fc": 4}


def tensor(name: str, outcome: str, rel: float, cosine: float = 0.99999) -> TensorComparison:
    return TensorComparison(name, name, name, outcome, rel, rel, cosine, 0.5, rel, 1e-7, 1e-5)


def layer(path: str, tipped: int, outcome: str = "close", phase: str = "train_forward") -> LayerComparison:
    return LayerComparison(phase, "pynative", path, path, "ReLU", "ReLU", "path", outcome, tipped=tipped)


def gradients(*tensors: TensorComparison) -> Check:
    return Check("parameter_gradients", "pynative", None, list(tensors))


def test_gradients_behind_a_tipped_relu_are_noise_up_to_the_allowance():
    checks = [gradients(tensor("conv1.weight", "differs", 4e-3), tensor("fc.weight", "differs", 4e-3))]
    layers = [layer("relu1", 0), layer("relu2", 1)]
    judged, note = allow_tipped_decisions(checks, layers, ORDER)
    outcomes = {t.name: t.outcome for t in judged[0].tensors}
    # conv1 ran before the tipped ReLU: its gradient moved with it. fc ran after it: nothing explains it.
    assert outcomes == {"conv1.weight": "noise", "fc.weight": "differs"}
    assert "relu2 (1)" in note and "1 gradient tensor(s)" in note


def test_without_a_tipped_relu_or_beyond_the_allowance_gradients_still_differ():
    checks = [gradients(tensor("conv1.weight", "differs", 4e-3))]
    assert allow_tipped_decisions(checks, [layer("relu2", 0)], ORDER) == (checks, None)
    large = [gradients(tensor("conv1.weight", "differs", 0.2))]
    assert allow_tipped_decisions(large, [layer("relu2", 1)], ORDER)[0][0].tensors[0].outcome == "differs"
    turned = [gradients(tensor("conv1.weight", "differs", 4e-3, cosine=0.9))]
    assert allow_tipped_decisions(turned, [layer("relu2", 1)], ORDER)[0][0].tensors[0].outcome == "differs"


def test_a_layer_whose_output_differs_rules_the_allowance_out():
    checks = [gradients(tensor("conv1.weight", "differs", 4e-3))]
    layers = [layer("relu2", 1), layer("conv2", 0, outcome="differs", phase="eval_forward")]
    assert allow_tipped_decisions(checks, layers, ORDER)[0][0].tensors[0].outcome == "differs"
