"""From runs to checks, paired layers, configuration differences, the first divergence and the summary
(worker side, numpy only)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from msmigrate.equivalence.compare import NamedArray, Paired, build_check, compare_tensors
from msmigrate.equivalence.configs import LayerSide, config_differences
from msmigrate.equivalence.construction import Construction
from msmigrate.equivalence.hooks import LayerRecord
from msmigrate.equivalence.layers import LayerCall, pair_layer_calls
from msmigrate.equivalence.result import (
    DEFAULT_NOISE_BOUND,
    Check,
    ConfigDifference,
    Divergence,
    LayerComparison,
    Mode,
    NoiseBound,
    Outcome,
    Phase,
    Status,
    TensorComparison,
    Tolerances,
    WeightMapping,
    phase_title,
)
from msmigrate.equivalence.runs import LAYER_PHASES, ReferenceRun, SideRun

PHASE_ORDER = [phase.value for phase in Phase]
FORWARD_PHASES = (Phase.EVAL_FORWARD.value, Phase.TRAIN_FORWARD.value)


@dataclass(frozen=True)
class Layer:
    """A sub-module of one side, as the report names it."""

    path: str
    type_name: str
    kind: str  # the torch API it implements, or its class name: what parameter-free layers pair by
    weights: frozenset[str]  # MindSpore names of the mapped parameters under it
    construction: Construction | None

    @property
    def file(self) -> str | None:
        return self.construction.file if self.construction else None

    @property
    def line(self) -> int | None:
        return self.construction.line if self.construction else None


@dataclass(frozen=True)
class PairedCall:
    torch_path: str
    torch_call: int
    mindspore_path: str
    mindspore_call: int
    paired_by: str


# -- checks -------------------------------------------------------------------------------------------
def checks_for_mode(
    mode: str,
    torch_run: SideRun,
    mindspore_run: SideRun,
    reference: ReferenceRun | None,
    mapping: WeightMapping,
    torch_trainable: set[str],
    tolerances: Tolerances,
) -> list[Check]:
    reference = reference or ReferenceRun()

    def outputs(
        torch_arrays: list[np.ndarray],
        mindspore_arrays: list[np.ndarray],
        references: list[Any],
        suffix: str = "",
    ) -> list[Paired]:
        return [
            (
                f"output[{index}]{suffix}",
                _named(f"output[{index}]", torch_arrays, index),
                _named(f"output[{index}]", mindspore_arrays, index),
                references[index] if index < len(references) else None,
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
        references: dict[str, Any],
        pairs: list[Any],
    ) -> list[Paired]:
        return [
            (
                pair.torch,
                NamedArray(pair.torch, source_torch[pair.torch]) if pair.torch in source_torch else None,
                NamedArray(pair.mindspore, source_ms[pair.mindspore]) if pair.mindspore in source_ms else None,
                references.get(pair.torch),
            )
            for pair in pairs
        ]

    phases: list[tuple[str, list[Paired]]] = [
        (Phase.EVAL_FORWARD.value, outputs(torch_run.eval_outputs, mindspore_run.eval_outputs, reference.eval_outputs)),
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


# -- layers -------------------------------------------------------------------------------------------
def pair_calls(
    torch_records: Sequence[LayerRecord],
    mindspore_records: Sequence[LayerRecord],
    torch_layers: dict[str, Layer],
    mindspore_layers: dict[str, Layer],
) -> list[PairedCall]:
    """Pair the calls of one forward pass (see `layers`); the pairing then holds in every phase."""
    torch_calls = [_call(record, torch_layers) for record in torch_records]
    mindspore_calls = [_call(record, mindspore_layers) for record in mindspore_records]
    return [
        PairedCall(
            torch_calls[pair.torch_index].path,
            torch_calls[pair.torch_index].call,
            mindspore_calls[pair.mindspore_index].path,
            mindspore_calls[pair.mindspore_index].call,
            pair.paired_by,
        )
        for pair in pair_layer_calls(torch_calls, mindspore_calls)
    ]


def pair_by_definition(torch_layers: dict[str, Layer], mindspore_layers: dict[str, Layer]) -> list[PairedCall]:
    """Without a MindSpore forward pass (it raised, or the weights could not be paired): the same pairing
    over the layers in definition order, for the configuration diff."""
    torch_calls = [
        LayerCall(layer.path, 1, layer.kind, layer.weights, ()) for layer in torch_layers.values() if layer.path
    ]
    mindspore_calls = [
        LayerCall(layer.path, 1, layer.kind, layer.weights, ()) for layer in mindspore_layers.values() if layer.path
    ]
    return [
        PairedCall(torch_calls[p.torch_index].path, 1, mindspore_calls[p.mindspore_index].path, 1, p.paired_by)
        for p in pair_layer_calls(torch_calls, mindspore_calls)
    ]


def _call(record: LayerRecord, layers: dict[str, Layer]) -> LayerCall:
    layer = layers.get(record.path)
    return LayerCall(
        record.path,
        record.call,
        layer.kind if layer else record.type_name,
        layer.weights if layer else frozenset(),
        tuple(tuple(shape) for shape in record.output_shapes),
    )


def layer_comparisons(
    mode: str,
    torch_run: SideRun,
    mindspore_run: SideRun,
    reference: ReferenceRun | None,
    tolerances: Tolerances,
    pairs: Sequence[PairedCall],
    torch_layers: dict[str, Layer],
    mindspore_layers: dict[str, Layer],
    context_scale: float,
) -> list[LayerComparison]:
    """Every paired call in every recorded phase, in torch's execution order. `context_scale` (the inputs'
    RMS) is the yardstick for a layer whose output is zero in torch."""
    partner = {(pair.torch_path, pair.torch_call): pair for pair in pairs}
    comparisons = []
    for phase in LAYER_PHASES:
        mindspore_records = {(record.path, record.call): record for record in mindspore_run.layers.get(phase, [])}
        for index, torch_record in enumerate(torch_run.layers.get(phase, [])):
            pair = partner.get((torch_record.path, torch_record.call))
            if pair is None:
                continue
            mindspore_record = mindspore_records.get((pair.mindspore_path, pair.mindspore_call))
            if mindspore_record is None:
                continue
            worst = _worst_output(phase, index, torch_record, mindspore_record, reference, tolerances, context_scale)
            if worst is None:
                continue
            torch_layer = torch_layers.get(torch_record.path)
            mindspore_layer = mindspore_layers.get(mindspore_record.path)
            comparisons.append(
                LayerComparison(
                    phase=phase,
                    mode=mode,
                    torch_path=torch_record.path,
                    mindspore_path=mindspore_record.path,
                    torch_type=torch_record.type_name,
                    mindspore_type=mindspore_record.type_name,
                    paired_by=pair.paired_by,
                    outcome=worst.outcome,
                    max_abs=worst.max_abs,
                    rel_error=worst.rel_error,
                    cosine=worst.cosine,
                    reference_error=worst.reference_error,
                    noise_limit=worst.noise_limit,
                    tipped=worst.tipped,
                    torch_shape=worst.torch_shape,
                    mindspore_shape=worst.mindspore_shape,
                    torch_file=torch_layer.file if torch_layer else None,
                    torch_line=torch_layer.line if torch_layer else None,
                    mindspore_file=mindspore_layer.file if mindspore_layer else None,
                    mindspore_line=mindspore_layer.line if mindspore_layer else None,
                )
            )
    return comparisons


def _worst_output(
    phase: str,
    index: int,
    torch_record: LayerRecord,
    mindspore_record: LayerRecord,
    reference: ReferenceRun | None,
    tolerances: Tolerances,
    context_scale: float,
) -> TensorComparison | None:
    worst = None
    for output in range(max(len(torch_record.outputs), len(mindspore_record.outputs))):
        comparison = compare_tensors(
            f"{torch_record.path}[{output}]",
            _named(torch_record.path, torch_record.outputs, output),
            _named(mindspore_record.path, mindspore_record.outputs, output),
            tolerances,
            reference.layer(phase, index, output) if reference else None,
            context_scale,
        )
        if worst is None or _rank(comparison) > _rank(worst):
            worst = comparison
    return worst


_OUTCOME_RANK = {
    Outcome.CLOSE.value: 0,
    Outcome.NOISE.value: 1,
    Outcome.DIFFERS.value: 2,
    Outcome.INCOMPARABLE.value: 3,
}


def _rank(comparison: TensorComparison | LayerComparison) -> tuple[int, float]:
    return _OUTCOME_RANK[comparison.outcome], comparison.rel_error or 0.0


def configuration_differences(
    pairs: Sequence[PairedCall],
    torch_layers: dict[str, Layer],
    mindspore_layers: dict[str, Layer],
    torch_records: Sequence[LayerRecord] = (),
    mindspore_records: Sequence[LayerRecord] = (),
) -> list[ConfigDifference]:
    """For each pair of layers (once, however often they run), the hyperparameters that differ, read at the
    input shape of their first call."""
    torch_inputs = _first_input_shapes(torch_records)
    mindspore_inputs = _first_input_shapes(mindspore_records)
    found = []
    seen = set()
    for pair in pairs:
        key = (pair.torch_path, pair.mindspore_path)
        torch_layer = torch_layers.get(pair.torch_path)
        mindspore_layer = mindspore_layers.get(pair.mindspore_path)
        if key in seen or torch_layer is None or mindspore_layer is None:
            continue
        seen.add(key)
        if torch_layer.construction is None or mindspore_layer.construction is None:
            continue
        differences = config_differences(
            LayerSide(
                torch_layer.construction.api, torch_layer.construction.arguments, torch_inputs.get(pair.torch_path)
            ),
            LayerSide(
                mindspore_layer.construction.api,
                mindspore_layer.construction.arguments,
                mindspore_inputs.get(pair.mindspore_path),
            ),
        )
        found.extend(
            ConfigDifference(
                torch_path=pair.torch_path,
                mindspore_path=pair.mindspore_path,
                torch_type=torch_layer.type_name,
                mindspore_type=mindspore_layer.type_name,
                hyperparameter=difference.hyperparameter,
                torch_value=difference.torch_value,
                mindspore_value=difference.mindspore_value,
                note=difference.note,
                torch_file=torch_layer.file,
                torch_line=torch_layer.line,
                mindspore_file=mindspore_layer.file,
                mindspore_line=mindspore_layer.line,
            )
            for difference in differences
        )
    return found


def with_layer_outcomes(
    differences: Sequence[ConfigDifference], layers: Sequence[LayerComparison]
) -> list[ConfigDifference]:
    """Each difference with whether its layers' outputs agreed in the first compared eval forward."""
    agreed: dict[tuple[str, str], bool] = {}
    for layer in layers:
        if layer.phase == Phase.EVAL_FORWARD.value:
            agreed.setdefault((layer.torch_path, layer.mindspore_path), layer.agrees)
    return [
        replace(difference, outputs_agree=agreed.get((difference.torch_path, difference.mindspore_path)))
        for difference in differences
    ]


