"""The layer rules MSA001-MSA006 (Dropout, BatchNorm, Conv) and their fixes, in the four call styles."""

from __future__ import annotations

import ast
from textwrap import dedent

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Finding, FixOffer, FixSafety, Severity
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.rules.api_difference._layers import (
    format_number,
    legacy_counterpart,
    transformed_text,
    transformed_value,
)
from msmigrate.rules.api_difference.batchnorm_frozen_statistics import BatchNormFrozenStatistics
from msmigrate.rules.api_difference.batchnorm_momentum_as_torch import BatchNormMomentumAsTorch
from msmigrate.rules.api_difference.conv_defaults_differ_from_torch import ConvDefaultsDifferFromTorch
from msmigrate.rules.api_difference.conv_padding_without_pad_mode import ConvPaddingWithoutPadMode
from msmigrate.rules.api_difference.dropout_keep_prob_as_rate import DropoutKeepProbAsRate
from msmigrate.rules.api_difference.torch_keyword_on_layer import TorchKeywordOnLayer
from msmigrate.rules.api_difference.training_without_set_train import TrainingWithoutSetTrain
from msmigrate.rules.base import Rule

HEADER = "import mindspore as ms\nfrom mindspore import mint, nn, ops\n\n"


def findings_of(rule: type[Rule], body: str) -> list[Finding]:
    result = Engine(rules=(rule,)).analyze(HEADER + dedent(body))
    assert result.syntax_problem is None
    assert not result.rule_failures, result.rule_failures
    return result.findings


def only_finding(rule: type[Rule], body: str) -> Finding:
    found = findings_of(rule, body)
    assert len(found) == 1, found
    return found[0]


def offer(finding: Finding, safety: FixSafety, fix_id: str | None = None) -> FixOffer:
    matching = [o for o in finding.fixes if o.safety is safety and (fix_id is None or o.fix_id == fix_id)]
    assert len(matching) == 1, finding.fixes
    return matching[0]


def fixed_line(rule: type[Rule], line: str, safety: FixSafety, fix_id: str | None = None) -> str:
    """`line` (a statement) after applying the rule's one fix of that safety (and id)."""
    text = HEADER + line + "\n"
    (finding,) = Engine(rules=(rule,)).analyze(text).findings
    fixed = apply_edits(text, compute_edits(text, finding, offer(finding, safety, fix_id)))
    ast.parse(fixed)
    return fixed.removeprefix(HEADER).rstrip("\n")


# -- MSA001 Dropout keep_prob ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        "nn.Dropout(0.2)",
        "nn.Dropout(keep_prob=0.2)",
        "nn.Dropout(dtype=ms.float32, keep_prob=0.2)",
        "nn.Dropout(0.2, dtype=ms.float32)",
    ],
    ids=["positional", "keyword", "reordered", "mixed"],
)
def test_dropout_keeping_under_half_is_a_warning_in_every_call_style(call: str) -> None:
    finding = only_finding(DropoutKeepProbAsRate, f"layer = {call}\n")
    assert finding.code == "MSA001" and finding.severity is Severity.WARNING
    assert "keeps 20 % of the activations and drops 80 %" in finding.message
    assert "write `p=0.2`" in finding.message
    assert finding.doc_url == legacy_counterpart("mindspore.nn.Dropout").diff_page  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "call",
    [
        "nn.Dropout()",
        "nn.Dropout(p=0.2)",
        "nn.Dropout(0.5, p=0.2)",
        "mint.nn.Dropout(0.2)",
        "nn.Dropout2d(0.2)",
        "ops.dropout(x, 0.2)",
        "nn.Dropout(*rates)",
        "nn.Dropout(**options)",
    ],
)
def test_dropout_without_keep_prob_or_with_torch_semantics_is_clean(call: str) -> None:
    assert findings_of(DropoutKeepProbAsRate, f"layer = {call}\n") == []


def test_dropout_of_a_name_that_may_be_torch_is_not_flagged() -> None:
    body = """\
    try:
        from torch import nn as layers
    except ImportError:
        from mindspore import nn as layers
    drop = layers.Dropout(0.2)
    """
    assert findings_of(DropoutKeepProbAsRate, body) == []


