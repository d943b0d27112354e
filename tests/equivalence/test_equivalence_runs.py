"""End to end on real torch and MindSpore (CPU): each pair runs once per module, in the worker subprocess."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from msmigrate.equivalence.result import EquivalenceRequest, EquivalenceResult, InputSpec, Progress
from msmigrate.equivalence.runner import run_equivalence
from tests.equivalence.conftest import line_of, pair_file, requires_frameworks

pytestmark = [pytest.mark.oracle, requires_frameworks]


def check(torch_name: str, torch_class: str, ms_name: str, ms_class: str, **options) -> EquivalenceResult:
    options.setdefault("timeout_s", 180)
    return run_equivalence(
        EquivalenceRequest(pair_file(torch_name), torch_class, pair_file(ms_name), ms_class, **options)
    )


def checks_by(result: EquivalenceResult) -> dict[tuple[str, str], object]:
    return {(entry.phase, entry.mode): entry for entry in result.checks}


# -- the seed example: MindSpore's default pad_mode="same" ------------------------------------------------


@pytest.fixture(scope="module")
def conv_default() -> EquivalenceResult:
    return check("conv_torch.py", "ConvNet", "conv_mindspore.py", "ConvNet")


@pytest.fixture(scope="module")
def conv_padded() -> EquivalenceResult:
    return check("conv_torch.py", "ConvNet", "conv_mindspore.py", "ConvNetPadded")


def test_default_pad_mode_diverges_at_the_conv(conv_default):
    assert conv_default.status == "divergent" and conv_default.equivalent is False
    divergence = conv_default.first_divergence
    assert divergence is not None
    assert (divergence.phase, divergence.mode) == ("eval_forward", "pynative")
    assert divergence.torch_path == divergence.mindspore_path == "conv"
    assert divergence.mindspore_line == line_of(
        "conv_mindspore.py", "self.conv = nn.Conv2d(3, 8, 3, stride=2, has_bias=True)"
    )
    assert divergence.mindspore_file == pair_file("conv_mindspore.py")
    assert divergence.torch_line == line_of("conv_torch.py", "self.conv = nn.Conv2d(")
    assert divergence.rel_error > 0.1  # a semantic difference, far from kernel noise
    assert any(d.hyperparameter == "padding" for d in conv_default.config_differences)
    assert "conv" in conv_default.summary
    # Both modes ran and diverge.
    assert {entry.mode for entry in conv_default.checks if not entry.agrees} == {"pynative", "graph"}


def test_pad_mode_pad_passes_at_about_1e6(conv_padded):
    assert conv_padded.status == "equivalent" and conv_padded.equivalent is True, conv_padded.summary
    phases = {(entry.phase, entry.mode) for entry in conv_padded.checks}
    for mode in ("pynative", "graph"):
        assert {
            ("eval_forward", mode),
            ("train_forward", mode),
            ("input_gradients", mode),
            ("parameter_gradients", mode),
            ("sgd_step", mode),
        } <= phases
    worst = max(tensor.max_abs for entry in conv_padded.checks for tensor in entry.tensors)
    assert worst < 1e-5
    assert conv_padded.first_divergence is None
    assert conv_padded.device == {"torch": "cpu", "mindspore": "CPU"}
    # example_inputs() in conv_torch.py decided the input.
    assert conv_padded.inputs == [InputSpec([2, 3, 8, 8], "float32")]


# -- a small ResNet, and the unconverted BatchNorm momentum ------------------------------------------------


@pytest.fixture(scope="module")
def resnet() -> EquivalenceResult:
    return check("resnet_torch.py", "SmallResNet", "resnet_mindspore.py", "SmallResNet")


@pytest.fixture(scope="module")
def resnet_momentum() -> EquivalenceResult:
    return check(
        "resnet_torch.py", "SmallResNet", "resnet_mindspore.py", "SmallResNet", mindspore_init_args={"bn_momentum": 0.1}
    )


def test_resnet_passes_forward_gradients_and_one_sgd_step(resnet):
    assert resnet.equivalent is True, resnet.summary
    passed = {key for key, entry in checks_by(resnet).items() if entry.agrees}
    for mode in ("pynative", "graph"):
        for phase in (
            "eval_forward",
            "train_forward",
            "input_gradients",
            "parameter_gradients",
            "running_stats",
            "sgd_step",
        ):
            assert (phase, mode) in passed
    gradients = checks_by(resnet)[("parameter_gradients", "pynative")]
    # Every trainable parameter's gradient is compared, paired through the mapping (BN weight -> gamma).
    assert {tensor.torch_name for tensor in gradients.tensors} >= {
        "stem.weight",
        "bn.weight",
        "layer1.1.bn2.bias",
        "fc.weight",
        "fc.bias",
    }
    assert any(t.mindspore_name == "bn.gamma" for t in gradients.tensors)
    mapping = resnet.weight_mapping
    assert mapping is not None
    assert not mapping.unmapped_torch and not mapping.unmapped_mindspore
    assert {pair.how for pair in mapping.pairs} == {"same_name", "batchnorm", "linear_dense"}
    # Layers were recorded in execution order, with lines in the MindSpore file.
    eval_layers = [layer for layer in resnet.layers if layer.phase == "eval_forward"]
    assert [layer.torch_path for layer in eval_layers[:3]] == ["stem", "bn", "relu"]
    block_bn = next(layer for layer in eval_layers if layer.mindspore_path == "layer1.0.bn1")
    assert block_bn.mindspore_line == line_of("resnet_mindspore.py", "self.bn1 = nn.BatchNorm2d(")
    assert block_bn.torch_line == line_of("resnet_torch.py", "self.bn1 = nn.BatchNorm2d(")
    assert not resnet.config_differences


def test_unconverted_momentum_passes_eval_then_fails_after_the_step_at_the_bn(resnet_momentum):
    result = resnet_momentum
    assert result.status == "divergent"
    by = checks_by(result)
    for mode in ("pynative", "graph"):
        assert by[("eval_forward", mode)].agrees
        assert by[("train_forward", mode)].agrees
        assert by[("parameter_gradients", mode)].agrees
        assert not by[("running_stats", mode)].agrees
        assert not by[("sgd_step", mode)].agrees
    divergence = result.first_divergence
    assert divergence.phase == "running_stats"
    assert divergence.mindspore_path == "bn"
    assert divergence.mindspore_line == line_of("resnet_mindspore.py", "self.bn = nn.BatchNorm2d(")
    # The configuration diff says why, at every BatchNorm.
    momenta = [d for d in result.config_differences if d.hyperparameter == "momentum"]
    assert {(d.torch_value, d.mindspore_value) for d in momenta} == {("0.1", "0.9")}
    assert "bn" in {d.mindspore_path for d in momenta}


# -- LSTM: gate layout, and an epsilon default that is not noise -------------------------------------------


@pytest.fixture(scope="module")
def lstm() -> EquivalenceResult:
    return check("lstm_torch.py", "Tagger", "lstm_mindspore.py", "Tagger")


def test_lstm_passes_after_the_gate_layout_mapping(lstm):
    assert lstm.status == "equivalent", lstm.summary
    hows = {pair.torch: pair.how for pair in lstm.weight_mapping.pairs}
    assert hows["lstm.weight_ih_l0"] == hows["lstm.bias_hh_l1_reverse"] == "rnn_gates"
    assert hows["embedding.weight"] == "embedding" and hows["norm.weight"] == "layernorm"
    # Integer token inputs from example_inputs(): no input gradient, parameter gradients for all 19 tensors.
    by = checks_by(lstm)
    assert ("input_gradients", "pynative") not in by
    assert len(by[("parameter_gradients", "graph")].tensors) == len(lstm.weight_mapping.pairs)


def test_layernorm_epsilon_default_is_a_semantic_difference_not_noise():
    result = check(
        "lstm_torch.py",
        "Tagger",
        "lstm_mindspore.py",
        "Tagger",
        mindspore_init_args={"norm_epsilon": 1e-7},
        modes=("pynative",),
    )
    assert result.status == "divergent", result.summary
    divergence = result.first_divergence
    assert divergence.mindspore_path == "norm" and divergence.phase == "eval_forward"
    # Small (about 6e-4 relative) but far beyond torch's own float32 rounding error.
    layer = next(layer for layer in result.layers if layer.mindspore_path == "norm")
    assert layer.rel_error < 1e-2
    assert layer.rel_error > 100 * layer.reference_error
    assert [(d.hyperparameter, d.torch_value, d.mindspore_value) for d in result.config_differences] == [
        ("eps", "1e-05", "1e-07")
    ]


# -- weights that do not pair, and user code that misbehaves -----------------------------------------------


def test_unmapped_weights_are_refused():
    result = check("conv_torch.py", "ConvNetNoBias", "conv_mindspore.py", "ConvNetNoBias")
    assert result.equivalent is None and result.error.kind == "unmapped_weights"
    assert "conv.bias" in result.error.message and "--weight-map" in result.error.message
    # What could be paired is still reported.
    assert result.weight_mapping.unmapped_torch == ["conv.bias"]
    assert [pair.torch for pair in result.weight_mapping.pairs] == ["conv.weight"]


def test_a_cell_that_does_not_compile_in_graph_mode_is_a_divergence_not_a_failed_run():
    result = check("broken_torch.py", "Net", "broken_mindspore.py", "GraphOnlyFailure", inputs=[InputSpec([2, 4])])
    assert result.status == "divergent" and result.error is None
    by = checks_by(result)
    assert all(entry.agrees for (_, mode), entry in by.items() if mode == "pynative")
    graph = by[("eval_forward", "graph")]
    assert not graph.agrees and graph.error.startswith("GRAPH_MODE: GraphOnlyFailure (eval) raised ")
    divergence = result.first_divergence
    assert (divergence.phase, divergence.mode, divergence.mindspore_path) == ("eval_forward", "graph", "")
    assert divergence.mindspore_line == line_of("broken_mindspore.py", "class GraphOnlyFailure")


def test_user_code_that_raises():
    result = check("broken_torch.py", "Net", "broken_mindspore.py", "Raising", inputs=[InputSpec([2, 4])])
    assert result.error.kind == "user_code_raised" and result.equivalent is None
    assert result.error.message == (
        "Raising (eval) raised ValueError: this port is not finished "
        f"(at broken_mindspore.py:{line_of('broken_mindspore.py', 'raise ValueError')})"
    )
    assert "Traceback" in result.error.details


def test_user_code_that_exits_the_process():
    result = check("broken_torch.py", "Net", "broken_mindspore.py", "Exiting", inputs=[InputSpec([2, 4])])
    assert result.error.kind == "crashed"
    assert "exited with status 3" in result.error.message and "os._exit()" in result.error.message
    assert "Exiting" in result.error.message  # the last step the worker reported


def test_user_code_that_hangs_is_killed_at_the_timeout():
    started = time.monotonic()
    result = check("broken_torch.py", "Net", "broken_mindspore.py", "Hanging", inputs=[InputSpec([2, 4])], timeout_s=10)
    assert result.error.kind == "timeout"
    assert result.error.message.startswith("timed out after 10 s while ")
    assert time.monotonic() - started < 25


def test_an_interpreter_without_the_frameworks_is_an_import_error(tmp_path):
    environment = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(environment)], check=True, timeout=120)
    interpreter = environment / "bin" / "python"
    result = check("conv_torch.py", "ConvNet", "conv_mindspore.py", "ConvNet", interpreter=str(interpreter))
    assert result.error.kind == "import_error" and result.equivalent is None
    assert result.error.message == (
        f"{interpreter} cannot import numpy: install msmigrate[equiv] there or choose another interpreter"
    )


def test_cancel_kills_the_worker():
    cancel = threading.Event()
    messages: list[str] = []

    def on_progress(progress: Progress) -> None:
        messages.append(progress.message)
        cancel.set()

    started = time.monotonic()
    result = run_equivalence(
        EquivalenceRequest(
            pair_file("resnet_torch.py"), "SmallResNet", pair_file("resnet_mindspore.py"), "SmallResNet"
        ),
        on_progress,
        cancel,
    )
    assert result.error.kind == "cancelled" and result.equivalent is None
    assert messages[0] == "importing torch and mindspore"
    assert time.monotonic() - started < 15


# -- comparisons that would prove nothing, and stochastic depth ------------------------------------------


def test_a_zero_initialised_head_is_redrawn_and_stochastic_depth_switched_off():
    result = check("head_torch.py", "ZeroHeadNet", "head_mindspore.py", "ZeroHeadNet")
    assert result.status == "equivalent", result.summary
    assert any("zero-initialised layer(s) redrawn" in note and "head" in note for note in result.notes)
    assert any("switched off 1 torch and 2 MindSpore stochastic layer(s)" in note for note in result.notes)
    by = checks_by(result)
    assert by[("train_forward", "graph")].agrees and by[("parameter_gradients", "graph")].agrees


def test_as_initialised_a_zero_head_makes_the_check_inconclusive():
    result = check(
        "head_torch.py", "ZeroHeadNet", "head_mindspore.py", "ZeroHeadNet", reinitialise=False, modes=("pynative",)
    )
    assert result.status == "inconclusive" and result.equivalent is None, result.summary
    assert "all outputs are zero in torch" in result.summary
