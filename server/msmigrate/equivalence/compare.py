"""Metrics for one tensor on both sides, and the verdict over all of them (numpy only, worker side).

Metrics are computed in float64 so the comparison adds no rounding of its own. torch is the reference:
the tolerance bound is numpy.isclose's |torch - mindspore| <= atol + rtol * |torch|.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from msmigrate.equivalence.result import (
    DEFAULT_NOISE_BOUND,
    Check,
    NoiseBound,
    Status,
    TensorComparison,
    Tolerance,
    Tolerances,
)

EXACT = Tolerance(atol=0.0, rtol=0.0)


@dataclass(frozen=True)
class NamedArray:
    name: str  # the framework's own name for it (a parameter name), or the same as the comparison's label
    array: np.ndarray


# (label, torch float32 value, MindSpore value, torch float64 value or None)
Paired = tuple[str, NamedArray | None, NamedArray | None, np.ndarray | None]


def tolerance_for(array: np.ndarray, tolerances: Tolerances) -> Tolerance:
    if np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.complexfloating):
        return tolerances.for_dtype(str(array.dtype))
    return EXACT


def compare_arrays(
    label: str,
    torch_value: NamedArray | None,
    mindspore_value: NamedArray | None,
    tolerances: Tolerances,
    float64_value: np.ndarray | None = None,
) -> tuple[TensorComparison, str | None]:
    """One comparison, and a sentence when the two cannot be compared element by element.

    `float64_value` is the same tensor from torch in float64: how far torch's own float32 result lies from it
    is this tensor's rounding error, the yardstick for kernel noise."""
    torch_name = torch_value.name if torch_value else None
    mindspore_name = mindspore_value.name if mindspore_value else None
    if torch_value is None or mindspore_value is None:
        missing = "torch" if torch_value is None else "MindSpore"
        return _incomparable(label, torch_name, mindspore_name), f"{label}: no {missing} value"
    reference, candidate = torch_value.array, mindspore_value.array
    if reference.shape != candidate.shape:
        if reference.size == candidate.size and _squeezed(reference.shape) == _squeezed(candidate.shape):
            candidate = candidate.reshape(reference.shape)
        else:
            return (
                _incomparable(label, torch_name, mindspore_name),
                f"{label}: shape {tuple(reference.shape)} in torch, {tuple(candidate.shape)} in MindSpore",
            )
    tolerance = tolerance_for(reference, tolerances)
    expected = reference.astype(np.float64)
    actual = candidate.astype(np.float64)
    if expected.size == 0:
        return TensorComparison(label, torch_name, mindspore_name, True, 0.0, 0.0, 1.0, 1.0, 0.0), None
    both_nan = np.isnan(expected) & np.isnan(actual)
    difference = np.where(both_nan, 0.0, np.abs(expected - actual))
    magnitude = np.abs(expected)
    close = np.isclose(actual, expected, atol=tolerance.atol, rtol=tolerance.rtol, equal_nan=True)
    max_abs = float(np.max(difference))
    # Relative to |torch|, floored at atol so that elements near zero do not explode the ratio.
    max_rel = float(np.max(difference / np.maximum(magnitude, max(tolerance.atol, np.finfo(np.float64).tiny))))
    reference_norm = float(np.linalg.norm(np.where(both_nan, 0.0, expected)))
    candidate_norm = float(np.linalg.norm(np.where(both_nan, 0.0, actual)))
    difference_norm = float(np.linalg.norm(difference))
    if reference_norm == 0.0:
        rel_frobenius = 0.0 if difference_norm == 0.0 else float("inf")
    else:
        rel_frobenius = difference_norm / reference_norm
    if reference_norm == 0.0 or candidate_norm == 0.0:
        cosine = 1.0 if reference_norm == candidate_norm else 0.0
    else:
        dot = float(np.sum(np.where(both_nan, 0.0, expected * actual)))
        cosine = dot / (reference_norm * candidate_norm)
    within = float(np.mean(close))
    comparison = TensorComparison(
        name=label,
        torch_name=torch_name,
        mindspore_name=mindspore_name,
        passed=bool(np.all(close)),
        max_abs=max_abs,
        max_rel=max_rel,
        cosine=cosine,
        within_tolerance=within,
        rel_frobenius=rel_frobenius,
        reference_rel_frobenius=None if float64_value is None else rounding_error(float64_value, torch_value.array),
    )
    return comparison, None


def rounding_error(reference: np.ndarray, value: np.ndarray) -> float | None:
    """||value - reference|| / ||reference||, or None when they cannot be compared."""
    if reference.shape != value.shape or not np.issubdtype(value.dtype, np.floating):
        return None
    exact = reference.astype(np.float64)
    norm = float(np.linalg.norm(exact))
    error = float(np.linalg.norm(value.astype(np.float64) - exact))
    if norm == 0.0:
        return 0.0 if error == 0.0 else None
    return error / norm


def build_check(
    phase: str,
    mode: str,
    pairs: Iterable[Paired],
    tolerances: Tolerances,
) -> Check:
    tensors: list[TensorComparison] = []
    problems: list[str] = []
    for label, torch_value, mindspore_value, float64_value in pairs:
        comparison, problem = compare_arrays(label, torch_value, mindspore_value, tolerances, float64_value)
        tensors.append(comparison)
        if problem:
            problems.append(problem)
    return Check(
        phase=phase,
        mode=mode,
        passed=not problems and all(tensor.passed for tensor in tensors),
        error="; ".join(problems) or None,
        tensors=tensors,
    )


def is_noise(comparison: TensorComparison, bound: NoiseBound = DEFAULT_NOISE_BOUND) -> bool:
    """A failed comparison whose whole-tensor error is as small as kernel differences make it."""
    return bound.admits(comparison.rel_frobenius, comparison.cosine, comparison.reference_rel_frobenius)


def verdict(checks: Sequence[Check], bound: NoiseBound = DEFAULT_NOISE_BOUND) -> Status:
    failed = [check for check in checks if not check.passed]
    if not failed:
        return Status.EQUIVALENT
    if all(
        check.error is None and all(tensor.passed or is_noise(tensor, bound) for tensor in check.tensors)
        for check in failed
    ):
        return Status.NOISE
    return Status.DIVERGENT


def _incomparable(label: str, torch_name: str | None, mindspore_name: str | None) -> TensorComparison:
    return TensorComparison(label, torch_name, mindspore_name, False, None, None, None, None, None)


def _squeezed(shape: Sequence[int]) -> list[int]:
    return [size for size in shape if size != 1]