@pytest.mark.parametrize(
    ("call", "severity"),
    [
        ("nn.Dropout(0.8)", Severity.INFORMATION),
        ("nn.Dropout(keep_prob=0.8)", Severity.HINT),
        ("nn.Dropout(config.dropout)", Severity.WARNING),
        ("nn.Dropout(keep_prob=config.drop_rate)", Severity.WARNING),
        ("nn.Dropout(config.keep_prob)", Severity.HINT),
        ("nn.Dropout(keep_prob=1 - rate)", Severity.HINT),
        ("nn.Dropout(config.width)", Severity.INFORMATION),
    ],
)
def test_dropout_severity_follows_how_likely_a_torch_rate_is(call: str, severity: Severity) -> None:
    assert only_finding(DropoutKeepProbAsRate, f"layer = {call}\n").severity is severity


def test_dropout_reads_module_constants_and_parameter_defaults() -> None:
    body = """\
    RATE = 0.3

    class Net(nn.Cell):
        def __init__(self, keep=0.9, p=0.1):
            super().__init__()
            self.constant = nn.Dropout(RATE)
            self.keep = nn.Dropout(keep)
            self.p = nn.Dropout(p)
    """
    constant, keep, p = findings_of(DropoutKeepProbAsRate, body)
    assert (constant.severity, keep.severity, p.severity) == (Severity.WARNING, Severity.HINT, Severity.WARNING)
    assert "(`RATE` is 0.3) keeps 30 %" in constant.message
    assert "(the default of `p` is 0.1) keeps 10 %" in p.message


def test_dropout_parameter_rebound_in_the_function_is_not_read_from_its_default() -> None:
    body = """\
    def build(p=0.1):
        p = 1 - p
        return nn.Dropout(p)
    """
    assert only_finding(DropoutKeepProbAsRate, body).severity is Severity.WARNING  # by its name only
    assert "reads as a drop rate" in only_finding(DropoutKeepProbAsRate, body).message


@pytest.mark.parametrize(
    ("line", "safety", "expected"),
    [
        ("layer = nn.Dropout(0.2)", FixSafety.UNSAFE, "layer = nn.Dropout(p=0.2)"),
        ("layer = nn.Dropout(keep_prob=0.2)", FixSafety.UNSAFE, "layer = nn.Dropout(p=0.2)"),
        (
            "layer = nn.Dropout(dtype=ms.float32, keep_prob=0.2)",
            FixSafety.UNSAFE,
            "layer = nn.Dropout(dtype=ms.float32, p=0.2)",
        ),
        ("layer = nn.Dropout(keep_prob=0.9)", FixSafety.SAFE, "layer = nn.Dropout(p=0.1)"),
        ("layer = nn.Dropout(keep_prob=1 - rate)", FixSafety.SAFE, "layer = nn.Dropout(p=rate)"),
        ("layer = nn.Dropout(keep_prob=0.7)", FixSafety.SAFE, "layer = nn.Dropout(p=0.3)"),
    ],
)
def test_dropout_fixes(line: str, safety: FixSafety, expected: str) -> None:
    assert fixed_line(DropoutKeepProbAsRate, line, safety, "dropout-keep-prob-to-p") == expected


def test_dropout_information_offers_both_meanings_and_mint_as_unsafe() -> None:
    finding = only_finding(DropoutKeepProbAsRate, "layer = nn.Dropout(0.8)\n")
    titles = [(o.safety, o.title) for o in finding.fixes]
    assert titles == [
        (FixSafety.UNSAFE, "Use `p=0.8` (PyTorch's `Dropout(0.8)`: drop 80 %)"),
        (FixSafety.UNSAFE, "Use `p=0.2` (the same dropout without the deprecated `keep_prob`)"),
        (FixSafety.UNSAFE, "Switch to `mint.nn.Dropout` (mint.nn.Dropout has no CPU kernel in MindSpore 2.10)"),
    ]


