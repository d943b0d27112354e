"""Per-tensor metrics and the verdict over them (numpy only): every tensor judged on its own scale, noise
against torch's own float64 rounding error, and comparisons that prove nothing said to be so."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from msmigrate.equivalence import compare as compare_module
from msmigrate.equivalence.compare import (
    NamedArray,
    ReferenceError,
    build_check,
    compare_tensors,
    reference_error,
    verdict,
)
from msmigrate.equivalence.result import Check, NoiseBound, Outcome, Status, Tolerances


def compare(torch_array, ms_array, reference=None, tolerances=None, context=0.0):
    return compare_tensors(
        "t",
        NamedArray("a", np.asarray(torch_array)),
        NamedArray("b", np.asarray(ms_array)),
        tolerances or Tolerances(),
        reference,
        context,
    )


def exact_reference(float32, float64):
    return reference_error(np.asarray(float32), np.asarray(float64))


def test_metrics_on_a_known_difference():
    torch = np.array([1.0, 2.0, 0.0, 4.0], np.float32)
    comparison = compare(torch, np.array([1.0, 2.5, 0.0, 4.0], np.float32))
    scale = math.sqrt(21 / 4)  # the torch tensor's root mean square
    assert comparison.outcome == Outcome.DIFFERS.value
    assert comparison.max_abs == pytest.approx(0.5)
    assert comparison.max_rel == pytest.approx(0.5 / scale)
    assert comparison.within_tolerance == pytest.approx(0.75)
    assert comparison.rel_error == pytest.approx(0.5 / math.sqrt(21))
    assert comparison.cosine == pytest.approx(22 / (math.sqrt(21) * math.sqrt(23.25)))
    assert comparison.scale == pytest.approx(scale)
    assert comparison.torch_shape == comparison.mindspore_shape == [4]


def test_fp32_default_tolerance_is_relative_to_the_tensors_own_scale():
    base = np.linspace(-3, 3, 50, dtype=np.float32)
    assert compare(base, base * (1 + 5e-5)).outcome == Outcome.CLOSE.value
    assert compare(base, base * (1 + 5e-4)).outcome == Outcome.DIFFERS.value


def test_tiny_outputs_are_not_swallowed_by_an_absolute_tolerance():
    # MnasNet-like outputs of 1e-9 with a 10 % difference: an absolute atol of 1e-5 called this equal.
    values = np.linspace(1, 2, 64).astype(np.float32) * 1e-9
    comparison = compare(values, values * 1.1)
    assert comparison.outcome == Outcome.DIFFERS.value
    assert comparison.rel_error == pytest.approx(0.1, rel=1e-3)


def test_tolerances_are_configurable():
    comparison = compare(
        np.ones(3, np.float32), np.full(3, 1.01, np.float32), tolerances=Tolerances().overridden(rtol=0.1)
    )
    assert comparison.outcome == Outcome.CLOSE.value


def test_shape_mismatch_shows_both_shapes():
    comparison = compare(np.zeros((2, 8, 6, 6), np.float32), np.zeros((2, 8, 8, 8), np.float32))
    assert comparison.outcome == Outcome.INCOMPARABLE.value and comparison.max_abs is None
    assert comparison.note == "shape (2, 8, 6, 6) in torch, (2, 8, 8, 8) in MindSpore"
    assert (comparison.torch_shape, comparison.mindspore_shape) == ([2, 8, 6, 6], [2, 8, 8, 8])


def test_a_missing_kernel_axis_is_not_a_shape_mismatch():
    assert compare(np.ones((4, 3, 5), np.float32), np.ones((4, 3, 1, 5), np.float32)).outcome == Outcome.CLOSE.value


def test_nan_in_the_same_places_is_equal_and_json_has_no_nan():
    assert compare(np.array([np.nan, 1.0]), np.array([np.nan, 1.0])).outcome == Outcome.CLOSE.value
    mismatch = compare(np.array([np.nan, 1.0]), np.array([0.0, 1.0]))
    assert mismatch.outcome == Outcome.DIFFERS.value
    text = json.dumps(mismatch.to_json(), allow_nan=False)  # raises on NaN or Infinity
    assert '"rel_error": null' in text


def test_integers_compare_exactly_and_are_never_noise():
    comparison = compare(np.array([1, 2] * 50, np.int64), np.array([1, 2] * 49 + [1, 3], np.int64))
    assert comparison.outcome == Outcome.DIFFERS.value and comparison.max_abs == 1


def test_reference_error_is_torchs_own_rounding_error():
    exact = np.linspace(1, 2, 10)
    rounded = exact.astype(np.float32)
    reference = exact_reference(rounded, exact)
    assert reference.norm == pytest.approx(np.linalg.norm(exact))
    assert reference.error == pytest.approx(np.linalg.norm(rounded.astype(np.float64) - exact))
    comparison = compare(rounded, rounded, reference)
    assert comparison.reference_error == pytest.approx(reference.error / reference.norm)


def test_noise_is_ten_times_the_reference_error_with_no_ceiling():
    exact = np.linspace(1, 2, 1000)
    # An ill-conditioned tensor: torch's float32 value is 5 % from exact.
    torch = (exact * (1 + 0.05 * np.sin(np.arange(1000)))).astype(np.float32)
    reference = exact_reference(torch, exact)
    moved = torch * (1 + 0.2 * np.cos(np.arange(1000))).astype(np.float32)
    comparison = compare(torch, moved, reference)
    assert comparison.noise_limit == pytest.approx(10 * comparison.reference_error)
    assert comparison.noise_limit > 0.3  # a fixed ceiling of 1e-2 used to fail this
    assert comparison.outcome == Outcome.NOISE.value
    far = compare(torch, torch * 2, reference)
    assert far.outcome == Outcome.DIFFERS.value


def test_a_semantic_difference_far_beyond_the_rounding_error_differs():
    exact = np.linspace(1, 2, 1000)
    torch = exact.astype(np.float32)
    comparison = compare(torch, torch * (1 + 6e-4), exact_reference(torch, exact))
    assert comparison.outcome == Outcome.DIFFERS.value  # LayerNorm's epsilon 1e-7 vs 1e-5 moves this much


def test_without_a_reference_a_fixed_bound_applies():
    torch = np.linspace(-1, 1, 101).astype(np.float32)
    scale = float(np.sqrt(np.mean(torch.astype(np.float64) ** 2)))
    bound = NoiseBound()
    # An offset outside the element-wise tolerance near zero, judged by its relative error.
    assert compare(torch, torch + 0.5 * bound.without_reference * scale).outcome == Outcome.NOISE.value
    assert compare(torch, torch + 2 * bound.without_reference * scale).outcome == Outcome.DIFFERS.value


def test_a_tensor_that_is_zero_in_torch_is_judged_on_its_checks_scale():
    # A conv bias in front of BatchNorm: its gradient is exactly 0 in torch, float32 noise in MindSpore.
    zeros = np.zeros(16, np.float32)
    noisy = np.full(16, 3e-9, np.float32)
    alone = compare(zeros, noisy)
    assert alone.outcome == Outcome.DIFFERS.value and alone.note == "zero in torch, not in MindSpore"
    in_context = compare(zeros, noisy, ReferenceError(0.0, 0.0), context=0.01)
    assert in_context.agrees and "judged against the scale of the other tensors" in in_context.note
    wrong = compare(zeros, np.full(16, 0.01, np.float32), ReferenceError(0.0, 0.0), context=0.01)
    assert wrong.outcome == Outcome.DIFFERS.value


def test_check_context_comes_from_tensors_of_the_same_kind():
    gradient = NamedArray("w", np.linspace(-1, 1, 100).astype(np.float32))
    zero = NamedArray("b", np.zeros(4, np.float32))
    noisy = NamedArray("b", np.full(4, 1e-9, np.float32))
    check = build_check(
        "parameter_gradients",
        "pynative",
        [("w", gradient, gradient, None), ("b", zero, noisy, None)],
        Tolerances(),
    )
    assert check.agrees
    # The outputs after the step (huge) do not set the scale of the parameters beside them.
    output = NamedArray("output[0]", np.full(4, 1e8, np.float32))
    wrong = NamedArray("b", np.full(4, 0.01, np.float32))
    mixed = build_check(
        "sgd_step",
        "pynative",
        [("w", gradient, gradient, None), ("b", zero, wrong, None), ("output[0] after the step", output, output, None)],
        Tolerances(),
    )
    assert not mixed.agrees


def test_chunked_sums_equal_whole_tensor_sums(monkeypatch):
    generator = np.random.default_rng(0)
    torch = generator.standard_normal(1000).astype(np.float32)
    mindspore = (torch + generator.standard_normal(1000) * 1e-3).astype(np.float32)
    whole = compare(torch, mindspore)
    monkeypatch.setattr(compare_module, "CHUNK_ELEMENTS", 7)
    chunked = compare(torch, mindspore)
    for field in ("max_abs", "rel_error", "cosine", "within_tolerance", "scale", "spread"):
        assert getattr(chunked, field) == pytest.approx(getattr(whole, field), rel=1e-9), field


def _check(torch_values, ms_values, float64_values=None, phase="eval_forward"):
    torch = np.asarray(torch_values, np.float32)
    return build_check(
        phase,
        "pynative",
        [
            (
                "output[0]",
                NamedArray("o", torch),
                NamedArray("o", np.asarray(ms_values, np.float32)),
                None if float64_values is None else exact_reference(torch, np.asarray(float64_values)),
            )
        ],
        Tolerances(),
    )


def test_verdict_equivalent_noise_divergent():
    values = np.linspace(1, 2, 100)
    assert verdict([_check(values, values)]) is Status.EQUIVALENT
    noisy = _check(values, values * (1 + 3e-4), float64_values=values * (1 + 1e-4))
    assert noisy.agrees and not noisy.within_tolerance
    assert verdict([noisy]) is Status.NOISE
    assert verdict([_check(values, values * 1.01)]) is Status.DIVERGENT


def test_all_zero_or_constant_outputs_prove_nothing():
    zeros = _check(np.zeros(10), np.zeros(10))
    assert zeros.agrees and "all outputs are zero" in zeros.note
    assert verdict([zeros]) is Status.INCONCLUSIVE
    constant = _check(np.full(10, 0.5), np.full(10, 0.5))
    assert "constant" in constant.note and verdict([constant]) is Status.INCONCLUSIVE
    varied = _check(np.linspace(0, 1, 10), np.linspace(0, 1, 10))
    assert varied.note is None and verdict([varied, zeros]) is Status.EQUIVALENT
    gradients = _check(np.zeros(10), np.zeros(10), phase="input_gradients")
    assert "all tensors are zero" in gradients.note
    assert verdict([varied, gradients]) is Status.EQUIVALENT


def test_a_check_with_an_error_or_a_shape_mismatch_diverges():
    shapes = build_check(
        "eval_forward",
        "graph",
        [("output[0]", NamedArray("o", np.zeros(3)), NamedArray("o", np.zeros(4)), None)],
        Tolerances(),
    )
    assert not shapes.agrees and verdict([shapes]) is Status.DIVERGENT
    failed = Check("eval_forward", "graph", error="GRAPH_MODE: does not compile")
    assert verdict([_check([1.0, 2.0], [1.0, 2.0]), failed]) is Status.DIVERGENT


def test_one_element_tipped_by_rounding_is_noise_and_said_so():
    """A VGG BatchNorm bias gradient: one of 256 channels lost the term of an activation on a ReLU's kink."""
    generator = np.random.default_rng(1)
    torch = generator.standard_normal(256).astype(np.float32) * 0.03
    mindspore = torch.copy()
    mindspore[17] += 0.02
    tipped = compare(torch, mindspore, ReferenceError(float(np.linalg.norm(torch)), 1e-9))
    assert tipped.outcome == Outcome.NOISE.value
    assert tipped.note.startswith("1 of 256 elements differ") and "tipped" in tipped.note
    several = torch.copy()
    several[[3, 50, 99]] += 0.02
    assert compare(torch, several, ReferenceError(float(np.linalg.norm(torch)), 1e-9)).outcome == Outcome.DIFFERS.value
    huge = torch.copy()
    huge[17] += 10.0  # beyond any value the tensor has: not one term of a sum
    assert compare(torch, huge, ReferenceError(float(np.linalg.norm(torch)), 1e-9)).outcome == Outcome.DIFFERS.value
    small = np.linspace(1, 2, 10).astype(np.float32)  # ten logits: one wrong is a real difference
    moved = small.copy()
    moved[3] += 0.5
    assert compare(small, moved).outcome == Outcome.DIFFERS.value


def test_a_small_dense_difference_is_not_excused_as_isolated_elements():
    """LayerNorm's epsilon 1e-6 against 1e-7 moves every element a little; only two cross the element-wise
    tolerance. That is a semantic difference, not two tipped decisions."""
    generator = np.random.default_rng(2)
    torch = generator.standard_normal(2176).astype(np.float32)
    mindspore = (torch * (1 + 2e-5)).astype(np.float32)
    mindspore[[5, 900]] = torch[[5, 900]] + 0.01
    comparison = compare(torch, mindspore, ReferenceError(float(np.linalg.norm(torch)), 1e-9))
    assert comparison.outcome == Outcome.DIFFERS.value
