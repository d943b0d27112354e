"""One equivalence check inside the worker: import, build, pair weights, make the comparison informative,
run, compare, explain.

torch runs once (and once more in float64, the rounding yardstick, reduced to one number per tensor);
MindSpore once per requested mode, each in a fresh Cell; `verdicts` turns the runs into checks, paired
layers, configuration differences and the first divergence.
"""

from __future__ import annotations

import gc
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from msmigrate.equivalence.compare import root_mean_square, verdict
from msmigrate.equivalence.construction import (
    Construction,
    ConstructionRecorder,
    construction_of,
    mindspore_framework,
    torch_framework,
)
from msmigrate.equivalence.initialisation import reinitialise, zero_tensors
from msmigrate.equivalence.result import (
    Check,
    ConfigDifference,
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
    random_inputs,
    run_float64_reference,
    run_mindspore,
    run_torch,
    seed_everything,
    switch_off_stochastic_layers,
)
from msmigrate.equivalence.usercode import CheckFailed, Target, UserFiles, build_model, load_target, user_weight_map
from msmigrate.equivalence.verdicts import (
    Layer,
    PairedCall,
    allow_tipped_decisions,
    checks_for_mode,
    configuration_differences,
    first_divergence,
    layer_comparisons,
    pair_by_definition,
    pair_calls,
    summary,
    with_layer_outcomes,
)
from msmigrate.equivalence.weights import MappingOutcome, TensorEntry, map_weights

MAX_LISTED = 8


def run_check(request: EquivalenceRequest, progress: Callable[[str, int | None], None]) -> EquivalenceResult:
    """Both models from the same weights and inputs, compared phase by phase; raises CheckFailed, carrying
    what was learnt before the failure."""
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

    progress("importing the models", 12)
    torch_target = load_target(request.torch_source, request.torch_name, files, request.search_path)
    mindspore_target_code = load_target(request.mindspore_source, request.mindspore_name, files, request.search_path)
    found: dict[str, Any] = {
        "torch": _side(torch_target),
        "mindspore": _side(mindspore_target_code),
        "notes": list(dict.fromkeys(torch_target.notes + mindspore_target_code.notes)),
    }
    try:
        return _compare(
            request,
            progress,
            files,
            tolerances,
            torch_target,
            mindspore_target_code,
            found,
            started,
            (torch_device, mindspore_target),
        )
    except CheckFailed as failure:
        for key, value in found.items():
            failure.found.setdefault(key, value)
        raise