def test_dropout_warning_never_offers_to_keep_the_suspect_meaning() -> None:
    finding = only_finding(DropoutKeepProbAsRate, "layer = nn.Dropout(0.2)\n")
    assert all(o.safety is FixSafety.UNSAFE for o in finding.fixes)
    assert not any(("meaning", "mindspore") in o.params for o in finding.fixes)
    assert fixed_line(DropoutKeepProbAsRate, "layer = nn.Dropout(0.2)", FixSafety.UNSAFE, "switch-to-mint") == (
        "layer = mint.nn.Dropout(0.2)"
    )


# -- MSA002 training without set_train -------------------------------------------------------------------

TRAINING_FILE = """\
class Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(4)
        self.drop = nn.Dropout(p=0.5)

    def construct(self, x):
        return self.drop(self.bn(x))


def train(net, optimizer, data, label):
    grad_fn = ms.value_and_grad(lambda x, y: (net(x) - y).sum(), None, optimizer.parameters)
    _, grads = grad_fn(data, label)
    optimizer(grads)
"""


def test_training_without_set_train_warns_at_the_training_call_and_names_the_layers() -> None:
    finding = only_finding(TrainingWithoutSetTrain, TRAINING_FILE)
    assert finding.severity is Severity.WARNING
    assert finding.span.line == len(HEADER.splitlines()) + 12
    assert "`nn.BatchNorm2d` (line 7), `nn.Dropout` (line 8)" in finding.message
    assert finding.fixes == ()


@pytest.mark.parametrize(
    "extra",
    [
        "net = Net()\nnet.set_train()\n",
        "def main(net):\n    net.set_train(mode=True)\n",
        "def main(net, flag):\n    net.set_train(flag)\n",
        "model = ms.Model(Net(), nn.MSELoss(), nn.SGD([], 0.1))\n",
        "from mindspore import train\ntrainer = train.Model(Net())\ntrainer.train(1, [])\n",
    ],
    ids=["set_train()", "mode=True", "computed mode", "ms.Model", "train.Model"],
)
def test_a_file_that_sets_training_mode_anywhere_is_clean(extra: str) -> None:
    assert findings_of(TrainingWithoutSetTrain, TRAINING_FILE + extra) == []


@pytest.mark.parametrize(
    "extra",
    [
        "def evaluate(net):\n    net.set_train(False)\n",
        "def evaluate(net):\n    net.set_train(mode=False)  # not net.set_train()\n",
        "# remember: net.set_train() before training\n",
        "class Model:\n    pass\n\nmodel = Model()\n",
    ],
    ids=["set_train(False)", "mode=False and a comment", "comment only", "a local Model class"],
)
def test_turning_training_off_or_mentioning_it_in_comments_does_not_count(extra: str) -> None:
    assert only_finding(TrainingWithoutSetTrain, TRAINING_FILE + extra).severity is Severity.WARNING


@pytest.mark.parametrize(
    "call",
    [
        "ms.grad(net)(x)",
        "ops.value_and_grad(net)(x)",
        "ops.GradOperation()(net)(x)",
        "nn.TrainOneStepCell(net, optimizer)(x, y)",
        "nn.TrainOneStepWithLossScaleCell(net, optimizer, scale_sense=scale)(x, y)",
    ],
)
def test_every_training_call_counts_and_without_layers_it_is_information(call: str) -> None:
    finding = only_finding(TrainingWithoutSetTrain, f"def step(net, optimizer, x, y, scale):\n    return {call}\n")
    assert finding.severity is Severity.INFORMATION
    assert "unless the network is switched elsewhere" in finding.message


def test_only_the_first_training_call_is_reported() -> None:
    body = "def a(net, x):\n    return ms.grad(net)(x)\n\n\ndef b(net, x):\n    return ms.grad(net)(x)\n"
    assert len(findings_of(TrainingWithoutSetTrain, body)) == 1


