"""Making a comparison informative before it runs (worker side, torch model only: MindSpore gets the same
values through the weight mapping).

A freshly built model often computes something that proves nothing: a classifier head initialised to zero
outputs zeros whatever the layers before it do; BatchNorm's default running statistics (mean 0, variance
1) are far from what a real input produces, so eval-mode activations shrink layer after layer (measured
1e-7 to 1e-13 at the output of MnasNet, MobileNetV3 and EfficientNet under the default initialisation),
until any difference drowns. So, with the same values on both sides:
  - every trainable tensor whose elements are all equal (zeros, ones, a constant) is redrawn around its
    value: zeros at the scale of a default-initialised tensor of that shape, a constant c within ±25 % of c;
  - BatchNorm running statistics are set to the statistics of this very input (one train-mode pass with
    stochastic layers off), then perturbed (mean by 0.2 standard deviations, variance by a factor around
    1), so that eval activations stay of order 1 and eval still differs from train;
  - the torch tensors a weight map asks to zero are zeroed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from msmigrate.equivalence.usercode import CheckFailed, UserFiles

MEAN_SHIFT = 0.2  # in standard deviations of the batch statistic
LOG_VARIANCE_SPREAD = 0.2
CONSTANT_SPREAD = 0.25
ZERO_VECTOR_SCALE = 0.1
MAX_NAMED = 6


def reinitialise(model: Any, make_inputs: Callable[[], list[Any]], seed: int, files: UserFiles, name: str) -> list[str]:
    """Redraw constant tensors and calibrate BatchNorm statistics in place; what was done, as notes."""
    import torch

    generator = np.random.default_rng(seed + 7)
    notes = []
    zeros: list[str] = []
    constants: list[str] = []
    with torch.no_grad():
        for key, parameter in model.named_parameters():
            if not parameter.requires_grad or not parameter.is_floating_point() or parameter.numel() == 0:
                continue
            values = parameter.detach()
            first = values.reshape(-1)[0]
            if not bool(torch.all(values == first)):
                continue
            constant = float(first)
            if constant == 0.0:
                drawn = _around_zero(tuple(parameter.shape), generator)
                zeros.append(key)
            else:
                drawn = constant * generator.uniform(1 - CONSTANT_SPREAD, 1 + CONSTANT_SPREAD, tuple(parameter.shape))
                constants.append(key)
            parameter.copy_(torch.from_numpy(drawn.astype(np.float64)).to(parameter.dtype))
    # A layer whose weight matrix is all zero (a classifier head) makes everything before it invisible.
    zero_layers = [key.rpartition(".")[0] or key for key in zeros if key.endswith("weight") and _is_matrix(model, key)]
    if zero_layers:
        notes.append(
            f"zero-initialised layer(s) redrawn (they would hide every difference before them): {_named(zero_layers)}"
        )
    if zeros:
        notes.append(f"redrew {len(zeros)} zero-initialised parameter(s): {_named(zeros)}")
    if constants:
        notes.append(
            f"redrew {len(constants)} constant-initialised parameter(s) around their value: {_named(constants)}"
        )
    calibrated = _calibrate_batch_norm(model, make_inputs, generator, files, name)
    if calibrated:
        notes.append(calibrated)
    return notes


def _around_zero(shape: tuple[int, ...], generator: np.random.Generator) -> np.ndarray:
    """What a default initialisation would draw: uniform within 1/sqrt(fan_in) for a matrix or kernel,
    a small normal spread for a vector (a bias, a token)."""
    if len(shape) >= 2:
        fan_in = math.prod(shape[1:])
        bound = 1.0 / math.sqrt(max(fan_in, 1))
        return generator.uniform(-bound, bound, shape)
    return generator.normal(0.0, ZERO_VECTOR_SCALE, shape)


def _calibrate_batch_norm(
    model: Any, make_inputs: Callable[[], list[Any]], generator: np.random.Generator, files: UserFiles, name: str
) -> str | None:
    import torch
    from torch.nn.modules.batchnorm import _NormBase

    norms = [
        (path, module)
        for path, module in model.named_modules()
        if isinstance(module, _NormBase) and module.track_running_stats and module.running_mean is not None
    ]
    if not norms:
        return None
    momenta = [module.momentum for _, module in norms]
    was_training = model.training
    how = "set from this input's batch statistics, then perturbed"
    try:
        for _, module in norms:
            module.reset_running_stats()
            module.momentum = None  # a cumulative average: after one batch, exactly its statistics
        model.train()
        with torch.no_grad():
            files.call(f"{name} (calibrating BatchNorm statistics)", model, *make_inputs())
    except CheckFailed:
        how = "drawn at random (the model does not run in train mode on this input)"
        for _, module in norms:
            module.running_mean.copy_(torch.from_numpy(generator.normal(0.0, 0.1, module.running_mean.shape)))
            module.running_var.copy_(torch.from_numpy(generator.uniform(0.5, 1.5, module.running_var.shape)))
    finally:
        for (_, module), momentum in zip(norms, momenta, strict=True):
            module.momentum = momentum
        model.train(was_training)
    with torch.no_grad():
        for _, module in norms:
            deviation = torch.sqrt(module.running_var.double().clamp_min(1e-12))
            shift = torch.from_numpy(generator.normal(0.0, MEAN_SHIFT, tuple(module.running_mean.shape)))
            factor = torch.from_numpy(
                np.exp(generator.normal(0.0, LOG_VARIANCE_SPREAD, tuple(module.running_var.shape)))
            )
            module.running_mean.copy_((module.running_mean.double() + shift * deviation).to(module.running_mean.dtype))
            module.running_var.copy_((module.running_var.double() * factor).to(module.running_var.dtype))
            if module.num_batches_tracked is not None:
                module.num_batches_tracked.zero_()
    return f"BatchNorm running statistics of {len(norms)} layer(s) {how}"


def _is_matrix(model: Any, key: str) -> bool:
    return dict(model.named_parameters())[key].dim() >= 2


def zero_tensors(model: Any, names: Sequence[str]) -> None:
    """Zero the tensors, and freeze those that are parameters: they stand for one MindSpore lacks, so the SGD
    step must not move them away from zero."""
    import torch

    state = model.state_dict()
    parameters = dict(model.named_parameters())
    with torch.no_grad():
        for key in names:
            if key in state:
                state[key].zero_()
            if key in parameters:
                parameters[key].requires_grad_(False)


def _named(keys: list[str]) -> str:
    shown = ", ".join(keys[:MAX_NAMED])
    return shown + (f" and {len(keys) - MAX_NAMED} more" if len(keys) > MAX_NAMED else "")
