"""From two runs to checks, per-layer comparisons, the first divergence and the summary sentence."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from msmigrate.equivalence.compare import NamedArray, Paired, build_check, compare_arrays, is_noise
from msmigrate.equivalence.hooks import SourceLines, pair_layers
from msmigrate.equivalence.result import (
    DEFAULT_NOISE_BOUND,
    Check,
    Divergence,
    EquivalenceRequest,
    LayerComparison,
    Mode,
    Phase,
    Status,
    Tolerances,
    WeightMapping,
)
from msmigrate.equivalence.runs import SideRun

PHASE_ORDER = [phase.value for phase in Phase]
LAYER_PHASES = (Phase.EVAL_FORWARD.value, Phase.TRAIN_FORWARD.value, Phase.SGD_STEP.value)


def checks_for_mode(
    mode: str,
    torch_run: SideRun,
    mindspore_run: SideRun,
    reference_run: SideRun | None,
    mapping: WeightMapping,
    torch_trainable: set[str],
    tolerances: Tolerances,
) -> list[Check]:
    reference = reference_run or SideRun()

    def outputs(
        torch_arrays: list[np.ndarray],
        mindspore_arrays: list[np.ndarray],
        reference_arrays: list[np.ndarray],
        suffix: str = "",
    ) -> list[Paired]:
        return [
            (
                f"output[{index}]{suffix}",
                _named(f"output[{index}]", torch_arrays, index),
                _named(f"output[{index}]", mindspore_arrays, index),
                reference_arrays[index] if index < len(reference_arrays) else None,
            )
            for index in range(max(len(torch_arrays), len(mindspore_arrays)))
        ]

    input_gradients: list[Paired] = [
        (
            f"input[{index}].grad",
            NamedArray(f"input[{index}]", torch_grad),
            NamedArray(f"input[{index}]", ms_grad),
            reference.input_gradients[index] if index < len(reference.input_gradients) else None,
        )
        for index, (torch_grad, ms_grad) in enumerate(
            zip(torch_run.input_gradients, mindspore_run.input_gradients, strict=True)
        )
        if torch_grad is not None and ms_grad is not None
    ]
    trainable_pairs = [pair for pair in mapping.pairs if pair.torch in torch_trainable]
    buffer_pairs = [pair for pair in mapping.pairs if pair.torch not in torch_trainable]

    def paired(
        source_torch: dict[str, np.ndarray],
        source_ms: dict[str, np.ndarray],
        source_reference: dict[str, np.ndarray],
        pairs: list[Any],
    ) -> list[Paired]:
        return [
            (
                pair.torch,
                NamedArray(pair.torch, source_torch[pair.torch]) if pair.torch in source_torch else None,
                NamedArray(pair.mindspore, source_ms[pair.mindspore]) if pair.mindspore in source_ms else None,
                source_reference.get(pair.torch),
            )
            for pair in pairs
        ]

    phases: list[tuple[str, list[Paired]]] = [
        (
            Phase.EVAL_FORWARD.value,
            outputs(torch_run.eval_outputs, mindspore_run.eval_outputs, reference.eval_outputs),
        ),
        (
            Phase.TRAIN_FORWARD.value,
            outputs(torch_run.train_outputs, mindspore_run.train_outputs, reference.train_outputs),
        ),
        (Phase.INPUT_GRADIENTS.value, input_gradients),
        (
            Phase.PARAMETER_GRADIENTS.value,
            paired(
                torch_run.parameter_gradients,
                mindspore_run.parameter_gradients,
                reference.parameter_gradients,
                trainable_pairs,
            ),
        ),
        (
            Phase.RUNNING_STATS.value,
            paired(
                torch_run.state_after_step, mindspore_run.state_after_step, reference.state_after_step, buffer_pairs
            ),
        ),
        (
            Phase.SGD_STEP.value,
            paired(
                torch_run.state_after_step, mindspore_run.state_after_step, reference.state_after_step, trainable_pairs
            )
            + outputs(
                torch_run.post_step_outputs,
                mindspore_run.post_step_outputs,
                reference.post_step_outputs,
                " after the step",
            ),
        ),
    ]
    return [build_check(phase, mode, pairs, tolerances) for phase, pairs in phases if pairs]


def _named(name: str, arrays: list[np.ndarray], index: int) -> NamedArray | None:
    return NamedArray(name, arrays[index]) if index < len(arrays) else None


@dataclass
class LineContext:
    torch_model: Any
    cell: Any
    torch_lines: SourceLines
    mindspore_lines: SourceLines

    def lines(self, torch_path: str, mindspore_path: str) -> tuple[int | None, int | None]:
        return (
            self.torch_lines.line_of(self.torch_model, torch_path),
            self.mindspore_lines.line_of(self.cell, mindspore_path),
        )


def layer_comparisons(
    mode: str,
    torch_run: SideRun,
    mindspore_run: SideRun,
    reference_run: SideRun | None,
    tolerances: Tolerances,
    context: LineContext,
) -> list[LayerComparison]:
    comparisons = []
    for phase in LAYER_PHASES:
        torch_records = torch_run.layers.get(phase, [])
        # The float64 twin runs the same modules in the same order.
        reference_records = reference_run.layers.get(phase, []) if reference_run else []
        reference_by_id = (
            {id(record): twin for record, twin in zip(torch_records, reference_records, strict=True)}
            if len(reference_records) == len(torch_records)
            else {}
        )
        for torch_record, mindspore_record in pair_layers(torch_records, mindspore_run.layers.get(phase, [])):
            twin = reference_by_id.get(id(torch_record))
            worst = None
            for index in range(max(len(torch_record.outputs), len(mindspore_record.outputs))):
                comparison, _ = compare_arrays(
                    f"{torch_record.path}[{index}]",
                    _named(torch_record.path, torch_record.outputs, index),
                    _named(mindspore_record.path, mindspore_record.outputs, index),
                    tolerances,
                    twin.outputs[index] if twin is not None and index < len(twin.outputs) else None,
                )
                if worst is None or _worse(comparison, worst):
                    worst = comparison
            if worst is None:
                continue
            torch_line, mindspore_line = context.lines(torch_record.path, mindspore_record.path)
            comparisons.append(
                LayerComparison(
                    phase=phase,
                    mode=mode,
                    torch_path=torch_record.path,
                    mindspore_path=mindspore_record.path,
                    mindspore_line=mindspore_line,
                    torch_line=torch_line,
                    passed=worst.passed,
                    max_abs=worst.max_abs,
                    rel_frobenius=worst.rel_frobenius,
                    cosine=worst.cosine,
                    reference_rel_frobenius=worst.reference_rel_frobenius,
                )
            )
    return comparisons


def _worse(candidate: Any, current: Any) -> bool:
    if candidate.rel_frobenius is None or current.rel_frobenius is None:
        return candidate.rel_frobenius is None and current.rel_frobenius is not None
    return candidate.rel_frobenius > current.rel_frobenius or (current.passed and not candidate.passed)


def first_divergence(
    checks: list[Check], layers: list[LayerComparison], torch_run: SideRun, context: LineContext
) -> Divergence | None:
    """The first semantically failing check in phase order, located at a module:
    forward phases: the first failing layer in execution order; parameter gradients: the module latest in
    forward order whose gradients differ (backward runs in reverse, so everything before it inherits the
    error); running statistics and the step: the module earliest in forward order."""
    execution_order: dict[str, int] = {}
    for record in torch_run.layers.get(Phase.EVAL_FORWARD.value, []):
        execution_order.setdefault(record.path, len(execution_order))
    ordered = sorted(
        (check for check in checks if not check.passed),
        key=lambda check: (PHASE_ORDER.index(check.phase), check.mode != Mode.PYNATIVE.value),
    )
    for check in ordered:
        failing = [tensor for tensor in check.tensors if not tensor.passed and not is_noise(tensor)]
        if check.error is None and not failing:
            continue
        for layer in layers:
            if (
                layer.phase == check.phase
                and layer.mode == check.mode
                and not layer.passed
                and not _layer_is_noise(layer)
            ):
                return Divergence(
                    check.phase,
                    check.mode,
                    layer.torch_path,
                    layer.mindspore_path,
                    layer.mindspore_line,
                    layer.torch_line,
                    layer.max_abs,
                    layer.rel_frobenius,
                )
        owned = [
            tensor
            for tensor in failing
            if tensor.torch_name and tensor.mindspore_name and not tensor.torch_name.startswith(("output[", "input["))
        ]
        if owned:

            def position(tensor: Any) -> int:
                return execution_order.get(tensor.torch_name.rpartition(".")[0], len(execution_order))

            latest_first = check.phase in (Phase.PARAMETER_GRADIENTS.value,)
            chosen = (max if latest_first else min)(owned, key=position)
            torch_path = chosen.torch_name.rpartition(".")[0]
            mindspore_path = chosen.mindspore_name.rpartition(".")[0]
        else:
            chosen = failing[0] if failing else None
            torch_path = mindspore_path = ""
        torch_line, mindspore_line = context.lines(torch_path, mindspore_path)
        return Divergence(
            check.phase,
            check.mode,
            torch_path,
            mindspore_path,
            mindspore_line,
            torch_line,
            chosen.max_abs if chosen else None,
            chosen.rel_frobenius if chosen else None,
        )
    return None


def _layer_is_noise(layer: LayerComparison) -> bool:
    return DEFAULT_NOISE_BOUND.admits(layer.rel_frobenius, layer.cosine, layer.reference_rel_frobenius)


def summary(status: Status, checks: list[Check], divergence: Divergence | None, request: EquivalenceRequest) -> str:
    modes = " and ".join("PyNative" if mode == Mode.PYNATIVE.value else "GRAPH_MODE" for mode in request.modes)
    tensors = [tensor for check in checks for tensor in check.tensors]
    worst = max((tensor.rel_frobenius or 0.0 for tensor in tensors), default=0.0)
    if status is Status.EQUIVALENT:
        return (
            f"Equivalent: all {len(checks)} checks ({len(tensors)} tensors) in {modes} are within tolerance; "
            f"worst relative Frobenius error {worst:.1e}."
        )
    failed = [check for check in checks if not check.passed]
    if status is Status.NOISE:
        over = sum(not tensor.passed for check in failed for tensor in check.tensors)
        return (
            f"Equivalent within kernel noise: {over} tensor(s) exceed the element-wise tolerance, but each one's "
            f"relative Frobenius error (worst {worst:.1e}) is within {DEFAULT_NOISE_BOUND.reference_factor:g}x "
            "torch's own float32 rounding error (float64 run) and its cosine similarity above "
            f"{DEFAULT_NOISE_BOUND.cosine:g}."
        )
    where = ""
    if divergence is not None:
        path = divergence.mindspore_path or request.mindspore_class
        line = f", {os.path.basename(request.mindspore_file)}:{divergence.line}" if divergence.line else ""
        where = f" first at {path}{line} in {divergence.phase} ({divergence.mode})"
        if divergence.max_abs is not None:
            where += f", max abs error {divergence.max_abs:.3g}"
    modes_by_phase: dict[str, list[str]] = {}
    for check in failed:
        modes_by_phase.setdefault(check.phase, []).append(check.mode)
    names = ", ".join(f"{phase} ({', '.join(modes)})" for phase, modes in modes_by_phase.items())
    return f"Divergent:{where}; {len(failed)} of {len(checks)} checks failed: {names}."
