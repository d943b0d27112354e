"""What the equivalence check costs over the work it cannot avoid, on the small ResNet pair of the tests.

    python benchmarks/bench_equivalence.py            # 3 repeats of each
    python benchmarks/bench_equivalence.py --quick    # 1 repeat

Two timings, each from a fresh interpreter, taking turns so that load from other processes hits both:

- **check**: `run_equivalence()` on `tests/equivalence/pairs/resnet_*.py` (SmallResNet, input 4x3x16x16),
  MindSpore in PyNative and GRAPH_MODE, wall time from the call to the result, as the CLI and the
  language server see it (worker start-up, imports, weight pairing, the float64 reference run, layer
  hooks, comparisons, JSON).
- **bare**: this script in `--bare` mode in a subprocess: the same imports, the same two models with the
  torch weights copied into the Cell, and the same work (eval forward, a train forward with backward and
  one SGD step, an eval forward after it) in torch once and in MindSpore once per mode, without anything
  the check adds. Its wall time includes interpreter start-up, as the check's does.

The overhead is check / bare. The bare run also reports its own phases (imports, torch, each MindSpore
mode) so the table shows where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_report import REPO, Row, at_most, measured, median, render_table, unavailable

SECTION = "equivalence"
PAIRS = REPO / "tests" / "equivalence" / "pairs"
TORCH_FILE = PAIRS / "resnet_torch.py"
MINDSPORE_FILE = PAIRS / "resnet_mindspore.py"
CLASS = "SmallResNet"
OVERHEAD_TARGET = 3.0


def time_check() -> tuple[float, str]:
    from msmigrate.equivalence.result import EquivalenceRequest
    from msmigrate.equivalence.runner import run_equivalence

    started = time.perf_counter()
    result = run_equivalence(EquivalenceRequest(str(TORCH_FILE), CLASS, str(MINDSPORE_FILE), CLASS, timeout_s=600))
    return time.perf_counter() - started, result.status


def time_bare() -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:  # MindSpore writes rank_0/ into the working directory
        completed = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--bare"],
            capture_output=True,
            text=True,
            cwd=directory,
            env={**os.environ, "GLOG_v": "3"},
            timeout=600,
            check=True,
        )
    wall = time.perf_counter() - started
    return wall, json.loads(completed.stdout.strip().splitlines()[-1])


def bare_work() -> dict[str, float]:
    """The unavoidable work, timed from inside one process; prints its phase times as JSON."""
    phases: dict[str, float] = {}
    started = time.perf_counter()
    import mindspore
    import numpy as np
    import torch
    from mindspore import Tensor

    phases["imports"] = time.perf_counter() - started
    sys.path.insert(0, str(PAIRS))
    import resnet_mindspore
    import resnet_torch

    clock = time.perf_counter()
    torch.manual_seed(0)
    model = resnet_torch.SmallResNet()
    state = {key: value.detach().numpy().copy() for key, value in model.state_dict().items()}
    inputs = torch.from_numpy(np.random.default_rng(0).standard_normal((4, 3, 16, 16)).astype(np.float32))
    model.eval()
    with torch.no_grad():
        model(inputs)
    model.train()
    train_inputs = inputs.clone().requires_grad_(True)
    output = model(train_inputs)
    cotangent = torch.randn_like(output)
    (output * cotangent).sum().backward()
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    model.eval()
    with torch.no_grad():
        model(inputs)
    phases["torch"] = time.perf_counter() - clock

    renames = {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean", "running_var": "moving_variance"}
    for mode_name, mode in (("pynative", mindspore.PYNATIVE_MODE), ("graph", mindspore.GRAPH_MODE)):
        clock = time.perf_counter()
        mindspore.set_context(mode=mode)
        cell = resnet_mindspore.SmallResNet()
        parameters = dict(cell.parameters_and_names())
        for key, value in state.items():
            owner, _, leaf = key.rpartition(".")
            name = key if key in parameters else f"{owner}.{renames.get(leaf, leaf)}"
            if name in parameters:
                parameters[name].set_data(Tensor(value))
        ms_inputs = Tensor(inputs.numpy())
        cell.set_train(False)
        cell(ms_inputs)
        cell.set_train(True)
        step = train_step(cell, Tensor(cotangent.numpy()))
        step(ms_inputs)
        cell.set_train(False)
        cell(ms_inputs).asnumpy()
        phases[f"mindspore {mode_name}"] = time.perf_counter() - clock
    phases["total in process"] = time.perf_counter() - started
    return phases


def train_step(cell: object, sens: object) -> object:
    """Forward, backward of sum(output * sens) and one SGD step in one Cell, as the check's worker does."""
    import mindspore
    from mindspore import nn

    weights = mindspore.ParameterTuple(cell.trainable_params())

    class TrainStep(nn.Cell):
        def __init__(self) -> None:
            super().__init__()
            self.network = cell
            self.sens = sens
            self.optimizer = nn.SGD(weights, learning_rate=0.1)
            self.grad_fn = mindspore.value_and_grad(self.weighted_sum, 0, weights)

        def weighted_sum(self, x):
            return (self.network(x) * self.sens).sum()

        def construct(self, x):
            _, (input_gradient, parameter_gradients) = self.grad_fn(x)
            self.optimizer(parameter_gradients)
            return input_gradient

    return TrainStep()


def run(quick: bool = False) -> list[Row]:
    repeats = 1 if quick else 3
    try:
        import mindspore  # noqa: F401 (only to know whether the frameworks are here; the work runs in subprocesses)
        import torch  # noqa: F401
    except ImportError as error:
        return [unavailable(SECTION, "check / bare forward+backward, ResNet pair", "x", f"not installed: {error.name}")]
    checks: list[float] = []
    bares: list[float] = []
    bare_phases: list[dict[str, float]] = []
    status = ""
    for _ in range(repeats):
        seconds, status = time_check()
        checks.append(seconds)
        seconds, phases = time_bare()
        bares.append(seconds)
        bare_phases.append(phases)
    check_s, bare_s = median(checks), median(bares)
    phase_note = ", ".join(
        f"{name} {median([phases[name] for phases in bare_phases]):.1f} s" for name in bare_phases[0]
    )
    return [
        measured(
            SECTION,
            "check / bare forward+backward, ResNet pair",
            check_s / bare_s,
            "x",
            target=f"<= {OVERHEAD_TARGET:g}x",
            check=at_most(OVERHEAD_TARGET),
            note=f"check {check_s:.1f} s vs bare {bare_s:.1f} s (+{check_s - bare_s:.1f} s); "
            f"PyNative and GRAPH_MODE; verdict {status}; median of {repeats}",
        ),
        measured(SECTION, "check wall time, ResNet pair", check_s, "s", note="run_equivalence(), fresh worker"),
        measured(SECTION, "bare wall time, ResNet pair", bare_s, "s", note=f"fresh interpreter: {phase_note}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one repeat instead of three")
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)  # the subprocess side
    arguments = parser.parse_args()
    if arguments.bare:
        print(json.dumps(bare_work()))
        return
    print(render_table(run(arguments.quick)))


if __name__ == "__main__":
    main()