# -- MSA003 BatchNorm momentum ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        "nn.BatchNorm2d(64, 1e-5, 0.1)",
        "nn.BatchNorm2d(num_features=64, eps=1e-5, momentum=0.1)",
        "nn.BatchNorm2d(momentum=0.1, num_features=64)",
        "nn.BatchNorm2d(64, momentum=0.1)",
    ],
    ids=["positional", "keyword", "reordered", "mixed"],
)
def test_batchnorm_torch_momentum_in_every_call_style(call: str) -> None:
    finding = only_finding(BatchNormMomentumAsTorch, f"bn = {call}\n")
    assert finding.code == "MSA003" and finding.severity is Severity.WARNING
    assert "weights the moving statistics by 0.1 and each batch by 0.9" in finding.message
    assert "PyTorch's `momentum=0.1` is MindSpore's `momentum=0.9`" in finding.message
    fix = offer(finding, FixSafety.UNSAFE, "set-argument-value")
    assert fix.title == "Use `momentum=0.9` (PyTorch's momentum=0.1)"


@pytest.mark.parametrize(
    "call",
    [
        "nn.BatchNorm2d(64)",
        "nn.BatchNorm2d(64, momentum=0.9)",
        "nn.BatchNorm2d(64, momentum=0.5)",
        "nn.BatchNorm1d(64, 1e-5, 0.99)",
        "mint.nn.BatchNorm2d(64, momentum=0.1)",
        "nn.BatchNorm2d(64, momentum=config.momentum)",
        "nn.BatchNorm2d(64, **options)",
    ],
)
def test_batchnorm_mindspore_momentum_or_unknown_value_is_clean(call: str) -> None:
    assert findings_of(BatchNormMomentumAsTorch, f"bn = {call}\n") == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("bn = nn.BatchNorm2d(64, 1e-5, 0.1)", "bn = nn.BatchNorm2d(64, 1e-5, 0.9)"),
        ("bn = nn.BatchNorm3d(momentum=0.01, num_features=64)", "bn = nn.BatchNorm3d(momentum=0.99, num_features=64)"),
        ("bn = nn.BatchNorm1d(64, momentum=0.3)", "bn = nn.BatchNorm1d(64, momentum=0.7)"),
        ("bn = nn.SyncBatchNorm(64, momentum=0.1)", "bn = nn.SyncBatchNorm(64, momentum=0.9)"),
    ],
)
def test_batchnorm_momentum_fix_writes_one_minus_m(line: str, expected: str) -> None:
    assert fixed_line(BatchNormMomentumAsTorch, line, FixSafety.UNSAFE, "set-argument-value") == expected


def test_batchnorm_momentum_from_a_parameter_default_is_fixed_as_one_minus_the_name() -> None:
    body = """\
    class Block(nn.Cell):
        def __init__(self, bn_momentum=0.1):
            self.bn = nn.BatchNorm2d(8, momentum=bn_momentum)
    """
    finding = only_finding(BatchNormMomentumAsTorch, body)
    assert "(the default of `bn_momentum` is 0.1)" in finding.message
    assert offer(finding, FixSafety.UNSAFE, "set-argument-value").param_dict()["value"] == "1 - bn_momentum"


def test_batchnorm_switch_to_mint_only_when_the_arguments_fit_mint() -> None:
    fits = only_finding(BatchNormMomentumAsTorch, "bn = nn.BatchNorm2d(64, momentum=0.1)\n")
    assert offer(fits, FixSafety.UNSAFE, "switch-to-mint").param_dict() == {"target": "mindspore.mint.nn.BatchNorm2d"}
    body = "bn = nn.BatchNorm2d(64, momentum=0.1, use_batch_statistics=None)\n"
    assert [o.fix_id for o in only_finding(BatchNormMomentumAsTorch, body).fixes] == ["set-argument-value"]