def _first_input_shapes(records: Iterable[LayerRecord]) -> dict[str, list[int]]:
    shapes: dict[str, list[int]] = {}
    for record in records:
        if record.path not in shapes and record.input_shapes:
            shapes[record.path] = record.input_shapes[0]
    return shapes


# -- decisions that rounding tipped -------------------------------------------------------------------
GRADIENT_PHASES = (Phase.INPUT_GRADIENTS.value, Phase.PARAMETER_GRADIENTS.value, Phase.SGD_STEP.value)


def allow_tipped_decisions(
    checks: Sequence[Check],
    layers: Sequence[LayerComparison],
    bound: NoiseBound = DEFAULT_NOISE_BOUND,
) -> tuple[list[Check], str | None]:
    """Re-judge gradients that ReLU decisions tipped by rounding can explain (see NoiseBound): only when
    the train forward shows such decisions, every forward check of the mode agrees, and every paired leaf
    layer agrees. A container can differ by its boundary alone (mindcv's `features` holds the last ReLU,
    torchvision applies it as a function after): its children say more. Returns the checks and a note."""
    leaves = _leaves(layers)
    tipped = [layer for layer in leaves if layer.phase == Phase.TRAIN_FORWARD.value and layer.tipped and layer.agrees]
    if not tipped or any(not layer.agrees for layer in leaves):
        return list(checks), None
    forward_agrees = {check.mode for check in checks} - {
        check.mode for check in checks if check.phase not in GRADIENT_PHASES and not check.agrees
    }
    explained = 0
    rejudged = []
    for check in checks:
        if check.phase not in GRADIENT_PHASES or check.mode not in forward_agrees:
            rejudged.append(check)
            continue
        tensors = []
        for tensor in check.tensors:
            if (
                tensor.outcome == Outcome.DIFFERS.value
                and tensor.rel_error is not None
                and tensor.rel_error <= bound.tipped_allowance
                and (tensor.cosine or 0.0) >= bound.tipped_cosine
            ):
                tensor = replace(
                    tensor,
                    outcome=Outcome.NOISE.value,
                    note="moved by ReLU decisions that rounding tipped in the train forward (see the notes)",
                )
                explained += 1
            tensors.append(tensor)
        rejudged.append(replace(check, tensors=tensors))
    if not explained:
        return list(checks), None
    count = sum(layer.tipped or 0 for layer in tipped)
    where = ", ".join(layer.torch_path for layer in tipped[:3]) + (" and more" if len(tipped) > 3 else "")
    return rejudged, (
        f"rounding tipped {count} ReLU decision(s) in the train forward (an element zero on one side only, at "
        f"{where}) while every forward value agrees; {explained} gradient tensor(s) moved with them, by up to "
        f"{bound.tipped_allowance:g} relative, and were judged noise"
    )


