"""The layer rules' claims (MSA001-MSA007) and their fixes, against real MindSpore 2.10 and PyTorch 2.13 on CPU.

Each case is a PyTorch layer and its MindSpore port as a port writes it. For a flagged case the rule must
flag the port, the port must differ from PyTorch (or raise the error the rule names), and the port after
the rule's fix must compute what the PyTorch layer computes, with the same weights on the same input.
For a silent case the rule must not flag the port, and the port must agree with PyTorch. One subprocess
runs every case.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import FixSafety
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.rules import rule_by_code
from tests.oracle.conftest import requires_mindspore, run_cases

pytestmark = [pytest.mark.oracle, requires_mindspore]

RUNNER = Path(__file__).parent / "msa_layer_runner.py"
HEADER = "import mindspore as ms\nfrom mindspore import mint, nn, ops\n\ny = "
# Dropout masks are random: on 100,000 elements the zeroed fraction is within 0.005 of the rate.
DROPOUT_TOLERANCE = 0.01


@dataclass(frozen=True)
class Case:
    code: str
    kind: str
    torch: str
    port: str
    shape: tuple[int, ...] = ()
    # The fix that claims PyTorch's meaning: its safety and id (any id: None); None for a silent case.
    fix: tuple[FixSafety, str | None] | None = None
    # For a port that fails: the exception type MindSpore raises.
    error: str | None = None
    # Extra MindSpore variants evaluated as written: name -> expression.
    extra: tuple[tuple[str, str], ...] = ()


CONV = "conv-pad-mode"
FLAGGED: dict[str, Case] = {
    "dropout-positional": Case(
        "MSA001",
        "dropout",
        "torch.nn.Dropout(0.2)",
        "nn.Dropout(0.2)",
        fix=(FixSafety.UNSAFE, "dropout-keep-prob-to-p"),
        extra=(("mint", "mint.nn.Dropout(0.2)"),),
    ),
    "dropout-keyword": Case(
        "MSA001",
        "dropout",
        "torch.nn.Dropout(0.3)",
        "nn.Dropout(keep_prob=0.3)",
        fix=(FixSafety.UNSAFE, "dropout-keep-prob-to-p"),
    ),
    "batchnorm-momentum": Case(
        "MSA003",
        "batchnorm",
        "torch.nn.BatchNorm2d(4, momentum=0.1)",
        "nn.BatchNorm2d(4, momentum=0.1)",
        (8, 4, 5, 5),
        fix=(FixSafety.UNSAFE, "set-argument-value"),
        extra=(("mint", "mint.nn.BatchNorm2d(4, momentum=0.1)"),),
    ),
    "batchnorm-momentum-positional": Case(
        "MSA003",
        "batchnorm",
        "torch.nn.BatchNorm1d(4, 1e-5, 0.3)",
        "nn.BatchNorm1d(4, 1e-5, 0.3)",
        (16, 4),
        fix=(FixSafety.UNSAFE, "set-argument-value"),
    ),
    "batchnorm-frozen": Case(
        "MSA004",
        "batchnorm",
        "torch.nn.BatchNorm2d(4, track_running_stats=False)",
        "nn.BatchNorm2d(4, use_batch_statistics=False)",
        (8, 4, 5, 5),
        fix=(FixSafety.UNSAFE, "set-argument-value"),
        extra=(("torch_keyword", "nn.BatchNorm2d(4, track_running_stats=False)"),),
    ),
    "conv2d-padding": Case(
        "MSA005",
        "conv",
        "torch.nn.Conv2d(3, 4, 3, padding=1, bias=False)",
        "nn.Conv2d(3, 4, 3, padding=1)",
        (2, 3, 8, 8),
        (FixSafety.SAFE, CONV),
        "ValueError",
    ),
    "conv2d-padding-with-bias": Case(
        "MSA005",
        "conv",
        "torch.nn.Conv2d(3, 4, 3, padding=1)",
        "nn.Conv2d(3, 4, 3, 1, 'same', 1)",
        (2, 3, 8, 8),
        (FixSafety.UNSAFE, CONV),
        "ValueError",
    ),
    "conv2d-torch-layout": Case(
        "MSA005",
        "conv",
        "torch.nn.Conv2d(3, 4, 3, padding=(1, 2), bias=False)",
        "nn.Conv2d(3, 4, 3, pad_mode='pad', padding=(1, 2))",
        (2, 3, 8, 8),
        (FixSafety.SAFE, CONV),
        "ValueError",
    ),
    "conv3d-torch-layout": Case(
        "MSA005",
        "conv",
        "torch.nn.Conv3d(3, 4, 3, padding=[1, 0, 2], bias=False)",
        "nn.Conv3d(3, 4, 3, padding=[1, 0, 2])",
        (1, 3, 6, 6, 6),
        (FixSafety.SAFE, CONV),
        "TypeError",
    ),
    "conv1d-valid-mode": Case(
        "MSA005",
        "conv",
        "torch.nn.Conv1d(3, 4, 3, padding=2, bias=False)",
        "nn.Conv1d(3, 4, 3, pad_mode='valid', padding=2)",
        (2, 3, 9),
        (FixSafety.SAFE, CONV),
        "ValueError",
    ),
    "conv1d-transpose-tuple": Case(
        "MSA005",
        "conv",
        "torch.nn.ConvTranspose1d(3, 4, 3, padding=(1,), bias=False)",
        "nn.Conv1dTranspose(3, 4, 3, pad_mode='pad', padding=(1,))",
        (2, 3, 7),
        (FixSafety.SAFE, CONV),
        "TypeError",
    ),
    "conv2d-transpose-stride": Case(
        "MSA005",
        "conv",
        "torch.nn.ConvTranspose2d(3, 4, 4, stride=2, padding=1, bias=False)",
        "nn.Conv2dTranspose(3, 4, 4, stride=2, padding=1)",
        (2, 3, 5, 5),
        (FixSafety.SAFE, CONV),
        "ValueError",
    ),
    "conv3d-transpose": Case(
        "MSA005",
        "conv",
        "torch.nn.ConvTranspose3d(3, 4, 3, padding=1)",
        "nn.Conv3dTranspose(3, 4, 3, padding=1)",
        (1, 3, 4, 4, 4),
        (FixSafety.UNSAFE, CONV),
        "ValueError",
    ),
    "conv2d-string-padding": Case(
        "MSA005",
        "conv",
        "torch.nn.Conv2d(3, 4, 3, padding='same', bias=False)",
        "nn.Conv2d(3, 4, 3, padding='same')",
        (2, 3, 8, 8),
        (FixSafety.SAFE, CONV),
        "TypeError",
    ),
    "conv2d-defaults": Case(
        "MSA006", "conv", "torch.nn.Conv2d(3, 4, 3)", "nn.Conv2d(3, 4, 3)", (2, 3, 8, 8), (FixSafety.UNSAFE, CONV)
    ),
    "conv1d-defaults": Case(
        "MSA006",
        "conv",
        "torch.nn.Conv1d(3, 4, 5, stride=2)",
        "nn.Conv1d(3, 4, 5, stride=2)",
        (2, 3, 11),
        (FixSafety.UNSAFE, CONV),
    ),
    "conv2d-transpose-defaults": Case(
        "MSA006",
        "conv",
        "torch.nn.ConvTranspose2d(3, 4, 3, stride=2)",
        "nn.Conv2dTranspose(3, 4, 3, stride=2)",
        (2, 3, 5, 5),
        (FixSafety.UNSAFE, CONV),
    ),
    "conv-torch-keywords": Case(
        "MSA007",
        "conv",
        "torch.nn.Conv2d(4, 8, 3, padding=1, bias=False, groups=2)",
        "nn.Conv2d(4, 8, 3, pad_mode='pad', padding=1, bias=False, groups=2)",
        (2, 4, 8, 8),
        (FixSafety.SAFE, None),
        "TypeError",
    ),
    "conv-padding-mode-zeros": Case(
        "MSA007",
        "conv",
        "torch.nn.Conv2d(3, 4, 3, padding=1, padding_mode='zeros')",
        "nn.Conv2d(3, 4, 3, pad_mode='pad', padding=1, has_bias=True, padding_mode='zeros')",
        (2, 3, 8, 8),
        (FixSafety.SAFE, None),
        "TypeError",
    ),
    "batchnorm-track-running-stats": Case(
        "MSA007",
        "batchnorm",
        "torch.nn.BatchNorm2d(4, track_running_stats=False)",
        "nn.BatchNorm2d(4, track_running_stats=False)",
        (8, 4, 5, 5),
        (FixSafety.SAFE, None),
        "TypeError",
    ),
    "batchnorm-track-running-stats-default": Case(
        "MSA007",
        "batchnorm",
        "torch.nn.BatchNorm1d(4, track_running_stats=True)",
        "nn.BatchNorm1d(4, track_running_stats=True)",
        (16, 4),
        (FixSafety.SAFE, None),
        "TypeError",
    ),
}
# Flagged as a hint: MindSpore's meaning is clearly meant; the safe fix must keep it.
SAME_MEANING: dict[str, Case] = {
    "dropout-deprecated-keep-prob": Case(
        "MSA001",
        "dropout",
        "torch.nn.Dropout(0.1)",
        "nn.Dropout(keep_prob=0.9)",
        fix=(FixSafety.SAFE, "dropout-keep-prob-to-p"),
    ),
}
SILENT: dict[str, Case] = {
    "dropout-p": Case("MSA001", "dropout", "torch.nn.Dropout(0.2)", "nn.Dropout(p=0.2)"),
    "dropout-default": Case("MSA001", "dropout", "torch.nn.Dropout()", "nn.Dropout()"),
    "batchnorm-default": Case("MSA003", "batchnorm", "torch.nn.BatchNorm2d(4)", "nn.BatchNorm2d(4)", (8, 4, 5, 5)),
    "batchnorm-mindspore-momentum": Case(
        "MSA003", "batchnorm", "torch.nn.BatchNorm2d(4, momentum=0.1)", "nn.BatchNorm2d(4, momentum=0.9)", (8, 4, 5, 5)
    ),
    "batchnorm-batch-statistics": Case(
        "MSA004",
        "batchnorm",
        "torch.nn.BatchNorm2d(4, track_running_stats=False)",
        "nn.BatchNorm2d(4, use_batch_statistics=True)",
        (8, 4, 5, 5),
    ),
    "conv2d-pad-mode": Case(
        "MSA005",
        "conv",
        "torch.nn.Conv2d(3, 4, 3, padding=1)",
        "nn.Conv2d(3, 4, 3, pad_mode='pad', padding=1, has_bias=True)",
        (2, 3, 8, 8),
    ),
    "conv2d-per-side": Case(
        "MSA005",
        "conv",
        "torch.nn.Conv2d(3, 4, 3, padding=(1, 2), bias=False)",
        "nn.Conv2d(3, 4, 3, pad_mode='pad', padding=(1, 1, 2, 2))",
        (2, 3, 8, 8),
    ),
    "conv2d-pointwise": Case(
        "MSA006", "conv", "torch.nn.Conv2d(3, 4, 1, bias=False)", "nn.Conv2d(3, 4, 1)", (2, 3, 8, 8)
    ),
}
ALL_CASES = {**FLAGGED, **SAME_MEANING, **SILENT}


def findings(case: Case, text: str) -> list[Any]:
    rule = rule_by_code(case.code)
    assert rule is not None
    return Engine(rules=(rule,)).analyze(text).findings


def fixed_port(case: Case) -> str:
    """The port after the case's fixes: every offer of that safety and id, applied until none is left."""
    assert case.fix is not None
    safety, fix_id = case.fix
    text = HEADER + case.port + "\n"
    for _ in range(5):
        offers = [
            (finding, o)
            for finding in findings(case, text)
            for o in finding.fixes
            if o.safety is safety and fix_id in (None, o.fix_id)
        ]
        if not offers:
            break
        finding, chosen = offers[0]
        text = apply_edits(text, compute_edits(text, finding, chosen))
    return text.removeprefix(HEADER).strip()


