"""Per-tensor metrics and the verdict over them (numpy only)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from msmigrate.equivalence.compare import NamedArray, build_check, compare_arrays, is_noise, verdict
from msmigrate.equivalence.result import NoiseBound, Status, Tolerances


def compare(torch_array, ms_array, float64_value=None, tolerances=None):
    return compare_arrays(
        "t",
        NamedArray("a", np.asarray(torch_array)),
        NamedArray("b", np.asarray(ms_array)),
        tolerances or Tolerances(),
        float64_value,
    )


def test_metrics_on_a_known_difference():
    comparison, problem = compare(
        np.array([1.0, 2.0, 0.0, 4.0], np.float32), np.array([1.0, 2.5, 0.0, 4.0], np.float32)
    )
    assert problem is None
    assert not comparison.passed
    assert comparison.max_abs == pytest.approx(0.5)
    assert comparison.max_rel == pytest.approx(0.25)
    assert comparison.within_tolerance == pytest.approx(0.75)
    assert comparison.rel_frobenius == pytest.approx(0.5 / math.sqrt(21))
    assert comparison.cosine == pytest.approx(22 / (math.sqrt(21) * math.sqrt(23.25)))


def test_fp32_default_tolerance_is_atol_1e5_rtol_1e4():
    base = np.linspace(-3, 3, 50, dtype=np.float32)
    inside, _ = compare(base, base * (1 + 5e-5))
    outside, _ = compare(base, base * (1 + 5e-4))
    assert inside.passed and not outside.passed


def test_tolerances_are_configurable():
    comparison, _ = compare(
        np.ones(3, np.float32), np.full(3, 1.01, np.float32), tolerances=Tolerances().overridden(rtol=0.1)
    )
    assert comparison.passed


def test_shape_mismatch_is_a_problem_with_no_metrics():
    comparison, problem = compare(np.zeros((2, 8, 6, 6), np.float32), np.zeros((2, 8, 8, 8), np.float32))
    assert not comparison.passed and comparison.max_abs is None
    assert problem == "t: shape (2, 8, 6, 6) in torch, (2, 8, 8, 8) in MindSpore"


def test_a_missing_kernel_axis_is_not_a_shape_mismatch():
    comparison, problem = compare(np.ones((4, 3, 5), np.float32), np.ones((4, 3, 1, 5), np.float32))
    assert problem is None and comparison.passed


def test_nan_in_the_same_places_is_equal_and_json_has_no_nan():
    comparison, _ = compare(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    assert comparison.passed
    mismatch, _ = compare(np.array([np.nan, 1.0]), np.array([0.0, 1.0]))
    assert not mismatch.passed
    text = json.dumps(mismatch.to_json(), allow_nan=False)  # raises on NaN or Infinity
    assert '"max_abs": null' in text


def test_integers_compare_exactly():
    comparison, _ = compare(np.array([1, 2], np.int64), np.array([1, 3], np.int64))
    assert not comparison.passed and comparison.max_abs == 1


def test_float64_reference_gives_torchs_own_rounding_error():
    exact = np.linspace(1, 2, 10)
    rounded = exact.astype(np.float32)
    comparison, _ = compare(rounded, rounded, float64_value=exact)
    expected = np.linalg.norm(rounded.astype(np.float64) - exact) / np.linalg.norm(exact)
    assert comparison.reference_rel_frobenius == pytest.approx(expected)


def test_noise_is_judged_against_the_reference_error():
    bound = NoiseBound()
    # MindSpore 5x as far from torch as torch's own float32 rounding: noise. 1000x: semantic.
    assert bound.admits(5e-5, 0.999999, reference=1e-5)
    assert not bound.admits(6e-4, 0.999999, reference=6e-8)
    # Tiny errors are noise whatever the reference; without a reference a fixed bound applies.
    assert bound.admits(5e-6, 0.999999, reference=1e-9)
    assert bound.admits(5e-5, 0.999999) and not bound.admits(5e-4, 0.999999)
    assert not bound.admits(None, 1.0)


def _check(torch_values, ms_values, float64_values=None):
    return build_check(
        "eval_forward",
        "pynative",
        [
            (
                "output[0]",
                NamedArray("o", np.asarray(torch_values, np.float32)),
                NamedArray("o", np.asarray(ms_values, np.float32)),
                None if float64_values is None else np.asarray(float64_values),
            )
        ],
        Tolerances(),
    )


def test_verdict_equivalent_noise_divergent():
    values = np.linspace(1, 2, 100)
    assert verdict([_check(values, values)]) is Status.EQUIVALENT
    # 3e-5 relative everywhere: outside atol/rtol for elements near 2? no: within rtol 1e-4, so widen.
    nudged = values * (1 + 3e-4)
    noisy = _check(values, nudged, float64_values=values * (1 + 1e-4))
    assert not noisy.passed and is_noise(noisy.tensors[0])
    assert verdict([noisy]) is Status.NOISE
    assert verdict([_check(values, values * 1.01)]) is Status.DIVERGENT


def test_a_check_with_a_problem_is_never_noise():
    check = build_check(
        "eval_forward",
        "graph",
        [("output[0]", NamedArray("o", np.zeros(3)), NamedArray("o", np.zeros(4)), None)],
        Tolerances(),
    )
    assert check.error and verdict([check]) is Status.DIVERGENT