def _compare(
    request: EquivalenceRequest,
    progress: Callable[[str, int | None], None],
    files: UserFiles,
    tolerances: Tolerances,
    torch_target: Target,
    mindspore_target: Target,
    found: dict[str, Any],
    started: float,
    devices: tuple[str, str],
) -> EquivalenceResult:
    import mindspore
    import torch

    torch_device, mindspore_device = devices
    notes: list[str] = found["notes"]
    if request.inputs:
        inputs = random_inputs(request.inputs, request.seed)
    else:
        found_inputs = example_inputs([torch_target.module, mindspore_target.module], files)
        if found_inputs is None:
            raise CheckFailed(
                ErrorKind.BAD_REQUEST,
                "no inputs: pass --input SHAPE:DTYPE (such as 2,3,32,32:float32) or define a module-level "
                "example_inputs() next to either model",
            )
        inputs = found_inputs
    mindspore_arguments = request.mindspore_init_args if request.mindspore_init_args is not None else request.init_args

    def build_cell(mode: str) -> Any:
        mindspore.set_context(mode=mindspore.GRAPH_MODE if mode == Mode.GRAPH.value else mindspore.PYNATIVE_MODE)
        mindspore.set_seed(request.seed)
        with ConstructionRecorder(mindspore_framework()):
            return build_model(mindspore_target, mindspore_arguments, files, mindspore.nn.Cell)

    progress(f"building {torch_target.name} and {mindspore_target.name}", 18)
    seed_everything(request.seed)
    with ConstructionRecorder(torch_framework()):
        torch_model = build_model(torch_target, request.init_args, files, torch.nn.Module)
    cell = build_cell(request.modes[0])

    progress("pairing weights", 22)
    outcome = _pair_weights(torch_model, cell, request, files)
    found["weight_mapping"] = outcome.mapping
    progress(_mapping_message(outcome), 24)
    torch_layers = _torch_layers(torch_model, outcome.mapping, torch_target)
    mindspore_layers = _mindspore_layers(cell, outcome.mapping, mindspore_target)
    found["config_differences"] = configuration_differences(
        pair_by_definition(torch_layers, mindspore_layers), torch_layers, mindspore_layers
    )
    if not outcome.complete:
        raise CheckFailed(ErrorKind.UNMAPPED_WEIGHTS, _unmapped_message(outcome), "\n".join(outcome.shape_conflicts))

    switched_off = switch_off_stochastic_layers(torch_model, lambda model: list(model.named_modules()))

    def torch_inputs() -> list[Any]:
        return [torch.from_numpy(array.copy()).to(torch_device) for array in inputs]

    if request.reinitialise:
        progress("making the comparison informative (constant weights, BatchNorm statistics)", 26)
        notes.extend(reinitialise(torch_model, torch_inputs, request.seed, files, torch_target.name))
    if outcome.mapping.zeroed_torch:
        zero_tensors(torch_model, outcome.mapping.zeroed_torch)
        notes.append(
            f"set {len(outcome.mapping.zeroed_torch)} torch tensor(s) to zero as the weight map asks: "
            f"{_listed(outcome.mapping.zeroed_torch)}"
        )
    initial_state = {
        key: np.array(value.detach().cpu().numpy(), copy=True) for key, value in torch_model.state_dict().items()
    }
    torch_trainable = {key for key, parameter in torch_model.named_parameters() if parameter.requires_grad}

    progress(f"running {torch_target.name} (torch, {torch_device})", 30)
    torch_run = run_torch(torch_model, inputs, request.seed, torch_device, files, torch_target.name)
    progress(f"running {torch_target.name} in float64 (the rounding yardstick)", 36)
    reference, why_not = run_float64_reference(
        torch_model, initial_state, torch_run, inputs, request.seed, torch_device, files
    )
    if reference is None:
        notes.append(f"no float64 reference ({why_not}): kernel noise judged against a fixed relative error")
    gc.collect()
    input_scale = root_mean_square(array for array in inputs if np.issubdtype(array.dtype, np.floating)) or 1.0

    checks: list[Check] = []
    layers: list[LayerComparison] = []
    differences: list[ConfigDifference] | None = None
    pairs: list[PairedCall] = []
    mindspore_trainable = [key for key, parameter in cell.parameters_and_names() if parameter.requires_grad]
    mode_span = 55 // len(request.modes)
    for index, mode in enumerate(request.modes):
        progress(f"running {mindspore_target.name} (MindSpore {mode}, {mindspore_device})", 42 + index * mode_span)
        if index > 0:
            del cell
            gc.collect()
            cell = build_cell(mode)
        _load_weights(cell, outcome.mapping, initial_state)
        stochastic = switch_off_stochastic_layers(cell, lambda model: list(model.cells_and_names()))
        if index == 0 and (switched_off or stochastic):
            notes.append(
                f"switched off {len(switched_off)} torch and {len(stochastic)} MindSpore stochastic layer(s) "
                "(dropout, drop path) for the train-mode comparison"
            )
        try:
            mindspore_run = run_mindspore(
                cell,
                inputs,
                mindspore_trainable,
                request.seed,
                record_layers=mode == Mode.PYNATIVE.value,
                files=files,
                name=mindspore_target.name,
                learning_rate=torch_run.learning_rate,
            )
        except CheckFailed as failure:
            if mode != Mode.GRAPH.value or not checks:
                raise
            # A Cell that runs in PyNative but not in GRAPH_MODE is a finding, not a failure of the check.
            checks.append(Check(Phase.EVAL_FORWARD.value, mode, error=f"GRAPH_MODE: {failure.error.message}"))
            continue
        checks.extend(
            checks_for_mode(mode, torch_run, mindspore_run, reference, outcome.mapping, torch_trainable, tolerances)
        )
        if mode == Mode.PYNATIVE.value:
            torch_records = torch_run.layers.get(Phase.EVAL_FORWARD.value, [])
            mindspore_records = mindspore_run.layers.get(Phase.EVAL_FORWARD.value, [])
            pairs = pair_calls(torch_records, mindspore_records, torch_layers, mindspore_layers)
            layers.extend(
                layer_comparisons(
                    mode,
                    torch_run,
                    mindspore_run,
                    reference,
                    tolerances,
                    pairs,
                    torch_layers,
                    mindspore_layers,
                    input_scale,
                )
            )
            differences = configuration_differences(
                pairs, torch_layers, mindspore_layers, torch_records, mindspore_records
            )
        del mindspore_run
        gc.collect()

    progress("comparing", 97)
    checks, tipped = allow_tipped_decisions(checks, layers)
    if tipped:
        notes.append(tipped)
    if differences is not None:
        found["config_differences"] = with_layer_outcomes(differences, layers)
    status = verdict(checks)
    divergence = None
    if status is Status.DIVERGENT:
        divergence = first_divergence(checks, layers, torch_run, torch_layers, mindspore_layers, outcome.mapping)
    return EquivalenceResult(
        status=status.value,
        equivalent=None if status is Status.INCONCLUSIVE else status in (Status.EQUIVALENT, Status.NOISE),
        summary=summary(status, checks, divergence, request.modes, found["config_differences"]),
        torch=found["torch"],
        mindspore=found["mindspore"],
        device={"torch": torch_device, "mindspore": mindspore_device},
        inputs=[InputSpec(list(array.shape), str(array.dtype)) for array in inputs],
        tolerances=tolerances,
        weight_mapping=outcome.mapping,
        checks=checks,
        layers=layers,
        config_differences=found["config_differences"],
        first_divergence=divergence,
        notes=notes,
        duration_s=time.perf_counter() - started,
    )


