"""One equivalence check inside the worker: import, build, pair weights, run, compare.

torch runs once (and once more in float64, the rounding yardstick); MindSpore once per requested mode,
each in a fresh Cell (`runs`); `verdicts` turns the runs into checks, layers and the first divergence.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from msmigrate.equivalence.compare import verdict
from msmigrate.equivalence.hooks import SourceLines
from msmigrate.equivalence.result import (
    Check,
    EquivalenceRequest,
    EquivalenceResult,
    ErrorKind,
    InputSpec,
    LayerComparison,
    Mode,
    Phase,
    SideRef,
    Status,
    Tolerances,
    WeightMapping,
)
from msmigrate.equivalence.runs import (
    choose_devices,
    example_inputs,
    float64_copy,
    random_inputs,
    run_float64_reference,
    run_mindspore,
    run_torch,
    seed_everything,
)
from msmigrate.equivalence.usercode import (
    CheckFailed,
    UserFiles,
    instantiate,
    load_module,
    user_class,
    user_weight_map,
)
from msmigrate.equivalence.verdicts import LineContext, checks_for_mode, first_divergence, layer_comparisons, summary
from msmigrate.equivalence.weights import MappingOutcome, TensorEntry, map_weights


def run_check(request: EquivalenceRequest, progress: Callable[[str, int | None], None]) -> EquivalenceResult:
    """Both models from the same weights and inputs, compared phase by phase; raises CheckFailed."""
    started = time.perf_counter()
    files = UserFiles()
    tolerances = request.tolerances or Tolerances()
    unknown_modes = set(request.modes) - {mode.value for mode in Mode}
    if unknown_modes or not request.modes:
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"modes must be pynative and/or graph, not {sorted(unknown_modes)}")

    progress("importing torch and mindspore", 5)
    try:
        import mindspore
        import torch  # noqa: F401 (imported here to fail early, with a message naming the interpreter)
    except ImportError as error:
        raise CheckFailed(
            ErrorKind.IMPORT_ERROR,
            f"{sys.executable} cannot import {error.name or 'torch/mindspore'}: install msmigrate[equiv] there "
            "or choose another interpreter",
            traceback.format_exc(),
        ) from None
    torch_device, mindspore_target = choose_devices(request.device)
    mindspore.set_device(mindspore_target)

    progress("importing the model files", 15)
    torch_module = load_module(request.torch_file, "torch", files)
    mindspore_module = (
        torch_module
        if Path(request.mindspore_file).resolve() == Path(request.torch_file).resolve()
        else load_module(request.mindspore_file, "mindspore", files)
    )
    torch_class = user_class(torch_module, request.torch_class, request.torch_file)
    mindspore_class = user_class(mindspore_module, request.mindspore_class, request.mindspore_file)

    if request.inputs:
        inputs = random_inputs(request.inputs, request.seed)
    else:
        found = example_inputs([torch_module, mindspore_module], files)
        if found is None:
            raise CheckFailed(
                ErrorKind.BAD_REQUEST,
                "no inputs: pass --input SHAPE:DTYPE (such as 2,3,32,32:float32) or define a module-level "
                "example_inputs() next to either class",
            )
        inputs = found
    input_specs = [InputSpec(list(array.shape), str(array.dtype)) for array in inputs]
    mindspore_arguments = request.mindspore_init_args if request.mindspore_init_args is not None else request.init_args

    def build_cell(mode: str) -> Any:
        mindspore.set_context(mode=mindspore.GRAPH_MODE if mode == Mode.GRAPH.value else mindspore.PYNATIVE_MODE)
        mindspore.set_seed(request.seed)
        return instantiate(mindspore_class, mindspore_arguments, files)

    progress(f"building {request.torch_class} and {request.mindspore_class}", 20)
    seed_everything(request.seed)
    torch_model = instantiate(torch_class, request.init_args, files)
    first_mode = request.modes[0]
    cell = build_cell(first_mode)

    progress("pairing weights", 25)
    outcome = _pair_weights(torch_model, cell, request, files)
    progress(_mapping_message(outcome), 28)
    if not outcome.complete:
        raise CheckFailed(
            ErrorKind.UNMAPPED_WEIGHTS,
            _unmapped_message(outcome),
            "\n".join(outcome.shape_conflicts),
            weight_mapping=outcome.mapping,
        )

    reference_model = float64_copy(torch_model)
    progress(f"running {request.torch_class} (torch, {torch_device})", 30)
    torch_run, initial_state, torch_trainable = run_torch(
        torch_model, inputs, request.seed, torch_device, files, request.torch_class
    )
    reference_run = None
    if reference_model is not None:
        progress(f"running {request.torch_class} in float64 (the rounding yardstick)", 33)
        reference_run = run_float64_reference(reference_model, inputs, request.seed, torch_device, files)
    mindspore_trainable = [key for key, parameter in cell.parameters_and_names() if parameter.requires_grad]

    checks: list[Check] = []
    layers: list[LayerComparison] = []
    mindspore_lines = SourceLines(request.mindspore_file, lambda cell_: dict(cell_.name_cells()))
    torch_lines = SourceLines(request.torch_file, lambda module: dict(module.named_children()))
    line_context = LineContext(torch_model, cell, torch_lines, mindspore_lines)
    mode_span = 60 // len(request.modes)
    for index, mode in enumerate(request.modes):
        progress(f"running {request.mindspore_class} (MindSpore {mode}, {mindspore_target})", 35 + index * mode_span)
        if index > 0:
            cell = build_cell(mode)
        _load_weights(cell, outcome.mapping, initial_state)
        try:
            mindspore_run = run_mindspore(
                cell,
                inputs,
                mindspore_trainable,
                request.seed,
                record_layers=mode == Mode.PYNATIVE.value,
                files=files,
                name=request.mindspore_class,
            )
        except CheckFailed as failure:
            if mode != Mode.GRAPH.value:
                raise
            # A Cell that runs in PyNative but not in GRAPH_MODE is a finding, not a failure of the check.
            checks.append(Check(Phase.EVAL_FORWARD.value, mode, False, f"GRAPH_MODE: {failure.error.message}"))
            continue
        checks.extend(
            checks_for_mode(mode, torch_run, mindspore_run, reference_run, outcome.mapping, torch_trainable, tolerances)
        )
        if mode == Mode.PYNATIVE.value:
            layers.extend(layer_comparisons(mode, torch_run, mindspore_run, reference_run, tolerances, line_context))

    progress("comparing", 97)
    status = verdict(checks)
    divergence = None
    if status is Status.DIVERGENT:
        divergence = first_divergence(checks, layers, torch_run, line_context)
    return EquivalenceResult(
        status=status.value,
        equivalent=status is not Status.DIVERGENT,
        summary=summary(status, checks, divergence, request),
        torch=SideRef(request.torch_file, request.torch_class),
        mindspore=SideRef(request.mindspore_file, request.mindspore_class),
        device={"torch": torch_device, "mindspore": mindspore_target},
        inputs=input_specs,
        tolerances=tolerances,
        weight_mapping=outcome.mapping,
        checks=checks,
        layers=layers,
        first_divergence=divergence,
        duration_s=time.perf_counter() - started,
    )


def _pair_weights(torch_model: Any, cell: Any, request: EquivalenceRequest, files: UserFiles) -> MappingOutcome:
    owners = dict(torch_model.named_modules())
    torch_entries = [
        TensorEntry(key, tuple(value.shape), type(owners.get(key.rpartition(".")[0], torch_model)).__name__)
        for key, value in torch_model.state_dict().items()
    ]
    cell_owners = dict(cell.cells_and_names())
    mindspore_entries = [
        TensorEntry(key, tuple(parameter.shape), type(cell_owners.get(key.rpartition(".")[0], cell)).__name__)
        for key, parameter in cell.parameters_and_names()
    ]
    user = user_weight_map(request.weight_map, torch_entries, mindspore_entries, files) if request.weight_map else None
    return map_weights(torch_entries, mindspore_entries, user)


def _load_weights(cell: Any, mapping: WeightMapping, state: dict[str, np.ndarray]) -> None:
    from mindspore import Tensor

    parameters = dict(cell.parameters_and_names())
    for pair in mapping.pairs:
        parameter = parameters[pair.mindspore]
        value = state[pair.torch].reshape(pair.shape)
        parameter.set_data(Tensor(value, dtype=parameter.dtype))


def _mapping_message(outcome: MappingOutcome) -> str:
    mapping = outcome.mapping
    renamed = [pair for pair in mapping.pairs if pair.torch != pair.mindspore]
    parts = [f"weights: {len(mapping.pairs)} pairs by {mapping.source}"]
    if renamed:
        shown = ", ".join(f"{pair.torch} -> {pair.mindspore}" for pair in renamed[:6])
        parts.append(f"{len(renamed)} renamed ({shown}{', ...' if len(renamed) > 6 else ''})")
    if outcome.dropped_torch:
        parts.append(
            f"dropped {', '.join(outcome.dropped_torch[:3])}{', ...' if len(outcome.dropped_torch) > 3 else ''}"
        )
    unmapped = mapping.unmapped_torch + mapping.unmapped_mindspore
    parts.append(f"unmapped: {', '.join(unmapped) if unmapped else 'none'}")
    return "; ".join(parts)


def _unmapped_message(outcome: MappingOutcome) -> str:
    mapping = outcome.mapping
    sides = []
    if mapping.unmapped_torch:
        sides.append(f"torch tensors without a MindSpore parameter: {_listed(mapping.unmapped_torch)}")
    if mapping.unmapped_mindspore:
        sides.append(f"MindSpore parameters without a torch tensor: {_listed(mapping.unmapped_mindspore)}")
    return (
        "refusing to compare with random weights; "
        + "; ".join(sides)
        + ". Pair them with --weight-map (a JSON/TOML file of torch name = MindSpore name, or file.py:function)"
    )


def _listed(names: list[str], limit: int = 8) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
