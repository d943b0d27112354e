"""The subprocess that runs both models: `python -m msmigrate.equivalence.worker` (request JSON on stdin).

Protocol: one JSON object per line on the stdout the worker was started with, `{"event": "progress", ...}`
then exactly one `{"event": "result", ...}`. Everything else printed by user code, MindSpore's C++ logs
or torch goes to stderr: the worker moves file descriptor 1 onto 2 before importing anything, so nothing
can interleave with the protocol.

The sequence, identical on both sides, from the same weights and inputs:
1. eval forward (layer outputs recorded);
2. one train-mode forward with every dropout rate forced to 0, backward of sum(output * cotangent) for
   fixed random cotangents, giving the train outputs, the input and parameter gradients, and the
   running statistics; then one plain SGD step (same learning rate, no momentum or weight decay);
3. the parameters after the step, and an eval forward with them (layer outputs recorded).
torch runs this once; MindSpore once per requested mode, each in a fresh Cell.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import numpy as np

from msmigrate.equivalence.compare import NamedArray, Paired, build_check, compare_arrays, is_noise, verdict
from msmigrate.equivalence.hooks import LayerRecord, LayerRecorder, SourceLines, pair_layers
from msmigrate.equivalence.result import (
    DEFAULT_NOISE_BOUND,
    Check,
    Divergence,
    EquivalenceRequest,
    EquivalenceResult,
    ErrorKind,
    InputSpec,
    LayerComparison,
    Mode,
    Phase,
    RunError,
    SideRef,
    Status,
    Tolerances,
    WeightMapping,
)
from msmigrate.equivalence.weights import MappingOutcome, TensorEntry, UserWeightMap, map_weights

LEARNING_RATE = 0.1
INTEGER_INPUT_HIGH = 2  # random integer inputs lie in [0, 2): valid indices for any embedding size
SUPPORTED_INPUT_DTYPES = frozenset({"float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool"})
PHASE_ORDER = [phase.value for phase in Phase]
LAYER_PHASES = (Phase.EVAL_FORWARD.value, Phase.TRAIN_FORWARD.value, Phase.SGD_STEP.value)


class CheckFailed(Exception):
    """Ends the run with a RunError (user code raised, bad request, unmapped weights...)."""

    def __init__(self, kind: ErrorKind, message: str, details: str = "") -> None:
        super().__init__(message)
        self.error = RunError(kind.value, message, details)


class Channel:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.last_message = ""

    def progress(self, message: str, percentage: int | None = None) -> None:
        self.last_message = message
        self.send({"event": "progress", "message": message, "percentage": percentage})

    def send(self, event: dict[str, Any]) -> None:
        self.stream.write(json.dumps(event) + "\n")
        self.stream.flush()


# ---------------------------------------------------------------------------------------------- user code


@dataclass
class UserFiles:
    """The user's files, to tell their frames apart from ours and the frameworks' in a traceback."""

    paths: set[str] = field(default_factory=set)

    def add(self, path: str) -> None:
        self.paths.add(os.path.realpath(path))

    def call(self, what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except CheckFailed:
            raise
        except SystemExit as exit_request:
            raise CheckFailed(
                ErrorKind.USER_CODE_RAISED, f"{what} called sys.exit({exit_request.code!r})", traceback.format_exc()
            ) from None
        except Exception as error:
            raise CheckFailed(
                ErrorKind.USER_CODE_RAISED,
                f"{what} raised {type(error).__name__}: {_first_line(error)}{self.location(error)}",
                traceback.format_exc(),
            ) from None

    def location(self, error: BaseException) -> str:
        frames = [
            frame
            for frame in traceback.extract_tb(error.__traceback__)
            if os.path.realpath(frame.filename) in self.paths
        ]
        if not frames:
            return ""
        return f" (at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno})"


def load_module(path: str, tag: str, files: UserFiles) -> ModuleType:
    resolved = Path(path).resolve()
    if not resolved.is_file():
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"{path} does not exist")
    files.add(str(resolved))
    # Imports next to the file resolve as when the file runs as a script.
    if str(resolved.parent) not in sys.path:
        sys.path.insert(0, str(resolved.parent))
    name = f"msmigrate_equivalence_{tag}_{resolved.stem}"
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"{path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name while it executes
    try:
        spec.loader.exec_module(module)
    except SystemExit as exit_request:
        raise CheckFailed(
            ErrorKind.IMPORT_ERROR, f"importing {resolved.name} called sys.exit({exit_request.code!r})"
        ) from None
    except BaseException as error:
        raise CheckFailed(
            ErrorKind.IMPORT_ERROR,
            f"importing {resolved.name} raised {type(error).__name__}: {_first_line(error)}{files.location(error)}",
            traceback.format_exc(),
        ) from None
    return module


def user_class(module: ModuleType, name: str, path: str) -> type:
    cls = getattr(module, name, None)
    if not isinstance(cls, type):
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"{os.path.basename(path)} defines no class {name}")
    return cls


def instantiate(cls: type, arguments: dict[str, Any] | list[Any] | None, files: UserFiles) -> Any:
    what = f"{cls.__name__}(...)"
    if isinstance(arguments, dict):
        return files.call(what, cls, **arguments)
    if isinstance(arguments, list):
        return files.call(what, cls, *arguments)
    return files.call(what, cls)


# ---------------------------------------------------------------------------------------------- inputs


def random_inputs(specs: Sequence[InputSpec], seed: int) -> list[np.ndarray]:
    generator = np.random.default_rng(seed)
    arrays = []
    for spec in specs:
        if spec.dtype not in SUPPORTED_INPUT_DTYPES:
            raise CheckFailed(
                ErrorKind.BAD_REQUEST,
                f"input dtype {spec.dtype!r} is not supported; use one of {', '.join(sorted(SUPPORTED_INPUT_DTYPES))}",
            )
        if spec.dtype == "bool":
            arrays.append(generator.random(spec.shape) < 0.5)
        elif spec.dtype.startswith(("int", "uint")):
            arrays.append(generator.integers(0, INTEGER_INPUT_HIGH, size=spec.shape).astype(spec.dtype))
        else:
            arrays.append(generator.standard_normal(spec.shape).astype(spec.dtype))
    return arrays


def example_inputs(modules: Sequence[ModuleType], files: UserFiles) -> list[np.ndarray] | None:
    for module in modules:
        function = getattr(module, "example_inputs", None)
        if callable(function):
            produced = files.call(f"{module.__name__.rsplit('_', 1)[-1]}.example_inputs()", function)
            values = list(produced) if isinstance(produced, (tuple, list)) else [produced]
            return [to_numpy(value) for value in values]
    return None


def to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # torch.Tensor
        value = value.detach().cpu()
        if str(value.dtype) == "torch.bfloat16":
            value = value.float()
        return value.numpy()
    if hasattr(value, "asnumpy"):  # mindspore.Tensor
        if "BFloat16" in str(value.dtype):
            import mindspore

            value = value.astype(mindspore.float32)
        return value.asnumpy()
    return np.asarray(value)


def flatten_outputs(value: Any) -> list[np.ndarray]:
    if isinstance(value, dict):
        return [array for key in value for array in flatten_outputs(value[key])]
    if isinstance(value, (tuple, list)):
        return [array for item in value for array in flatten_outputs(item)]
    if hasattr(value, "detach") or hasattr(value, "asnumpy"):
        return [to_numpy(value)]
    return []


def cotangents(shapes: Sequence[tuple[int, ...]], dtypes: Sequence[np.dtype], seed: int) -> list[np.ndarray]:
    generator = np.random.default_rng(seed + 1)
    return [generator.standard_normal(shape).astype(dtype) for shape, dtype in zip(shapes, dtypes, strict=True)]


# ---------------------------------------------------------------------------------------------- one side's run


@dataclass
class SideRun:
    eval_outputs: list[np.ndarray] = field(default_factory=list)
    train_outputs: list[np.ndarray] = field(default_factory=list)
    input_gradients: list[np.ndarray | None] = field(default_factory=list)  # None where the input is not float
    parameter_gradients: dict[str, np.ndarray] = field(default_factory=dict)
    state_after_step: dict[str, np.ndarray] = field(default_factory=dict)
    post_step_outputs: list[np.ndarray] = field(default_factory=list)
    layers: dict[str, list[LayerRecord]] = field(default_factory=dict)


def run_torch(
    model: Any, inputs: list[np.ndarray], seed: int, device: str, files: UserFiles, name: str
) -> tuple[SideRun, dict[str, np.ndarray], set[str]]:
    """Returns the run, the initial state_dict as numpy, and the names of trainable parameters."""
    import torch

    model.to(device)
    initial = {key: to_numpy(value).copy() for key, value in model.state_dict().items()}
    trainable = {key for key, parameter in model.named_parameters() if parameter.requires_grad}
    recorder = LayerRecorder(flatten_outputs)
    handles = [module.register_forward_hook(recorder.hook_for(path)) for path, module in model.named_modules() if path]
    run = SideRun(layers=recorder.records)

    def tensors(requires_grad: bool) -> list[Any]:
        made = []
        for array in inputs:
            tensor = torch.from_numpy(array.copy()).to(device)
            if requires_grad and tensor.is_floating_point():
                tensor.requires_grad_(True)
            made.append(tensor)
        return made

    model.eval()
    recorder.phase = Phase.EVAL_FORWARD.value
    with torch.no_grad():
        run.eval_outputs = flatten_outputs(files.call(f"{name}.forward (eval)", model, *tensors(False)))

    model.train()
    neutralize_torch_dropout(model)
    recorder.phase = Phase.TRAIN_FORWARD.value
    train_inputs = tensors(True)
    outputs = files.call(f"{name}.forward (train)", model, *train_inputs)
    recorder.phase = None
    flat = _flatten_torch(outputs)
    run.train_outputs = [to_numpy(tensor) for tensor in flat]
    weights = cotangents([tuple(t.shape) for t in flat], [t.detach().cpu().numpy().dtype for t in flat], seed)
    differentiable = [
        (tensor, torch.from_numpy(weight).to(device))
        for tensor, weight in zip(flat, weights, strict=True)
        if tensor.requires_grad
    ]
    parameters = [parameter for parameter in model.parameters() if parameter.requires_grad]
    model.zero_grad()
    if differentiable:
        loss = sum((tensor * weight).sum() for tensor, weight in differentiable)
        files.call(f"{name} backward", loss.backward)
    run.input_gradients = [
        None
        if not tensor.is_floating_point()
        else to_numpy(tensor.grad if tensor.grad is not None else torch.zeros_like(tensor))
        for tensor in train_inputs
    ]
    run.parameter_gradients = {
        key: to_numpy(parameter.grad if parameter.grad is not None else torch.zeros_like(parameter))
        for key, parameter in model.named_parameters()
        if parameter.requires_grad
    }
    if parameters:
        torch.optim.SGD(parameters, lr=LEARNING_RATE).step()
    run.state_after_step = {key: to_numpy(value).copy() for key, value in model.state_dict().items()}

    model.eval()
    recorder.phase = Phase.SGD_STEP.value
    with torch.no_grad():
        run.post_step_outputs = flatten_outputs(files.call(f"{name}.forward (after the step)", model, *tensors(False)))
    recorder.phase = None
    for handle in handles:
        handle.remove()
    return run, initial, trainable


def _flatten_torch(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [tensor for key in value for tensor in _flatten_torch(value[key])]
    if isinstance(value, (tuple, list)):
        return [tensor for item in value for tensor in _flatten_torch(item)]
    return [value] if hasattr(value, "detach") else []


def neutralize_torch_dropout(model: Any) -> None:
    from torch.nn.modules.dropout import _DropoutNd

    for module in model.modules():
        if isinstance(module, _DropoutNd):
            module.p = 0.0


def neutralize_mindspore_dropout(cell: Any) -> None:
    """Measured on 2.10: nn.Dropout returns its input when `p == 0` (or `keep_prob == 1`), Dropout1d when
    `prob == 0`, Dropout2d/3d when `keep_prob == 1`, mint.nn.Dropout* when `p == 0`."""
    for _, child in cell.cells_and_names():
        if "Dropout" not in type(child).__name__:
            continue
        if getattr(child, "p", None) is not None:
            child.p = 0.0
        if hasattr(child, "prob"):
            child.prob = 0.0
        if hasattr(child, "keep_prob"):
            child.keep_prob = 1.0


def run_mindspore(
    cell: Any,
    inputs: list[np.ndarray],
    trainable_names: list[str],
    seed: int,
    record_layers: bool,
    files: UserFiles,
    name: str,
) -> SideRun:
    from mindspore import Tensor

    recorder = LayerRecorder(flatten_outputs)
    handles = (
        [cell_.register_forward_hook(recorder.hook_for(path)) for path, cell_ in cell.cells_and_names() if path]
        if record_layers
        else []
    )
    run = SideRun(layers=recorder.records)
    tensors = [Tensor(array.copy()) for array in inputs]

    cell.set_train(False)
    recorder.phase = Phase.EVAL_FORWARD.value
    run.eval_outputs = flatten_outputs(files.call(f"{name}.construct (eval)", cell, *tensors))
    cell.set_train(True)
    neutralize_mindspore_dropout(cell)
    step = _make_train_step(cell, inputs, trainable_names, run.eval_outputs, seed)
    recorder.phase = Phase.TRAIN_FORWARD.value
    outputs, input_gradients, parameter_gradients = files.call(f"{name} train step", step, *tensors)
    recorder.phase = None
    run.train_outputs = [to_numpy(tensor) for tensor in outputs]
    float_positions = step.float_positions
    gradients_by_position = dict(zip(float_positions, input_gradients, strict=True))
    run.input_gradients = [
        to_numpy(gradients_by_position[position]) if position in gradients_by_position else None
        for position in range(len(inputs))
    ]
    run.parameter_gradients = {
        key: to_numpy(gradient) for key, gradient in zip(trainable_names, parameter_gradients, strict=True)
    }
    run.state_after_step = {key: parameter.asnumpy().copy() for key, parameter in cell.parameters_and_names()}
    cell.set_train(False)
    recorder.phase = Phase.SGD_STEP.value
    run.post_step_outputs = flatten_outputs(files.call(f"{name}.construct (after the step)", cell, *tensors))
    recorder.phase = None
    for handle in handles:
        handle.remove()
    return run


def _make_train_step(
    cell: Any, inputs: list[np.ndarray], trainable_names: list[str], outputs: list[np.ndarray], seed: int
) -> Any:
    """A Cell running forward, backward and the SGD step in one call, so GRAPH_MODE compiles it whole and
    the BatchNorm statistics move once, as in torch."""
    import mindspore
    from mindspore import Tensor, nn

    by_name = dict(cell.parameters_and_names())
    weights = mindspore.ParameterTuple([by_name[key] for key in trainable_names])
    float_positions = tuple(
        position for position, array in enumerate(inputs) if np.issubdtype(array.dtype, np.floating)
    )
    sens = tuple(Tensor(weight) for weight in cotangents([a.shape for a in outputs], [a.dtype for a in outputs], seed))

    class TrainStep(nn.Cell):
        def __init__(self) -> None:
            super().__init__()
            self.network = cell
            self.sens = sens
            self.weights = weights
            self.with_inputs = bool(float_positions)
            self.with_weights = bool(trainable_names)
            self.optimizer = nn.SGD(weights, learning_rate=LEARNING_RATE) if trainable_names else None
            self.grad_fn = mindspore.value_and_grad(
                self.weighted_sum, float_positions or None, weights if trainable_names else None, has_aux=True
            )

        def weighted_sum(self, *args: Any) -> Any:
            flat = _flatten_in_graph(self.network(*args))
            total = 0.0
            for output, weight in zip(flat, self.sens):  # noqa: B905 (GRAPH_MODE has no zip(strict=...))
                total = total + (output * weight).sum()
            return total, flat

        def construct(self, *args: Any) -> Any:
            (_, flat), gradients = self.grad_fn(*args)
            input_gradients = ()
            parameter_gradients = ()
            if self.with_inputs and self.with_weights:
                input_gradients, parameter_gradients = gradients
            elif self.with_inputs:
                input_gradients = gradients
            elif self.with_weights:
                parameter_gradients = gradients
            if self.with_weights:
                self.optimizer(parameter_gradients)
            if not isinstance(input_gradients, tuple):
                input_gradients = (input_gradients,)
            return flat, input_gradients, parameter_gradients

    step = TrainStep()
    step.float_positions = float_positions
    return step


def _flatten_in_graph(value: Any) -> Any:
    """Nested tuples of tensors to one tuple; written so GRAPH_MODE compiles it (measured on 2.10)."""
    if isinstance(value, (tuple, list)):
        flat = ()
        for item in value:
            flat = flat + _flatten_in_graph(item)
        return flat
    return (value,)


# ---------------------------------------------------------------------------------------------- devices


def choose_devices(requested: str) -> tuple[str, str]:
    """(torch device, MindSpore device_target). auto: Ascend, else GPU, else CPU for MindSpore; CUDA if
    torch sees it, else CPU. `cpu`, `gpu`/`cuda` and `ascend` pin both sides (torch stays on CPU for Ascend)."""
    import torch

    requested = requested.lower()
    if requested == "cpu":
        return "cpu", "CPU"
    if requested in ("gpu", "cuda"):
        return "cuda", "GPU"
    if requested in ("ascend", "npu"):
        return "cpu", "Ascend"
    if requested != "auto":
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"device {requested!r}: use auto, cpu, gpu or ascend")
    from mindspore import device_context

    if device_context.ascend.is_available():
        target = "Ascend"
    elif device_context.gpu.is_available():
        target = "GPU"
    else:
        target = "CPU"
    return ("cuda" if torch.cuda.is_available() else "cpu"), target


# ---------------------------------------------------------------------------------------------- the check


def run_check(request: EquivalenceRequest, channel: Channel) -> EquivalenceResult:
    started = time.perf_counter()
    files = UserFiles()
    tolerances = request.tolerances or Tolerances()
    unknown_modes = set(request.modes) - {mode.value for mode in Mode}
    if unknown_modes or not request.modes:
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"modes must be pynative and/or graph, not {sorted(unknown_modes)}")

    channel.progress("importing torch and mindspore", 5)
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

    channel.progress("importing the model files", 15)
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

    channel.progress(f"building {request.torch_class} and {request.mindspore_class}", 20)
    _seed_everything(request.seed)
    torch_model = instantiate(torch_class, request.init_args, files)
    first_mode = request.modes[0]
    cell = build_cell(first_mode)

    channel.progress("pairing weights", 25)
    outcome = _pair_weights(torch_model, cell, request, files)
    channel.progress(_mapping_message(outcome), 28)
    if not outcome.complete:
        raise CheckFailed(ErrorKind.UNMAPPED_WEIGHTS, _unmapped_message(outcome), "\n".join(outcome.shape_conflicts))

    reference_model = _float64_copy(torch_model)
    channel.progress(f"running {request.torch_class} (torch, {torch_device})", 30)
    torch_run, initial_state, torch_trainable = run_torch(
        torch_model, inputs, request.seed, torch_device, files, request.torch_class
    )
    reference_run = None
    if reference_model is not None:
        channel.progress(f"running {request.torch_class} in float64 (the rounding yardstick)", 33)
        reference_run = _reference_run(reference_model, inputs, request.seed, torch_device, files)
    mindspore_trainable = [key for key, parameter in cell.parameters_and_names() if parameter.requires_grad]

    checks: list[Check] = []
    layers: list[LayerComparison] = []
    mindspore_lines = SourceLines(request.mindspore_file, lambda cell_: dict(cell_.name_cells()))
    torch_lines = SourceLines(request.torch_file, lambda module: dict(module.named_children()))
    line_context = _LineContext(torch_model, cell, torch_lines, mindspore_lines)
    mode_span = 60 // len(request.modes)
    for index, mode in enumerate(request.modes):
        channel.progress(
            f"running {request.mindspore_class} (MindSpore {mode}, {mindspore_target})", 35 + index * mode_span
        )
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
            _checks_for_mode(
                mode, torch_run, mindspore_run, reference_run, outcome.mapping, torch_trainable, tolerances
            )
        )
        if mode == Mode.PYNATIVE.value:
            layers.extend(_layer_comparisons(mode, torch_run, mindspore_run, reference_run, tolerances, line_context))

    channel.progress("comparing", 97)
    status = verdict(checks)
    divergence = None
    if status is Status.DIVERGENT:
        divergence = _first_divergence(checks, layers, torch_run, line_context)
    return EquivalenceResult(
        status=status.value,
        equivalent=status is not Status.DIVERGENT,
        summary=_summary(status, checks, divergence, request),
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


def _float64_copy(model: Any) -> Any | None:
    """A float64 twin of the torch model from the same weights, or None when the model cannot be copied."""
    import copy

    try:
        return copy.deepcopy(model).double()
    except Exception:
        return None


def _reference_run(model: Any, inputs: list[np.ndarray], seed: int, device: str, files: UserFiles) -> SideRun | None:
    """The same run in float64; None when the model does not run in float64 (a hard-coded float32 tensor)."""
    widened = [array.astype(np.float64) if np.issubdtype(array.dtype, np.floating) else array for array in inputs]
    try:
        run, _, _ = run_torch(model, widened, seed, device, files, "float64 reference")
    except Exception:
        return None
    return run


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


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
    user = _user_weight_map(request.weight_map, torch_entries, mindspore_entries, files) if request.weight_map else None
    return map_weights(torch_entries, mindspore_entries, user)


def _user_weight_map(
    source: str, torch_entries: list[TensorEntry], mindspore_entries: list[TensorEntry], files: UserFiles
) -> UserWeightMap:
    """A JSON or TOML file, or `file.py:function` called with both sides' {name: shape} dicts."""
    file, separator, function_name = source.rpartition(":")
    if separator and file.endswith(".py") and function_name.isidentifier():
        module = load_module(file, "weightmap", files)
        function = getattr(module, function_name, None)
        if not callable(function):
            raise CheckFailed(ErrorKind.BAD_REQUEST, f"{file} defines no function {function_name}")
        data = files.call(
            f"{function_name}()",
            function,
            {entry.name: entry.shape for entry in torch_entries},
            {entry.name: entry.shape for entry in mindspore_entries},
        )
    else:
        data = _read_map_file(source)
    if not isinstance(data, dict):
        raise CheckFailed(
            ErrorKind.BAD_REQUEST, f"the weight map {source} must be a table of torch name = MindSpore name"
        )
    try:
        return UserWeightMap.from_data(data)
    except ValueError as error:
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"weight map {source}: {error}") from None