# -- MSA004 use_batch_statistics=False ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        "nn.BatchNorm2d(8, 1e-5, 0.9, True, 'ones', 'zeros', 'zeros', 'ones', False)",
        "nn.BatchNorm2d(num_features=8, use_batch_statistics=False)",
        "nn.BatchNorm2d(use_batch_statistics=False, num_features=8)",
        "nn.BatchNorm2d(8, use_batch_statistics=False)",
    ],
    ids=["positional", "keyword", "reordered", "mixed"],
)
def test_frozen_batchnorm_is_information_with_the_torch_mapping(call: str) -> None:
    finding = only_finding(BatchNormFrozenStatistics, f"bn = {call}\n")
    assert finding.severity is Severity.INFORMATION
    assert "PyTorch's `track_running_stats=False` (batch statistics always) is `use_batch_statistics=True`" in (
        finding.message
    )
    fix = offer(finding, FixSafety.UNSAFE, "set-argument-value")
    assert fix.param_dict()["value"] == "True"


@pytest.mark.parametrize(
    "call",
    [
        "nn.BatchNorm2d(8)",
        "nn.BatchNorm2d(8, use_batch_statistics=True)",
        "nn.BatchNorm2d(8, use_batch_statistics=None)",
    ],
)
def test_batchnorm_following_the_mode_or_always_batch_statistics_is_clean(call: str) -> None:
    assert findings_of(BatchNormFrozenStatistics, f"bn = {call}\n") == []


def test_frozen_batchnorm_fix_keeps_a_positional_argument_positional() -> None:
    line = "bn = nn.BatchNorm1d(8, 1e-5, 0.9, True, 'ones', 'zeros', 'zeros', 'ones', False)"
    assert fixed_line(BatchNormFrozenStatistics, line, FixSafety.UNSAFE) == line.replace("False)", "True)")


# -- MSA005 conv padding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        "nn.Conv2d(3, 8, 3, 1, 'same', 1)",
        "nn.Conv2d(in_channels=3, out_channels=8, kernel_size=3, padding=1)",
        "nn.Conv2d(padding=1, kernel_size=3, out_channels=8, in_channels=3)",
        "nn.Conv2d(3, 8, 3, padding=1)",
    ],
    ids=["positional", "keyword", "reordered", "pad_mode-left-to-default"],
)
def test_conv_padding_without_pad_mode_is_an_error_in_every_call_style(call: str) -> None:
    finding = only_finding(ConvPaddingWithoutPadMode, f"conv = {call}\n")
    assert finding.severity is Severity.ERROR
    assert "raises ValueError at construction" in finding.message
    assert "`pad_mode` is 'same'" in finding.message
    assert offer(finding, FixSafety.SAFE).title == 'Add `pad_mode="pad"`'


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("conv = nn.Conv2d(3, 8, 3, padding=1)", 'conv = nn.Conv2d(3, 8, 3, padding=1, pad_mode="pad")'),
        ("conv = nn.Conv2d(3, 8, 3, 1, 'same', 1)", 'conv = nn.Conv2d(3, 8, 3, 1, "pad", 1)'),
        (
            "conv = nn.Conv1d(3, 8, 3, pad_mode='valid', padding=2)",
            'conv = nn.Conv1d(3, 8, 3, pad_mode="pad", padding=2)',
        ),
        (
            "conv = nn.Conv2d(3, 8, 3, pad_mode='pad', padding=(1, 2))",
            "conv = nn.Conv2d(3, 8, 3, pad_mode='pad', padding=(1, 1, 2, 2))",
        ),
        (
            "conv = nn.Conv3d(3, 8, 3, padding=[1, 0, 2])",
            'conv = nn.Conv3d(3, 8, 3, padding=(1, 1, 0, 0, 2, 2), pad_mode="pad")',
        ),
        (
            "conv = nn.Conv1dTranspose(3, 8, 3, padding=(1,))",
            'conv = nn.Conv1dTranspose(3, 8, 3, padding=1, pad_mode="pad")',
        ),
        ("conv = nn.Conv2d(3, 8, 3, padding='same')", 'conv = nn.Conv2d(3, 8, 3, pad_mode="same")'),
        ("conv = nn.Conv2d(3, 8, 3, 1, 'pad', 'valid')", 'conv = nn.Conv2d(3, 8, 3, 1, "valid", 0)'),
    ],
)
def test_conv_padding_safe_fix(line: str, expected: str) -> None:
    assert fixed_line(ConvPaddingWithoutPadMode, line, FixSafety.SAFE) == expected