def _leaves(layers: Sequence[LayerComparison]) -> list[LayerComparison]:
    """The comparisons of layers with no paired layer inside them."""
    parents = {path.rpartition(".")[0] for path in {layer.torch_path for layer in layers}}
    ancestors = set()
    for parent in parents:
        while parent:
            ancestors.add(parent)
            parent = parent.rpartition(".")[0]
    return [layer for layer in layers if layer.torch_path not in ancestors]


# -- the first divergence -----------------------------------------------------------------------------
def execution_order(run: SideRun) -> dict[str, int]:
    """Each sub-module's position in the eval forward, by the completion of its first call."""
    order: dict[str, int] = {}
    for record in run.layers.get(Phase.EVAL_FORWARD.value, []):
        order.setdefault(record.path, len(order))
    return order


def first_divergence(
    checks: Sequence[Check],
    layers: Sequence[LayerComparison],
    torch_run: SideRun,
    torch_layers: dict[str, Layer],
    mindspore_layers: dict[str, Layer],
    mapping: WeightMapping,
) -> Divergence | None:
    """Where the first difference starts, in the first failing phase (PyNative before GRAPH_MODE):
    - a forward phase: the first paired layer in execution order whose output differs (every layer that
      ran before it agrees);
    - parameter gradients: the module latest in forward order whose gradients differ (backward runs in
      reverse, so every module before it inherits the error);
    - running statistics and the step: the module earliest in forward order.
    """
    order = execution_order(torch_run)
    to_mindspore = {pair.torch: pair.mindspore for pair in mapping.pairs}
    failing_checks = sorted(
        (check for check in checks if not check.agrees),
        key=lambda check: (PHASE_ORDER.index(check.phase), check.mode != Mode.PYNATIVE.value),
    )
    for check in failing_checks:
        failing = [tensor for tensor in check.tensors if not tensor.agrees]
        layer = next(
            (layer for layer in layers if layer.phase == check.phase and layer.mode == check.mode and not layer.agrees),
            None,
        )
        if layer is not None:
            return Divergence(
                check.phase,
                check.mode,
                layer.torch_path,
                layer.mindspore_path,
                layer.torch_type,
                layer.mindspore_type,
                layer.max_abs,
                layer.rel_error,
                layer.torch_shape,
                layer.mindspore_shape,
                layer.torch_file,
                layer.torch_line,
                layer.mindspore_file,
                layer.mindspore_line,
            )
        owned = [
            tensor
            for tensor in failing
            if tensor.torch_name and tensor.mindspore_name and not tensor.torch_name.startswith(("output[", "input["))
        ]
        chosen = failing[0] if failing else None
        torch_path = mindspore_path = ""
        if owned:

            def position(tensor: TensorComparison) -> int:
                return order.get(_owner(tensor.torch_name or ""), len(order))

            latest_first = check.phase == Phase.PARAMETER_GRADIENTS.value
            chosen = (max if latest_first else min)(owned, key=position)
            torch_path = _owner(chosen.torch_name or "")
            mindspore_path = _owner(to_mindspore.get(chosen.torch_name or "", chosen.mindspore_name or ""))
        torch_layer = torch_layers.get(torch_path)
        mindspore_layer = mindspore_layers.get(mindspore_path)
        return Divergence(
            check.phase,
            check.mode,
            torch_path,
            mindspore_path,
            torch_layer.type_name if torch_layer else None,
            mindspore_layer.type_name if mindspore_layer else None,
            chosen.max_abs if chosen else None,
            chosen.rel_error if chosen else None,
            chosen.torch_shape if chosen else None,
            chosen.mindspore_shape if chosen else None,
            torch_layer.file if torch_layer else None,
            torch_layer.line if torch_layer else None,
            mindspore_layer.file if mindspore_layer else None,
            mindspore_layer.line if mindspore_layer else None,
        )
    return None


