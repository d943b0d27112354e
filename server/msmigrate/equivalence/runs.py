"""One side's run inside the worker (torch, or MindSpore in one mode), and what both sides share: inputs,
cotangents, devices, stochastic layers switched off. Imports torch and mindspore only inside functions.

The sequence, identical on both sides, from the same weights and inputs:
1. eval forward (layer outputs recorded);
2. one train-mode forward with every dropout and stochastic-depth rate forced to 0, backward of
   sum(output * cotangent) for fixed random cotangents, giving the train outputs (layer outputs recorded),
   the input and parameter gradients, and the running statistics; then one plain SGD step (the same
   learning rate on both sides, see STEP_SHARE; no momentum or weight decay);
3. the parameters after the step, and an eval forward with them.

Memory: torch's gradients and final state are kept as views of the model's own tensors (nothing changes
them once the run is over), the float64 reference is reduced to one rounding error per tensor as it runs,
and MindSpore's run is compared and dropped before the next mode, so a 130M-parameter model costs a few
copies of its weights, not dozens.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from msmigrate.equivalence.compare import ReferenceError, reference_error
from msmigrate.equivalence.hooks import LayerRecord, LayerRecorder
from msmigrate.equivalence.result import ErrorKind, InputSpec, Phase
from msmigrate.equivalence.usercode import CheckFailed, UserFiles

# One SGD step moves the weights by this share of their norm: small enough that the forward after the
# step stays in the regime the gradients describe (a fixed rate of 0.1 sent a MobileNetV2's outputs from 1
# to 1e2 and made them chaotic), large enough to show a difference in the optimizer's path.
STEP_SHARE = 0.01
MAX_LEARNING_RATE = 0.1
INTEGER_INPUT_HIGH = 2  # random integer inputs lie in [0, 2): valid indices for any embedding size
SUPPORTED_INPUT_DTYPES = frozenset({"float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool"})
# Layer outputs are recorded in these phases; the forward after the SGD step is compared as a whole.
LAYER_PHASES = (Phase.EVAL_FORWARD.value, Phase.TRAIN_FORWARD.value)

# Stochastic layers, switched off for the train-mode comparison: the rate attributes of any layer whose
# class name says it drops something (Dropout*, DropPath, StochasticDepth, DropBlock), and float
# attributes named for a dropout rate on any layer (nn.MultiheadAttention's `dropout`).
_STOCHASTIC_CLASS = re.compile(r"drop|stochastic", re.IGNORECASE)
_RATE_ATTRIBUTES = ("p", "prob", "drop_prob", "drop_rate", "drop_path_prob", "dropout_p")
_RATE_NAME = re.compile(r"(^|_)(drop|dropout)(_|$)|^dropout", re.IGNORECASE)
_KEEP_ATTRIBUTES = ("keep_prob",)


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
            produced = files.call(f"{module.__name__}.example_inputs()", function)
            values = list(produced) if isinstance(produced, (tuple, list)) else [produced]
            return [np.array(to_numpy(value), copy=True) for value in values]
    return None


def to_numpy(value: Any) -> np.ndarray:
    """A numpy view where the framework allows one (copy it when the tensor may change afterwards)."""
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


def copied_outputs(value: Any) -> list[np.ndarray]:
    return [np.array(array, copy=True) for array in flatten_outputs(value)]


def cotangents(shapes: Sequence[tuple[int, ...]], dtypes: Sequence[np.dtype], seed: int) -> list[np.ndarray]:
    generator = np.random.default_rng(seed + 1)
    return [generator.standard_normal(shape).astype(dtype) for shape, dtype in zip(shapes, dtypes, strict=True)]


@dataclass
class SideRun:
    eval_outputs: list[np.ndarray] = field(default_factory=list)
    train_outputs: list[np.ndarray] = field(default_factory=list)
    input_gradients: list[np.ndarray | None] = field(default_factory=list)  # None where the input is not float
    parameter_gradients: dict[str, np.ndarray] = field(default_factory=dict)
    state_after_step: dict[str, np.ndarray] = field(default_factory=dict)
    post_step_outputs: list[np.ndarray] = field(default_factory=list)
    layers: dict[str, list[LayerRecord]] = field(default_factory=dict)
    learning_rate: float = MAX_LEARNING_RATE


def step_size(parameters: Sequence[Any]) -> float:
    """The learning rate for which one SGD step moves the weights by STEP_SHARE of their norm."""
    weights = sum(float(parameter.detach().double().square().sum()) for parameter in parameters)
    gradients = sum(
        float(parameter.grad.detach().double().square().sum()) for parameter in parameters if parameter.grad is not None
    )
    if gradients == 0.0 or weights == 0.0:
        return MAX_LEARNING_RATE
    return min(MAX_LEARNING_RATE, STEP_SHARE * (weights / gradients) ** 0.5)


@dataclass
class ReferenceRun:
    """torch's float32 run against its float64 twin: one rounding error per tensor (and per layer output)."""

    eval_outputs: list[ReferenceError | None] = field(default_factory=list)
    train_outputs: list[ReferenceError | None] = field(default_factory=list)
    input_gradients: list[ReferenceError | None] = field(default_factory=list)
    parameter_gradients: dict[str, ReferenceError | None] = field(default_factory=dict)
    state_after_step: dict[str, ReferenceError | None] = field(default_factory=dict)
    post_step_outputs: list[ReferenceError | None] = field(default_factory=list)
    layers: dict[str, list[list[ReferenceError | None]]] = field(default_factory=dict)

    def layer(self, phase: str, index: int, output: int) -> ReferenceError | None:
        rows = self.layers.get(phase, [])
        if index >= len(rows) or output >= len(rows[index]):
            return None
        return rows[index][output]