def test_conv_padding_unsafe_fix_also_adds_torch_bias() -> None:
    line = "conv = nn.Conv2d(3, 8, 3, padding=1)"
    assert fixed_line(ConvPaddingWithoutPadMode, line, FixSafety.UNSAFE) == (
        'conv = nn.Conv2d(3, 8, 3, padding=1, pad_mode="pad", has_bias=True)'
    )
    with_bias = only_finding(ConvPaddingWithoutPadMode, "conv = nn.Conv2d(3, 8, 3, padding=1, has_bias=False)\n")
    assert [o.safety for o in with_bias.fixes] == [FixSafety.SAFE]
    torch_bias = only_finding(ConvPaddingWithoutPadMode, "conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)\n")
    assert [o.safety for o in torch_bias.fixes] == [FixSafety.SAFE]


def test_conv_computed_padding_is_a_warning() -> None:
    finding = only_finding(ConvPaddingWithoutPadMode, "conv = nn.Conv2d(3, 8, 3, padding=k // 2)\n")
    assert finding.severity is Severity.WARNING
    assert "unless `k // 2` is 0" in finding.message


@pytest.mark.parametrize(
    "call",
    [
        "nn.Conv2d(3, 8, 3)",
        "nn.Conv2d(3, 8, 3, padding=0)",
        "nn.Conv2d(3, 8, 3, pad_mode='pad', padding=1)",
        "nn.Conv2d(3, 8, 3, pad_mode='pad', padding=(1, 1, 2, 2))",
        "nn.Conv2d(3, 8, 3, pad_mode=mode, padding=1)",
        "nn.Conv2d(3, 8, 3, pad_mode='pad', padding=k)",
        "nn.Conv2d(3, 8, 3, padding=(0, 0, 0, 0))",
        "mint.nn.Conv2d(3, 8, 3, padding=1)",
        "nn.Conv2d(3, 8, 3, **options)",
    ],
)
def test_conv_padding_mindspore_accepts_is_clean(call: str) -> None:
    assert findings_of(ConvPaddingWithoutPadMode, f"conv = {call}\n") == []


def test_conv_multi_line_call_keeps_its_layout() -> None:
    body = "conv = nn.Conv2d(\n    3,\n    8,\n    3,\n    padding=1,\n)\n"
    text = HEADER + body
    (finding,) = Engine(rules=(ConvPaddingWithoutPadMode,)).analyze(text).findings
    fixed = apply_edits(text, compute_edits(text, finding, offer(finding, FixSafety.SAFE)))
    assert (
        fixed.removeprefix(HEADER)
        == 'conv = nn.Conv2d(\n    3,\n    8,\n    3,\n    padding=1,\n    pad_mode="pad",\n)\n'
    )


# -- MSA006 conv defaults --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        "nn.Conv2d(3, 8, 3)",
        "nn.Conv2d(in_channels=3, out_channels=8, kernel_size=3)",
        "nn.Conv2d(kernel_size=3, out_channels=8, in_channels=3)",
        "nn.Conv2d(3, 8, (3, 3), stride=2, padding=0)",
    ],
    ids=["positional", "keyword", "reordered", "explicit-zero-padding"],
)
def test_conv_on_mindspore_defaults_is_information_in_every_call_style(call: str) -> None:
    finding = only_finding(ConvDefaultsDifferFromTorch, f"conv = {call}\n")
    assert finding.severity is Severity.INFORMATION
    assert "`pad_mode='same'`" in finding.message and "`has_bias=False`" in finding.message
    assert "`bias=True`" in finding.message
    fix = offer(finding, FixSafety.UNSAFE)
    assert fix.param_dict() == {"api": "mindspore.nn.Conv2d", "pad_mode": "pad", "has_bias": True}