@cache
def observations() -> dict[str, Any]:
    cases: list[dict[str, Any]] = []
    for case_id, case in ALL_CASES.items():
        variants = {"port": case.port, **dict(case.extra)}
        if case.fix is not None:
            variants["fixed"] = fixed_port(case)
        cases.append(
            {"id": case_id, "kind": case.kind, "torch": case.torch, "mindspore": variants, "input": case.shape}
        )
    cases.append({"id": "training", "kind": "training"})
    return run_cases(RUNNER, cases)


def close(a: Any, b: Any) -> bool:
    fa, fb = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return fa.shape == fb.shape and bool(np.allclose(fa, fb, rtol=1e-4, atol=1e-5))


def agrees(kind: str, torch_side: dict[str, Any], ms_side: dict[str, Any]) -> bool:
    """The MindSpore layer computes what the torch layer computes (for its kind's observations)."""
    if "error" in ms_side:
        return False
    if kind == "dropout":
        same_rate = abs(torch_side["zeroed"] - ms_side["zeroed"]) < DROPOUT_TOLERANCE
        return same_rate and torch_side["kept_values"] == ms_side["kept_values"]
    if kind == "batchnorm":
        # torch keeps no running statistics with track_running_stats=False: compare what both have.
        stats = all(close(a, b) for a, b in zip(torch_side["stats"], ms_side["stats"], strict=False))
        return stats and close(torch_side["train"], ms_side["train"]) and close(torch_side["eval"], ms_side["eval"])
    return close(torch_side["output"], ms_side["output"])


