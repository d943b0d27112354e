"""What the equivalence check costs on real ports, in memory and time, against the work it cannot avoid.

    python benchmarks/bench_equivalence_real.py                 # VGG11-BN at 224 px and ResNet-18, PyNative
    python benchmarks/bench_equivalence_real.py --pairs vgg     # one pair
    python benchmarks/bench_equivalence_real.py --modes pynative graph

The real ports are torchvision 0.28's definitions against mindcv 0.3's (installed from the package registry
into a cache folder on first use, as the real-pairs tests do). Two runs per pair, each in a fresh process,
measured from outside: the wall time, and the peak resident memory of the largest process (the check's
worker; `getrusage(RUSAGE_CHILDREN)` after it ends).

- **check**: `msmigrate equiv torchvision...:factory mindcv...:factory` as a user runs it.
- **bare**: this script in `--bare` mode: the same imports and the same two models, and only the work
  a comparison needs: torch's eval forward, train forward, backward and one SGD step, eval forward; then
  MindSpore's, once per mode. No hooks, no float64 reference, no comparison.

Goal: the check's peak memory at most 2x the bare run's (16.5 GB against about 3.6 GB before, on VGG11-BN
at 224 px).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_equivalence import train_step
from bench_report import REPO, Row, at_most, measured, render_table, unavailable

sys.path.insert(0, str(REPO))

SECTION = "equivalence on real ports"
MEMORY_TARGET = 2.0


@dataclass(frozen=True)
class RealPair:
    key: str
    title: str
    torch: str
    mindspore: str
    shape: tuple[int, ...]
    init_args: dict
    mindspore_init_args: dict
    weight_map: dict | None = None


PAIRS = {
    "vgg": RealPair(
        "vgg",
        "VGG11-BN, 1x3x224x224",
        "torchvision.models.vgg:vgg11_bn",
        "mindcv.models.vgg:vgg11",
        (1, 3, 224, 224),
        {"num_classes": 10},
        {"num_classes": 10, "batch_norm": True},
        {"zero_torch": ["features.*.bias"]},
    ),
    "resnet": RealPair(
        "resnet",
        "ResNet-18, 1x3x64x64",
        "torchvision.models.resnet:resnet18",
        "mindcv.models.resnet:resnet18",
        (1, 3, 64, 64),
        {"num_classes": 10},
        {"num_classes": 10},
    ),
}


def measure(command: list[str], environment: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS of the largest process in MB, its verdict line or last line) of a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:  # MindSpore writes rank_0/ into the working directory
        completed = subprocess.run(command, capture_output=True, text=True, cwd=directory, env=environment)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak <= before:
        raise RuntimeError("a previous run used more memory: run each measurement in a fresh benchmark process")
    lines = (completed.stdout or completed.stderr).strip().splitlines()
    verdicts = [line for line in lines if line.startswith("verdict:")]
    return wall, peak / 1024, (verdicts or lines or [f"exit {completed.returncode}"])[-1]


def bare_work(pair: RealPair, modes: list[str]) -> None:
    """The unavoidable work, in this process."""
    import importlib

    import mindspore
    import numpy as np
    import torch
    from mindspore import Tensor

    from msmigrate.equivalence.usercode import UserFiles, load_target

    files = UserFiles()
    torch_target = load_target(*pair.torch.split(":"), files)  # bypasses torchvision's failing __init__
    model = torch_target.maker(**pair.init_args)
    inputs = np.random.default_rng(0).standard_normal(pair.shape).astype(np.float32)
    x = torch.from_numpy(inputs)
    model.eval()
    with torch.no_grad():
        model(x)
    model.train()
    train_x = x.clone().requires_grad_(True)
    output = model(train_x)
    (output * torch.randn_like(output)).sum().backward()
    torch.optim.SGD(model.parameters(), lr=0.01).step()
    model.eval()
    with torch.no_grad():
        model(x)
    module, _, name = pair.mindspore.partition(":")
    factory = getattr(importlib.import_module(module), name)
    for mode in modes:
        mindspore.set_context(mode=mindspore.GRAPH_MODE if mode == "graph" else mindspore.PYNATIVE_MODE)
        cell = factory(**pair.mindspore_init_args)
        ms_x = Tensor(inputs)
        cell.set_train(False)
        cell(ms_x)
        cell.set_train(True)
        train_step(cell, Tensor(np.ones((pair.shape[0], 10), np.float32)))(ms_x)
        cell.set_train(False)
        cell(ms_x).asnumpy()
        del cell
    print("bare done")


def run(pair_keys: list[str], modes: list[str]) -> list[Row]:
    try:
        from tests.real_packages import RegistryUnreachable, install_real_packages

        site = install_real_packages()
    except (ImportError, RegistryUnreachable) as error:
        return [unavailable(SECTION, "check / bare peak memory", "x", str(error))]
    environment = {
        **os.environ,
        "GLOG_v": "3",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(site), str(REPO / "server"), os.environ.get("PYTHONPATH")])),
    }
    rows = []
    for key in pair_keys:
        pair = PAIRS[key]
        with tempfile.TemporaryDirectory() as directory:
            command = [
                sys.executable, "-m", "msmigrate", "equiv", pair.torch, pair.mindspore,
                "--init-args", json.dumps(pair.init_args), "--ms-init-args", json.dumps(pair.mindspore_init_args),
                "--input", ",".join(map(str, pair.shape)), "--timeout", "3600", "-q",
            ]  # fmt: skip
            for mode in modes:
                command += ["--mode", mode]
            if pair.weight_map:
                weight_map = Path(directory) / "map.json"
                weight_map.write_text(json.dumps(pair.weight_map), encoding="utf-8")
                command += ["--weight-map", str(weight_map)]
            check_wall, check_peak, verdict = measure_in_fresh_process(command, environment)
        bare_command = [sys.executable, str(Path(__file__).resolve()), "--bare", key, "--modes", *modes]
        bare_wall, bare_peak, _ = measure_in_fresh_process(bare_command, environment)
        note = f"{', '.join(modes)}; check {check_peak:,.0f} MB vs bare {bare_peak:,.0f} MB; {verdict[:60]}"
        rows.append(
            measured(
                SECTION,
                f"check / bare peak memory, {pair.title}",
                check_peak / bare_peak,
                "x",
                target=f"<= {MEMORY_TARGET:g}x",
                check=at_most(MEMORY_TARGET),
                note=note,
            )
        )
        rows.append(
            measured(
                SECTION,
                f"check / bare wall time, {pair.title}",
                check_wall / bare_wall,
                "x",
                note=f"check {check_wall:.0f} s vs bare {bare_wall:.0f} s",
            )
        )
    return rows


def measure_in_fresh_process(command: list[str], environment: dict[str, str]) -> tuple[float, float, str]:
    """`measure` from a process of its own, so that each peak is that run's alone."""
    probe = [sys.executable, str(Path(__file__).resolve()), "--measure", json.dumps(command)]
    completed = subprocess.run(probe, capture_output=True, text=True, env=environment, check=True)
    wall, peak, last = json.loads(completed.stdout.strip().splitlines()[-1])
    return wall, peak, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", nargs="+", choices=sorted(PAIRS), default=["vgg", "resnet"])
    parser.add_argument("--modes", nargs="+", choices=("pynative", "graph"), default=["pynative"])
    parser.add_argument("--bare", choices=sorted(PAIRS), help=argparse.SUPPRESS)  # the subprocess side
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the measuring subprocess
    arguments = parser.parse_args()
    if arguments.bare:
        bare_work(PAIRS[arguments.bare], arguments.modes)
        return
    if arguments.measure:
        print(json.dumps(measure(json.loads(arguments.measure), dict(os.environ))))
        return
    print(render_table(run(arguments.pairs, arguments.modes)))


if __name__ == "__main__":
    main()