def run_torch(
    model: Any,
    inputs: list[np.ndarray],
    seed: int,
    device: str,
    files: UserFiles,
    name: str,
    recorder: LayerRecorder | None = None,
    learning_rate: float | None = None,
) -> SideRun:
    """The torch sequence. Layer outputs go to `recorder` (a new one keeping everything when None); the
    SGD step uses `learning_rate`, else `step_size` of the gradients."""
    import torch

    model.to(device)
    recorder = recorder or LayerRecorder(flatten_outputs)
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

    try:
        model.eval()
        recorder.phase = Phase.EVAL_FORWARD.value
        with torch.no_grad():
            run.eval_outputs = copied_outputs(files.call(f"{name} (eval)", model, *tensors(False)))

        model.train()
        recorder.phase = Phase.TRAIN_FORWARD.value
        train_inputs = tensors(True)
        outputs = files.call(f"{name} (train)", model, *train_inputs)
        recorder.phase = None
        flat = _flatten_torch(outputs)
        run.train_outputs = [np.array(to_numpy(tensor), copy=True) for tensor in flat]
        weights = cotangents([tuple(t.shape) for t in flat], [a.dtype for a in run.train_outputs], seed)
        differentiable = [
            (tensor, torch.from_numpy(weight).to(device))
            for tensor, weight in zip(flat, weights, strict=True)
            if tensor.requires_grad
        ]
        parameters = [parameter for parameter in model.parameters() if parameter.requires_grad]
        model.zero_grad(set_to_none=True)
        if differentiable:
            loss = sum((tensor * weight).sum() for tensor, weight in differentiable)
            files.call(f"{name} backward", loss.backward)
        del outputs, flat, differentiable
        run.input_gradients = [
            None
            if not tensor.is_floating_point()
            else np.array(to_numpy(tensor.grad if tensor.grad is not None else torch.zeros_like(tensor)), copy=True)
            for tensor in train_inputs
        ]
        # Views: nothing writes a gradient once backward is done.
        run.parameter_gradients = {
            key: to_numpy(parameter.grad if parameter.grad is not None else torch.zeros_like(parameter))
            for key, parameter in model.named_parameters()
            if parameter.requires_grad
        }
        if parameters:
            run.learning_rate = learning_rate or step_size(parameters)
            torch.optim.SGD(parameters, lr=run.learning_rate).step()
        # Views too: the eval forward below changes neither parameters nor running statistics.
        run.state_after_step = {key: to_numpy(value) for key, value in model.state_dict().items()}

        model.eval()
        with torch.no_grad():
            run.post_step_outputs = copied_outputs(files.call(f"{name} (after the step)", model, *tensors(False)))
    finally:
        recorder.phase = None
        for handle in handles:
            handle.remove()
    return run


