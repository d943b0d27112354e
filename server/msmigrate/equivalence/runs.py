"""One side's run inside the worker (torch, or MindSpore in one mode), and what both sides share:
inputs, cotangents, devices, dropout switched off. Imports torch and mindspore only inside functions.

The sequence, identical on both sides, from the same weights and inputs:
1. eval forward (layer outputs recorded);
2. one train-mode forward with every dropout rate forced to 0, backward of sum(output * cotangent) for
   fixed random cotangents, giving the train outputs, the input and parameter gradients, and the
   running statistics; then one plain SGD step (same learning rate, no momentum or weight decay);
3. the parameters after the step, and an eval forward with them (layer outputs recorded).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from msmigrate.equivalence.hooks import LayerRecord, LayerRecorder
from msmigrate.equivalence.result import ErrorKind, InputSpec, Phase
from msmigrate.equivalence.usercode import CheckFailed, UserFiles

LEARNING_RATE = 0.1
INTEGER_INPUT_HIGH = 2  # random integer inputs lie in [0, 2): valid indices for any embedding size
SUPPORTED_INPUT_DTYPES = frozenset({"float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool"})


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


def float64_copy(model: Any) -> Any | None:
    """A float64 twin of the torch model from the same weights, or None when the model cannot be copied."""
    import copy

    try:
        return copy.deepcopy(model).double()
    except Exception:
        return None


def run_float64_reference(
    model: Any, inputs: list[np.ndarray], seed: int, device: str, files: UserFiles
) -> SideRun | None:
    """The same run in float64; None when the model does not run in float64 (a hard-coded float32 tensor)."""
    widened = [array.astype(np.float64) if np.issubdtype(array.dtype, np.floating) else array for array in inputs]
    try:
        run, _, _ = run_torch(model, widened, seed, device, files, "float64 reference")
    except Exception:
        return None
    return run


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
