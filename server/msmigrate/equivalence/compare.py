"""Metrics for one tensor on both sides, and the verdict over all of them (numpy only, worker side).

Every sum is taken in float64, chunk by chunk, so a comparison adds no rounding of its own and no
temporary larger than a chunk: a 100-million-element weight gradient costs a few MB to compare, not GBs.
torch's float32 value is the reference the tolerance is measured from; its float64 twin says how far
torch's own float32 value is from exact (see NoiseBound).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from msmigrate.equivalence.result import (
    DEFAULT_NOISE_BOUND,
    Check,
    NoiseBound,
    Outcome,
    Phase,
    Status,
    TensorComparison,
    Tolerance,
    Tolerances,
)

CHUNK_ELEMENTS = 1 << 20
EXACT = Tolerance(atol=0.0, rtol=0.0)
# A torch tensor whose values vary less than this, relative to their size, is constant.
CONSTANT_SPREAD = 1e-6


@dataclass(frozen=True)
class NamedArray:
    name: str  # the framework's own name for it (a parameter name), or the same as the comparison's label
    array: np.ndarray


@dataclass(frozen=True)
class ReferenceError:
    """torch's float32 tensor against the same tensor computed in float64."""

    norm: float  # ||float64||
    error: float  # ||float32 - float64||


# (label, torch float32 value, MindSpore value, torch's rounding error or None)
Paired = tuple[str, NamedArray | None, NamedArray | None, ReferenceError | None]