def _owner(name: str) -> str:
    return name.rpartition(".")[0]


# -- the summary --------------------------------------------------------------------------------------
def summary(
    status: Status,
    checks: Sequence[Check],
    divergence: Divergence | None,
    modes: Sequence[str],
    differences: Sequence[ConfigDifference] = (),
) -> str:
    mode_names = " and ".join("PyNative" if mode == Mode.PYNATIVE.value else "GRAPH_MODE" for mode in modes)
    tensors = [tensor for check in checks for tensor in check.tensors]
    worst = max((tensor.rel_error or 0.0 for tensor in tensors), default=0.0)
    if status is Status.EQUIVALENT:
        return (
            f"Equivalent: all {len(checks)} checks ({len(tensors)} tensors) in {mode_names} are within tolerance; "
            f"worst relative error {worst:.1e}."
        )
    if status is Status.NOISE:
        noisy = [tensor for tensor in tensors if tensor.outcome == Outcome.NOISE.value]
        return (
            f"Equivalent within kernel noise: {len(noisy)} of {len(tensors)} tensors in {mode_names} exceed the "
            f"element-wise tolerance, by no more than {worst:.1e} relative, each within its noise limit (10 times "
            "torch's own float32 rounding error, measured in float64, or the reasons in the notes)."
        )
    if status is Status.INCONCLUSIVE:
        notes = "; ".join(dict.fromkeys(check.note for check in checks if check.note))
        return f"Inconclusive: every check agrees, but {notes}."
    failed = [check for check in checks if not check.agrees]
    where = ""
    if divergence is not None:
        if divergence.torch_path or divergence.mindspore_path:
            where = (
                f" first at {divergence.torch_path or '?'} (PyTorch) / {divergence.mindspore_path or '?'} (MindSpore)"
            )
        else:
            where = " in the model as a whole"
        where += f" in {phase_title(divergence.phase)} ({divergence.mode})"
        if (
            divergence.torch_shape
            and divergence.mindspore_shape
            and divergence.torch_shape != divergence.mindspore_shape
        ):
            where += f": output shape {tuple(divergence.torch_shape)} vs {tuple(divergence.mindspore_shape)}"
        elif divergence.rel_error is not None:
            where += f", relative error {divergence.rel_error:.3g}"
        at_layer = [
            difference
            for difference in differences
            if (difference.torch_path, difference.mindspore_path) == (divergence.torch_path, divergence.mindspore_path)
        ]
        if at_layer:
            where += "; configured differently: " + ", ".join(
                f"{d.hyperparameter} {d.torch_value} vs {d.mindspore_value}" for d in at_layer
            )
    modes_by_phase: dict[str, list[str]] = {}
    for check in failed:
        modes_by_phase.setdefault(check.phase, []).append(check.mode)
    names = "; ".join(f"{phase_title(phase)} ({', '.join(modes)})" for phase, modes in modes_by_phase.items())
    return f"Divergent:{where}. {len(failed)} of {len(checks)} checks differ: {names}."