def _side(target: Target) -> SideRef:
    return SideRef(target.source, target.name, target.file, target.line)


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


# -- the layers of each side --------------------------------------------------------------------------
def _root(model: Any, target: Target) -> Layer:
    """The model as a whole, located where its class or factory is defined."""
    return Layer(
        "", type(model).__name__, f"class:{type(model).__name__}", frozenset(), Construction(target.file, target.line)
    )


def _torch_layers(model: Any, mapping: WeightMapping, target: Target) -> dict[str, Layer]:
    under = _names_under((pair.torch.rpartition(".")[0], pair.mindspore) for pair in mapping.pairs)
    layers = {"": _root(model, target)}
    for path, module in model.named_modules():
        if not path:
            continue
        construction = construction_of(module)
        api = construction.api if construction else None
        layers[path] = Layer(
            path,
            type(module).__name__,
            api if api else f"class:{type(module).__name__}",
            frozenset(under.get(path, ())),
            construction,
        )
    return layers


def _mindspore_layers(cell: Any, mapping: WeightMapping, target: Target) -> dict[str, Layer]:
    mapped = {pair.mindspore for pair in mapping.pairs}
    full_names = {id(parameter): name for name, parameter in cell.parameters_and_names()}
    owned: list[tuple[str, str]] = []
    for path, child in cell.cells_and_names():
        for _, parameter in child.parameters_and_names(expand=False):
            name = full_names.get(id(parameter))
            if name in mapped:
                owned.append((path, name))
    under = _names_under(owned)
    layers = {"": _root(cell, target)}
    for path, child in cell.cells_and_names():
        if not path:
            continue
        construction = construction_of(child)
        layers[path] = Layer(
            path,
            type(child).__name__,
            _torch_kind(construction.api if construction else None, type(child).__name__),
            frozenset(under.get(path, ())),
            construction,
        )
    return layers