def reference_error(float32: np.ndarray, float64: np.ndarray) -> ReferenceError | None:
    """How far torch's float32 result lies from its float64 twin; None when they cannot be compared."""
    if float32.shape != float64.shape or not _is_float(float32):
        return None
    norm_squared = 0.0
    error_squared = 0.0
    for exact, rounded in _chunks(float64, float32):
        exact = np.nan_to_num(exact.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        rounded = np.nan_to_num(rounded.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        norm_squared += float(np.dot(exact, exact))
        difference = rounded - exact
        error_squared += float(np.dot(difference, difference))
    return ReferenceError(math.sqrt(norm_squared), math.sqrt(error_squared))


def tolerance_for(array: np.ndarray, tolerances: Tolerances) -> Tolerance:
    return tolerances.for_dtype(str(array.dtype)) if _is_float(array) else EXACT


def root_mean_square(arrays: Iterable[np.ndarray]) -> float:
    """The RMS over all elements of several tensors: the scale of a check, for tensors with none of their own."""
    total = 0.0
    count = 0
    for array in arrays:
        for (chunk,) in _chunks(array):
            values = np.nan_to_num(chunk.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
            total += float(np.dot(values, values))
            count += values.size
    return math.sqrt(total / count) if count else 0.0


def compare_tensors(
    label: str,
    torch_value: NamedArray | None,
    mindspore_value: NamedArray | None,
    tolerances: Tolerances,
    reference: ReferenceError | None = None,
    context_scale: float = 0.0,
    bound: NoiseBound = DEFAULT_NOISE_BOUND,
) -> TensorComparison:
    """One comparison. `context_scale` is the RMS of the tensors this one belongs with (its check), the
    yardstick for a tensor that is zero in torch."""
    torch_name = torch_value.name if torch_value else None
    mindspore_name = mindspore_value.name if mindspore_value else None
    if torch_value is None or mindspore_value is None:
        missing = "torch" if torch_value is None else "MindSpore"
        present = mindspore_value if torch_value is None else torch_value
        return TensorComparison(
            label,
            torch_name,
            mindspore_name,
            Outcome.INCOMPARABLE.value,
            torch_shape=_shape(torch_value),
            mindspore_shape=_shape(mindspore_value),
            note=f"no {missing} value"
            + (f" (the other side has shape {tuple(present.array.shape)})" if present is not None else ""),
        )
    expected, actual = torch_value.array, mindspore_value.array
    shapes = {"torch_shape": list(expected.shape), "mindspore_shape": list(actual.shape)}
    if expected.shape != actual.shape:
        if expected.size == actual.size and _squeezed(expected.shape) == _squeezed(actual.shape):
            actual = actual.reshape(expected.shape)
        else:
            return TensorComparison(
                label,
                torch_name,
                mindspore_name,
                Outcome.INCOMPARABLE.value,
                **shapes,
                note=f"shape {tuple(expected.shape)} in torch, {tuple(actual.shape)} in MindSpore",
            )
    if expected.size == 0:
        return TensorComparison(label, torch_name, mindspore_name, Outcome.CLOSE.value, **shapes, note="empty")
    tolerance = tolerance_for(expected, tolerances)
    sums = _Sums.of(expected, actual)
    own_scale = (reference.norm if reference is not None else math.sqrt(sums.torch_squared)) / math.sqrt(sums.size)
    scale = own_scale
    note = None
    if own_scale < bound.zero_floor * context_scale:
        # Zero, or as small as cancellation leaves it: its own scale is rounding noise.
        scale = context_scale
        note = "zero (or nearly) in torch: judged against the scale of the other tensors of its check"
    if scale == 0.0:
        # torch is exactly zero and so is everything it belongs with: nothing to be relative to.
        same = sums.difference_squared == 0.0 and not sums.nan_mismatch
        return TensorComparison(
            label,
            torch_name,
            mindspore_name,
            Outcome.CLOSE.value if same else Outcome.DIFFERS.value,
            max_abs=sums.max_difference,
            within_tolerance=1.0 if same else 0.0,
            scale=0.0,
            spread=0.0,
            **shapes,
            note="zero in torch" + ("" if same else ", not in MindSpore"),
        )
    inside, inside_squared = _count_within(expected, actual, tolerance.atol * scale, tolerance.rtol)
    within = inside / sums.size
    norm = scale * math.sqrt(sums.size)
    rel_error = math.inf if sums.nan_mismatch else math.sqrt(sums.difference_squared) / norm
    reference_rel = None if reference is None else reference.error / norm
    limit = bound.limit(reference_rel)
    if within == 1.0 and not sums.nan_mismatch:
        outcome = Outcome.CLOSE
    elif not _is_float(expected):  # integers (indices, counts) are exact or wrong
        outcome = Outcome.DIFFERS
    elif rel_error <= limit:
        outcome = Outcome.NOISE
    elif (
        not sums.nan_mismatch
        and math.sqrt(inside_squared) / norm <= limit
        and _isolated_elements(sums, sums.size - inside, bound)
    ):
        outcome = Outcome.NOISE
        note = (
            f"{sums.size - inside} of {sums.size} elements differ, each by less than the tensor's largest value: "
            "a ReLU or max-pool decision that rounding tipped the other way"
        )
    else:
        outcome = Outcome.DIFFERS
    return TensorComparison(
        name=label,
        torch_name=torch_name,
        mindspore_name=mindspore_name,
        outcome=outcome.value,
        max_abs=sums.max_difference,
        max_rel=sums.max_difference / scale,
        cosine=sums.cosine,
        within_tolerance=within,
        rel_error=rel_error,
        reference_error=reference_rel,
        noise_limit=limit,
        scale=scale,
        spread=sums.spread,
        tipped=sums.zero_mismatch,
        **shapes,
        note=note,
    )


def _isolated_elements(sums: _Sums, outside: int, bound: NoiseBound) -> bool:
    """A few isolated elements that differ while the rest agree within noise (the caller checks that): an
    element sitting on a ReLU's kink or tied in a max-pool window
    goes one way in torch and the other in MindSpore when rounding moves it by 1e-7, and its whole term of a
    gradient moves with it (measured: one of 50,176 activations behind a VGG BatchNorm bias flipped, and that
    bias's gradient moved 6e-3 relative). A semantic difference moves many elements, not one in a thousand."""
    return (
        sums.size >= bound.sparse_minimum_size
        and 0 < outside <= max(1, int(bound.sparse_share * sums.size))
        and sums.max_difference <= sums.torch_max_abs
    )


def build_check(
    phase: str,
    mode: str,
    pairs: Sequence[Paired],
    tolerances: Tolerances,
    bound: NoiseBound = DEFAULT_NOISE_BOUND,
) -> Check:
    # A tensor's context is the tensors of its own kind in the check: the outputs after the SGD step do not
    # set the scale of the parameters beside them.
    contexts = {
        kind: root_mean_square(
            torch.array for label, torch, _, _ in pairs if torch is not None and _kind(label) == kind
        )
        for kind in {_kind(label) for label, _, _, _ in pairs}
    }
    tensors = [
        compare_tensors(label, torch_value, mindspore_value, tolerances, reference, contexts[_kind(label)], bound)
        for label, torch_value, mindspore_value, reference in pairs
    ]
    return Check(phase=phase, mode=mode, tensors=tensors, note=_proves_little(phase, tensors))


def _kind(label: str) -> str:
    return "output" if label.startswith("output[") else "tensor"


def _proves_little(phase: str, tensors: Sequence[TensorComparison]) -> str | None:
    """Why agreeing on these tensors would prove nothing, or None."""
    measured = [tensor for tensor in tensors if tensor.scale is not None]
    if not measured:
        return None
    what = "outputs" if phase in (Phase.EVAL_FORWARD.value, Phase.TRAIN_FORWARD.value) else "tensors"
    if all(tensor.scale == 0.0 for tensor in measured):
        return f"all {what} are zero in torch: agreeing on them proves nothing"
    if phase in (Phase.EVAL_FORWARD.value, Phase.TRAIN_FORWARD.value) and all(
        tensor.spread is not None and tensor.spread < CONSTANT_SPREAD for tensor in measured
    ):
        return "every output is constant (it does not vary with the input): agreeing on it proves little"
    return None


def verdict(checks: Sequence[Check]) -> Status:
    """Divergent if any tensor differs; inconclusive if the forward outputs prove nothing; else equivalent,
    or equivalent up to kernel noise."""
    if any(not check.agrees for check in checks):
        return Status.DIVERGENT
    forward = [check for check in checks if check.phase == Phase.EVAL_FORWARD.value]
    if forward and all(check.note for check in forward):
        return Status.INCONCLUSIVE
    if any(not check.within_tolerance for check in checks):
        return Status.NOISE
    return Status.EQUIVALENT


# -- sums ---------------------------------------------------------------------------------------------
@dataclass
class _Sums:
    size: int = 0
    torch_squared: float = 0.0
    torch_sum: float = 0.0
    mindspore_squared: float = 0.0
    difference_squared: float = 0.0
    dot: float = 0.0
    max_difference: float = 0.0
    torch_max_abs: float = 0.0
    nan_mismatch: bool = False
    zero_mismatch: int = 0  # elements exactly zero on one side only: a ReLU that rounding tipped

    @classmethod
    def of(cls, expected: np.ndarray, actual: np.ndarray) -> _Sums:
        sums = cls()
        for torch_chunk, mindspore_chunk in _chunks(expected, actual):
            torch_values = torch_chunk.astype(np.float64)
            mindspore_values = mindspore_chunk.astype(np.float64)
            torch_nan = np.isnan(torch_values)
            mindspore_nan = np.isnan(mindspore_values)
            if np.any(torch_nan != mindspore_nan):
                sums.nan_mismatch = True
            torch_values = np.where(torch_nan, 0.0, torch_values)
            mindspore_values = np.where(mindspore_nan, 0.0, mindspore_values)
            sums.zero_mismatch += int(np.count_nonzero((torch_values == 0.0) != (mindspore_values == 0.0)))
            difference = np.abs(torch_values - mindspore_values)
            sums.size += torch_values.size
            sums.torch_squared += float(np.dot(torch_values, torch_values))
            sums.torch_sum += float(np.sum(torch_values))
            sums.mindspore_squared += float(np.dot(mindspore_values, mindspore_values))
            sums.difference_squared += float(np.dot(difference, difference))
            sums.dot += float(np.dot(torch_values, mindspore_values))
            if difference.size:
                sums.max_difference = max(sums.max_difference, float(np.max(difference)))
                sums.torch_max_abs = max(sums.torch_max_abs, float(np.max(np.abs(torch_values))))
        return sums

    @property
    def cosine(self) -> float:
        if self.torch_squared == 0.0 or self.mindspore_squared == 0.0:
            return 1.0 if self.torch_squared == self.mindspore_squared else 0.0
        return self.dot / math.sqrt(self.torch_squared * self.mindspore_squared)

    @property
    def spread(self) -> float:
        if self.torch_squared == 0.0:
            return 0.0
        mean = self.torch_sum / self.size
        variance = max(self.torch_squared / self.size - mean * mean, 0.0)
        return math.sqrt(variance / (self.torch_squared / self.size))


def _count_within(expected: np.ndarray, actual: np.ndarray, atol: float, rtol: float) -> tuple[int, float]:
    """How many elements are within the tolerance, and the sum of their squared differences (the error
    that is left once the elements outside the tolerance are set aside)."""
    count = 0
    squared = 0.0
    for torch_chunk, mindspore_chunk in _chunks(expected, actual):
        torch_values = torch_chunk.astype(np.float64)
        mindspore_values = mindspore_chunk.astype(np.float64)
        inside = np.isclose(mindspore_values, torch_values, rtol=rtol, atol=atol, equal_nan=True)
        count += int(np.count_nonzero(inside))
        difference = np.where(inside, np.nan_to_num(mindspore_values - torch_values), 0.0)
        squared += float(np.dot(difference, difference))
    return count, squared


def _chunks(*arrays: np.ndarray) -> Iterator[tuple[np.ndarray, ...]]:
    flat = [np.ravel(array) for array in arrays]
    size = flat[0].size
    for start in range(0, size, CHUNK_ELEMENTS):
        yield tuple(values[start : start + CHUNK_ELEMENTS] for values in flat)


def _is_float(array: np.ndarray) -> bool:
    return bool(np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.complexfloating))


def _shape(value: NamedArray | None) -> list[int] | None:
    return None if value is None else list(value.array.shape)


def _squeezed(shape: Sequence[int]) -> list[int]:
    return [size for size in shape if size != 1]