def test_conv_defaults_fix_and_transposed_message() -> None:
    assert fixed_line(ConvDefaultsDifferFromTorch, "conv = nn.Conv2d(3, 8, 3)", FixSafety.UNSAFE) == (
        'conv = nn.Conv2d(3, 8, 3, pad_mode="pad", has_bias=True)'
    )
    finding = only_finding(ConvDefaultsDifferFromTorch, "up = nn.Conv2dTranspose(8, 3, 4, stride=2)\n")
    assert "output size input * stride" in finding.message
    assert "PyTorch's `ConvTranspose2d(8, 3, 4)`" in finding.message


@pytest.mark.parametrize(
    "call",
    [
        "nn.Conv2d(3, 8, 1)",
        "nn.Conv2d(3, 8, k)",
        "nn.Conv2d(3, 8, 3, pad_mode='same')",
        "nn.Conv2d(3, 8, 3, has_bias=False)",
        "nn.Conv2d(3, 8, 3, bias=False)",
        "nn.Conv2d(3, 8, 3, padding=1)",
        "mint.nn.Conv2d(3, 8, 3)",
        "nn.Conv2d(3, 8, 3, *rest)",
    ],
)
def test_conv_with_a_choice_made_is_clean(call: str) -> None:
    assert findings_of(ConvDefaultsDifferFromTorch, f"conv = {call}\n") == []


# -- MSA007 torch keywords on layers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "conv = nn.Conv2d(4, 8, 3, 1, 'pad', 1, bias=False)",
            "conv = nn.Conv2d(4, 8, 3, 1, 'pad', 1, has_bias=False)",
        ),
        (
            "conv = nn.Conv2d(in_channels=4, out_channels=8, kernel_size=3, groups=2, has_bias=True)",
            "conv = nn.Conv2d(in_channels=4, out_channels=8, kernel_size=3, group=2, has_bias=True)",
        ),
        (
            "conv = nn.Conv2d(groups=2, kernel_size=3, out_channels=8, in_channels=4, pad_mode='valid')",
            "conv = nn.Conv2d(group=2, kernel_size=3, out_channels=8, in_channels=4, pad_mode='valid')",
        ),
        (
            "bn = nn.BatchNorm2d(8, 1e-5, 0.9, track_running_stats=False)",
            "bn = nn.BatchNorm2d(8, 1e-5, 0.9, use_batch_statistics=True)",
        ),
        (
            "bn = nn.BatchNorm1d(num_features=8, track_running_stats=True)",
            "bn = nn.BatchNorm1d(num_features=8, use_batch_statistics=None)",
        ),
        (
            "conv = nn.Conv2d(4, 8, 3, pad_mode='pad', padding=1, padding_mode='zeros', has_bias=True)",
            "conv = nn.Conv2d(4, 8, 3, pad_mode='pad', padding=1, has_bias=True)",
        ),
    ],
    ids=["positional", "keyword", "reordered", "transform-positional", "transform-keyword", "drop-default"],
)
def test_torch_keyword_on_a_layer_is_an_error_with_a_safe_fix(line: str, expected: str) -> None:
    finding = only_finding(TorchKeywordOnLayer, line + "\n")
    assert finding.code == "MSA007" and finding.severity is Severity.ERROR
    assert "raises TypeError (unexpected keyword argument" in finding.message
    assert fixed_line(TorchKeywordOnLayer, line, FixSafety.SAFE) == expected


def test_torch_keyword_finding_sits_on_the_keyword() -> None:
    finding = only_finding(TorchKeywordOnLayer, "conv = nn.Conv2d(4, 8, 3, bias=False, has_bias=None)\n")
    line = len(HEADER.splitlines()) + 1
    column = "conv = nn.Conv2d(4, 8, 3, ".__len__()
    assert (finding.span.line, finding.span.column, finding.span.end_column) == (
        line,
        column,
        column + len("bias=False"),
    )