def _names_under(owned: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """For `(owner module path, name)` pairs, the names under each module path (the owner and its parents)."""
    under: dict[str, set[str]] = {}
    for owner, value in owned:
        parts = owner.split(".") if owner else []
        for depth in range(1, len(parts) + 1):
            under.setdefault(".".join(parts[:depth]), set()).add(value)
    return under


def _torch_kind(api: str | None, type_name: str) -> str:
    """The torch API a MindSpore layer implements, through the mapping data (`mindspore.nn.Dense` is
    `torch.nn.Linear`), else torch's layer of the same class name, else its own class name."""
    if api is None:
        return f"class:{type_name}"
    from torch import nn

    from msmigrate.mappings import load_mappings

    counterparts = [hit.torch for hit in load_mappings().torch_for(api) if hit.torch.startswith("torch.nn.")]
    if counterparts:
        return counterparts[0]
    name = api.rpartition(".")[2]
    return f"torch.nn.{name}" if isinstance(getattr(nn, name, None), type) else api


# -- messages -----------------------------------------------------------------------------------------
def _mapping_message(outcome: MappingOutcome) -> str:
    mapping = outcome.mapping
    counts = ", ".join(f"{count} by {_HOW.get(how, how)}" for how, count in mapping.counts().items())
    parts = [f"weights: {len(mapping.pairs)} tensors paired ({counts})" if mapping.pairs else "weights: none paired"]
    if outcome.dropped_torch:
        parts.append(f"{len(outcome.dropped_torch)} torch counters dropped (num_batches_tracked)")
    unmapped = mapping.unmapped_torch + mapping.unmapped_mindspore
    parts.append(f"unmapped: {_listed(unmapped) if unmapped else 'none'}")
    return "; ".join(parts)


_HOW = {
    "same_name": "name",
    "renamed": "renamed leaf",
    "batchnorm": "BatchNorm naming",
    "batchnorm3d": "BatchNorm3d naming",
    "module_order": "module structure",
    "shape": "unique shape",
    "order": "order",
    "user": "weight map",
    "linear_dense": "name (Linear/Dense)",
    "conv1d_kernel_axis": "name (Conv1d kernel axis)",
    "rnn_gates": "name (recurrent gates)",
}


def _unmapped_message(outcome: MappingOutcome) -> str:
    mapping = outcome.mapping
    sides = []
    if mapping.unmapped_torch:
        sides.append(f"torch tensors without a MindSpore parameter: {_listed(mapping.unmapped_torch)}")
    if mapping.unmapped_mindspore:
        sides.append(f"MindSpore parameters without a torch tensor: {_listed(mapping.unmapped_mindspore)}")
    message = "refusing to compare with random weights; " + "; ".join(sides) + ". "
    if mapping.unmapped_torch and mapping.unmapped_mindspore:
        return message + (
            "Pair them with --weight-map (a JSON/TOML file of torch name = MindSpore name, or file.py:function)"
        )
    # Nothing is left on the other side to pair them with: the models differ in what they have.
    if mapping.unmapped_torch:
        return message + (
            "MindSpore has nothing left to pair them with (see the configuration differences: a bias MindSpore's "
            "layer lacks?). To compare anyway, list them under zero_torch in a --weight-map file (they are set "
            "to zero on the torch side, glob patterns such as features.*.bias allowed), or under ignore_torch"
        )
    return message + (
        "torch has nothing left to pair them with; list them under ignore_mindspore in a --weight-map file to "
        "keep MindSpore's own values"
    )


def _listed(names: list[str], limit: int = MAX_LISTED) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