def _read_map_file(source: str) -> Any:
    try:
        text = Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"cannot read the weight map {source}: {error.strerror}") from None
    try:
        if source.endswith(".toml"):
            import tomllib

            return tomllib.loads(text)
        return json.loads(text)
    except ValueError as error:
        raise CheckFailed(ErrorKind.BAD_REQUEST, f"the weight map {source} does not parse: {error}") from None


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


# ---------------------------------------------------------------------------------------------- comparing


def _checks_for_mode(
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
class _LineContext:
    torch_model: Any
    cell: Any
    torch_lines: SourceLines
    mindspore_lines: SourceLines

    def lines(self, torch_path: str, mindspore_path: str) -> tuple[int | None, int | None]:
        return (
            self.torch_lines.line_of(self.torch_model, torch_path),
            self.mindspore_lines.line_of(self.cell, mindspore_path),
        )


def _layer_comparisons(
    mode: str,
    torch_run: SideRun,
    mindspore_run: SideRun,
    reference_run: SideRun | None,
    tolerances: Tolerances,
    context: _LineContext,
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


def _first_divergence(
    checks: list[Check], layers: list[LayerComparison], torch_run: SideRun, context: _LineContext
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


def _summary(status: Status, checks: list[Check], divergence: Divergence | None, request: EquivalenceRequest) -> str:
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


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else ""


# ---------------------------------------------------------------------------------------------- entry point


def main() -> int:
    # Keep the protocol stream private: from here on, fd 1 (and sys.stdout) is stderr for everyone else.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    channel = Channel(protocol)
    request = EquivalenceRequest.from_json(json.loads(sys.stdin.read()))
    started = time.perf_counter()
    try:
        result = run_check(request, channel)
    except CheckFailed as failure:
        result = EquivalenceResult.failed(request, failure.error, time.perf_counter() - started)
    except Exception as error:
        failure = RunError(
            ErrorKind.CRASHED.value,
            f"the check itself failed while {channel.last_message or 'starting'}: {type(error).__name__}: "
            f"{_first_line(error)}",
            traceback.format_exc(),
        )
        result = EquivalenceResult.failed(request, failure, time.perf_counter() - started)
    channel.send({"event": "result", "result": result.to_json()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