@pytest.mark.parametrize("case_id", sorted(FLAGGED))
def test_flagged_port_differs_and_the_fix_matches_torch(case_id: str) -> None:
    case = FLAGGED[case_id]
    assert findings(case, HEADER + case.port + "\n"), f"{case.code} must flag {case.port}"
    observed = observations()[case_id]
    port = observed["port"]
    if case.error is not None:
        assert port.get("error", "").startswith(case.error), port
    else:
        assert not agrees(case.kind, observed["torch"], port), f"{case.port} already matches torch: {port}"
    assert agrees(case.kind, observed["torch"], observed["fixed"]), f"{fixed_port(case)}: {observed['fixed']}"
    assert findings(case, HEADER + fixed_port(case) + "\n") == [], "the fix must settle the finding"


@pytest.mark.parametrize("case_id", sorted(SAME_MEANING))
def test_safe_fix_keeps_the_mindspore_meaning(case_id: str) -> None:
    case = SAME_MEANING[case_id]
    observed = observations()[case_id]
    assert agrees(case.kind, observed["torch"], observed["port"])
    assert agrees(case.kind, observed["port"], observed["fixed"])


@pytest.mark.parametrize("case_id", sorted(SILENT))
def test_silent_port_matches_torch(case_id: str) -> None:
    case = SILENT[case_id]
    assert findings(case, HEADER + case.port + "\n") == []
    observed = observations()[case_id]
    assert agrees(case.kind, observed["torch"], observed["port"]), observed["port"]