@pytest.mark.parametrize(
    ("line", "safety", "says", "expected"),
    [
        (
            "conv = nn.Conv2d(4, 8, 3, padding_mode='reflect')",
            FixSafety.UNSAFE,
            "pad first (ops.pad / nn.Pad)",
            "conv = nn.Conv2d(4, 8, 3)",
        ),
        (
            "drop = nn.Dropout(p=0.1, inplace=True)",
            FixSafety.UNSAFE,
            "MindSpore has no in-place dropout",
            "drop = nn.Dropout(p=0.1)",
        ),
        (
            "drop = nn.Dropout(p=0.1, inplace=False)",
            FixSafety.SAFE,
            "MindSpore's Dropout has no `inplace`",
            "drop = nn.Dropout(p=0.1)",
        ),
    ],
)
def test_torch_only_keywords_are_dropped_safely_only_at_their_torch_default(
    line: str, safety: FixSafety, says: str, expected: str
) -> None:
    finding = only_finding(TorchKeywordOnLayer, line + "\n")
    assert says in finding.message
    assert [o.safety for o in finding.fixes] == [safety]
    assert fixed_line(TorchKeywordOnLayer, line, safety) == expected


@pytest.mark.parametrize(
    "line",
    [
        "conv = nn.Conv2d(4, 8, 3, pad_mode='pad', padding=1, has_bias=True, group=2)",
        "bn = nn.BatchNorm2d(8, use_batch_statistics=True)",
        "conv = mint.nn.Conv2d(4, 8, 3, bias=False, padding_mode='reflect')",
        "dense = nn.Dense(4, 8, bias=False)",
        "conv = nn.Conv2d(4, 8, 3, **options)",
    ],
)
def test_accepted_keywords_mint_layers_and_other_apis_are_left_alone(line: str) -> None:
    assert findings_of(TorchKeywordOnLayer, line + "\n") == []


def test_a_computed_track_running_stats_gets_no_fix() -> None:
    finding = only_finding(TorchKeywordOnLayer, "bn = nn.BatchNorm2d(8, track_running_stats=flag)\n")
    assert finding.fixes == ()
    assert "False (always batch statistics) is True" in finding.message


# -- shared pieces -----------------------------------------------------------------------------------------


def test_transforms_come_from_the_mapping_data() -> None:
    dropout = legacy_counterpart("mindspore.nn.Dropout")
    batchnorm = legacy_counterpart("mindspore.nn.BatchNorm2d")
    assert dropout is not None and batchnorm is not None
    assert dropout.param("p").transform == "1 - x"  # type: ignore[union-attr]
    assert batchnorm.param("momentum").transform == "1 - x"  # type: ignore[union-attr]
    track = batchnorm.param("track_running_stats")
    assert track is not None and track.kind == "transform"
    assert [transformed_value(track.transform, flag) for flag in (True, False)] == [None, True]  # type: ignore[arg-type]


def test_transformed_text_and_numbers() -> None:
    assert transformed_text("1 - x", ast.parse("m", mode="eval").body) == "1 - m"
    assert transformed_text("1 - x", ast.parse("1 - m", mode="eval").body) == "m"
    assert transformed_text("1 - x", ast.parse("a + b", mode="eval").body) == "1 - (a + b)"
    assert [format_number(1 - value) for value in (0.1, 0.01, 0.3, 0.0)] == ["0.9", "0.99", "0.7", "1.0"]
    with pytest.raises(ValueError):
        transformed_value("__import__('os')", 1)


@pytest.mark.parametrize(
    "rule",
    [
        DropoutKeepProbAsRate,
        TrainingWithoutSetTrain,
        BatchNormMomentumAsTorch,
        BatchNormFrozenStatistics,
        ConvPaddingWithoutPadMode,
        ConvDefaultsDifferFromTorch,
        TorchKeywordOnLayer,
    ],
)
def test_reference_links_are_the_pinned_pages_of_the_mapping_data(rule: type[Rule]) -> None:
    url = rule.doc_url()
    assert url is not None and "/master/" not in url
    pinned = {
        counterpart.diff_page
        for api in ("mindspore.nn.Dropout", "mindspore.nn.BatchNorm2d", "mindspore.nn.Conv2d")
        if (counterpart := legacy_counterpart(api)) is not None
    }
    assert url in pinned or url.startswith("https://www.mindspore.cn/docs/en/r2.6.0/api_python/")