def _flatten_torch(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [tensor for key in value for tensor in _flatten_torch(value[key])]
    if isinstance(value, (tuple, list)):
        return [tensor for item in value for tensor in _flatten_torch(item)]
    return [value] if hasattr(value, "detach") else []


def run_float64_reference(
    model: Any,
    initial_state: dict[str, np.ndarray],
    torch_run: SideRun,
    inputs: list[np.ndarray],
    seed: int,
    device: str,
    files: UserFiles,
) -> tuple[ReferenceRun | None, str | None]:
    """The same run in float64 on a copy of the model from `initial_state`, reduced to torch's rounding
    error per tensor; (None, why) when the model does not run in float64 (a hard-coded float32 tensor)."""
    import copy

    import torch

    gradients = {}
    for parameter in model.parameters():  # keep the float32 gradients out of the copy
        gradients[parameter] = parameter.grad
        parameter.grad = None
    try:
        twin = copy.deepcopy(model)
    except Exception as error:
        return None, f"the model cannot be copied ({type(error).__name__})"
    finally:
        for parameter, gradient in gradients.items():
            parameter.grad = gradient
    twin.load_state_dict({key: torch.from_numpy(value) for key, value in initial_state.items()})
    twin.double()
    reference = ReferenceRun()

    def compare_layer(phase: str, index: int, record: LayerRecord) -> None:
        float32_records = torch_run.layers.get(phase, [])
        rows = reference.layers.setdefault(phase, [])
        if index < len(float32_records) and float32_records[index].path == record.path:
            float32 = float32_records[index].outputs
            rows.append(
                [
                    reference_error(float32[i], record.outputs[i]) if i < len(float32) else None
                    for i in range(len(record.outputs))
                ]
            )
        else:
            rows.append([])

    recorder = LayerRecorder(flatten_outputs, keep=lambda phase: False, on_record=compare_layer)
    widened = [array.astype(np.float64) if np.issubdtype(array.dtype, np.floating) else array for array in inputs]
    try:
        twin_run = run_torch(
            twin, widened, seed, device, files, "the float64 reference", recorder, torch_run.learning_rate
        )
    except CheckFailed as failure:
        return None, failure.error.message
    finally:
        del twin
    reference.eval_outputs = _reduce_list(torch_run.eval_outputs, twin_run.eval_outputs)
    reference.train_outputs = _reduce_list(torch_run.train_outputs, twin_run.train_outputs)
    reference.input_gradients = _reduce_list(torch_run.input_gradients, twin_run.input_gradients)
    reference.post_step_outputs = _reduce_list(torch_run.post_step_outputs, twin_run.post_step_outputs)
    reference.parameter_gradients = _reduce_dict(torch_run.parameter_gradients, twin_run.parameter_gradients)
    reference.state_after_step = _reduce_dict(torch_run.state_after_step, twin_run.state_after_step)
    return reference, None


def _reduce_list(
    float32: Sequence[np.ndarray | None], float64: Sequence[np.ndarray | None]
) -> list[ReferenceError | None]:
    return [
        reference_error(a, b) if a is not None and b is not None else None
        for a, b in zip(float32, float64, strict=False)
    ]


def _reduce_dict(float32: dict[str, np.ndarray], float64: dict[str, np.ndarray]) -> dict[str, ReferenceError | None]:
    return {key: reference_error(value, float64[key]) if key in float64 else None for key, value in float32.items()}


def switch_off_stochastic_layers(model: Any, layers: Callable[[Any], Sequence[tuple[str, Any]]]) -> list[str]:
    """Rates to 0 (keep probabilities to 1) on every stochastic layer; the paths of those that were active.

    Measured on MindSpore 2.10: nn.Dropout returns its input when `p == 0` (or `keep_prob == 1`),
    Dropout1d when `prob == 0`, Dropout2d/3d when `keep_prob == 1`, mint.nn.Dropout* when `p == 0`;
    torchvision's StochasticDepth and the DropPath layers of timm and mindcv when their rate is 0. A legacy
    nn.Dropout given `p` keeps an unused `keep_prob` of 0.5: `p` decides whether it was active."""
    changed = []
    for path, layer in layers(model):
        attributes = vars(layer)
        stochastic_class = bool(_STOCHASTIC_CLASS.search(type(layer).__name__))
        active = False
        for key, value in list(attributes.items()):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if key in _KEEP_ATTRIBUTES and stochastic_class:
                if value < 1 and not isinstance(attributes.get("p"), (int, float)):
                    active = True
                object.__setattr__(layer, key, 1.0)
            elif ((key in _RATE_ATTRIBUTES and stochastic_class) or _RATE_NAME.search(key)) and 0 <= value < 1:
                active = active or value > 0
                object.__setattr__(layer, key, 0.0)
        if active:
            changed.append(path or type(layer).__name__)
    return changed


def run_mindspore(
    cell: Any,
    inputs: list[np.ndarray],
    trainable_names: list[str],
    seed: int,
    record_layers: bool,
    files: UserFiles,
    name: str,
    learning_rate: float,
) -> SideRun:
    from mindspore import Tensor

    recorder = LayerRecorder(copied_outputs)
    handles = (
        [cell_.register_forward_hook(recorder.hook_for(path)) for path, cell_ in cell.cells_and_names() if path]
        if record_layers
        else []
    )
    run = SideRun(layers=recorder.records)
    tensors = [Tensor(array.copy()) for array in inputs]
    try:
        cell.set_train(False)
        recorder.phase = Phase.EVAL_FORWARD.value
        run.eval_outputs = copied_outputs(files.call(f"{name} (eval)", cell, *tensors))
        recorder.phase = None
        cell.set_train(True)
        step = _make_train_step(cell, inputs, trainable_names, run.eval_outputs, seed, learning_rate)
        recorder.phase = Phase.TRAIN_FORWARD.value
        outputs, input_gradients, parameter_gradients = files.call(f"{name} train step", step, *tensors)
        recorder.phase = None
        run.train_outputs = copied_outputs(outputs)
        gradients_by_position = dict(zip(step.float_positions, input_gradients, strict=True))
        run.input_gradients = [
            np.array(to_numpy(gradients_by_position[position]), copy=True)
            if position in gradients_by_position
            else None
            for position in range(len(inputs))
        ]
        run.parameter_gradients = {
            key: to_numpy(gradient) for key, gradient in zip(trainable_names, parameter_gradients, strict=True)
        }
        del outputs, input_gradients, parameter_gradients
        run.state_after_step = {key: parameter.asnumpy() for key, parameter in cell.parameters_and_names()}
        cell.set_train(False)
        run.post_step_outputs = copied_outputs(files.call(f"{name} (after the step)", cell, *tensors))
    finally:
        recorder.phase = None
        for handle in handles:
            handle.remove()
    return run


def _make_train_step(
    cell: Any,
    inputs: list[np.ndarray],
    trainable_names: list[str],
    outputs: list[np.ndarray],
    seed: int,
    learning_rate: float,
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
            self.optimizer = nn.SGD(weights, learning_rate=learning_rate) if trainable_names else None
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


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