def test_measured_errors_are_the_ones_the_rules_quote() -> None:
    observed = observations()
    assert "the 'pad' must be zero when 'pad_mode' is not 'pad'" in observed["conv2d-padding"]["port"]["error"]
    assert "'pad size' must be int and must = 4" in observed["conv2d-torch-layout"]["port"]["error"]
    assert "must be int or tuple(int), but got str" in observed["conv2d-string-padding"]["port"]["error"]
    assert observed["batchnorm-frozen"]["torch_keyword"]["error"].startswith("TypeError")
    assert "track_running_stats" in observed["batchnorm-frozen"]["torch_keyword"]["error"]


def test_dropout_keeps_keep_prob_and_mint_has_no_cpu_kernel_in_training() -> None:
    positional = observations()["dropout-positional"]
    assert abs(positional["port"]["zeroed"] - 0.8) < DROPOUT_TOLERANCE
    assert positional["port"]["kept_values"] == [5.0]
    assert positional["torch"]["kept_values"] == [1.25]
    assert positional["mint"]["error"].startswith("RuntimeError"), positional["mint"]


def test_batchnorm_momentum_weights_the_moving_statistic() -> None:
    observed = observations()["batchnorm-momentum"]
    torch_mean = np.asarray(observed["torch"]["stats"][0])
    ported_mean = np.asarray(observed["port"]["stats"][0])
    assert not close(torch_mean, ported_mean)
    assert "error" in observed["mint"], "mint.nn.BatchNorm2d has no CPU kernel in training mode in 2.10"


def test_training_mode_claims() -> None:
    training = observations()["training"]
    assert training["after_construction"] is False
    assert training["torch_module_after_construction"] is True
    untrained = training["value_and_grad"]
    assert untrained == {
        "training": False,
        "dropout_training": False,
        "zero_gradients": 0.0,
        "moving_mean_changed": False,
    }
    trained = training["value_and_grad_after_set_train"]
    assert trained["dropout_training"] is True and trained["moving_mean_changed"] is True
    assert 0.4 < trained["zero_gradients"] < 0.6
    assert training["train_one_step_cell_called"] is False
    assert training["model_with_optimizer"] is True
