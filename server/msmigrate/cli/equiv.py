"""`msmigrate equiv TORCH:Name MINDSPORE:Name`: does the Cell compute what the torch module computes?

Each side is `FILE.py:Name` or `package.module:Name`, Name a class or a function returning the model.
Exit status: 0 equivalent (also when the difference is only kernel noise), 1 divergent, 2 the check could
not run (bad arguments, user code that raised, hung or crashed, weights that could not be paired),
3 inconclusive (everything agreed, but the outputs compared prove nothing: all zero, constant).
The models run in a subprocess (`msmigrate.equivalence.runner`); this module never imports torch or
mindspore, and imports the report renderers only for the format asked for.
"""

from __future__ import annotations

import argparse
import json
import threading
from pathlib import Path
from typing import Any, TextIO

from msmigrate.equivalence.result import (
    DEFAULT_MODES,
    EquivalenceRequest,
    EquivalenceResult,
    InputSpec,
    Mode,
    Progress,
    Status,
    Tolerances,
)
from msmigrate.equivalence.sources import parse_model_reference

EXIT_EQUIVALENT = 0
EXIT_DIVERGENT = 1
EXIT_NOT_RUN = 2
EXIT_INCONCLUSIVE = 3
FORMATS = ("text", "json", "markdown")


def add_parser(commands: Any) -> None:
    """Register the `equiv` subcommand on the `add_subparsers()` object of the main parser."""
    equiv = commands.add_parser(
        "equiv",
        help="check that a MindSpore Cell computes what a PyTorch module computes",
        description="Run both models on the same weights and inputs (eval and train forward, gradients, running "
        "statistics, one SGD step; MindSpore in PyNative and GRAPH_MODE), report the first sub-module whose "
        "output differs and the hyperparameters that differ between paired layers. Each side is FILE.py:Name or "
        "package.module:Name (a class or a function returning the model, such as "
        "torchvision.models.resnet:resnet18). Exit status: 0 equivalent, 1 divergent, 2 could not run, "
        "3 inconclusive.",
    )
    equiv.add_argument(
        "torch", metavar="TORCH:Name", type=_model_reference, help="the PyTorch model: FILE.py:Name or module:Name"
    )
    equiv.add_argument(
        "mindspore", metavar="MINDSPORE:Name", type=_model_reference, help="the MindSpore model, likewise"
    )
    equiv.add_argument(
        "--init-args", type=_json_arguments, metavar="JSON", help="constructor arguments for both: JSON object or list"
    )
    equiv.add_argument(
        "--ms-init-args", type=_json_arguments, metavar="JSON", help="constructor arguments for the Cell, if different"
    )
    equiv.add_argument(
        "--input",
        action="append",
        type=_input_spec,
        dest="inputs",
        metavar="SHAPE:DTYPE",
        help="a random input, such as 2,3,32,32:float32; repeat for several inputs (default: example_inputs() "
        "defined next to either class)",
    )
    equiv.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    equiv.add_argument("--timeout", type=_positive_float, default=300.0, metavar="S", help="seconds (default: 300)")
    equiv.add_argument(
        "--atol",
        type=_non_negative_float,
        help="element-wise absolute tolerance, in units of each tensor's root mean square (fp32: 1e-5)",
    )
    equiv.add_argument("--rtol", type=_non_negative_float, help="element-wise relative tolerance (fp32: 1e-4)")
    equiv.add_argument(
        "--weight-map",
        metavar="FILE",
        help="torch name -> MindSpore name pairs, and names to ignore or (torch) to zero: a JSON or TOML file, "
        "or file.py:function returning them",
    )
    equiv.add_argument(
        "--keep-init",
        action="store_true",
        help="compare the models as initialised: do not redraw constant weights or calibrate BatchNorm statistics",
    )
    equiv.add_argument("-v", "--verbose", action="store_true", help="every tensor and layer in the text report")
    equiv.add_argument(
        "--device", default="auto", choices=("auto", "cpu", "gpu", "ascend"), help="where to run (default: auto)"
    )
    equiv.add_argument("--python", metavar="INTERPRETER", help="the interpreter with torch and mindspore installed")
    equiv.add_argument(
        "--mode",
        action="append",
        choices=[mode.value for mode in Mode],
        dest="modes",
        help="MindSpore execution mode; repeatable (default: pynative and graph)",
    )
    equiv.add_argument("--seed", type=int, default=0, help="seed for inputs and initialisation (default: 0)")
    equiv.add_argument("--report-dir", type=Path, metavar="DIR", help="also write the Markdown/JSON/SVG report here")
    equiv.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    equiv.set_defaults(run=run_equiv)


def run_equiv(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from msmigrate.equivalence.runner import run_equivalence

    torch_source, torch_name = arguments.torch
    mindspore_source, mindspore_name = arguments.mindspore
    tolerances = None
    if arguments.atol is not None or arguments.rtol is not None:
        tolerances = Tolerances().overridden(atol=arguments.atol, rtol=arguments.rtol)
    request = EquivalenceRequest(
        torch_source=torch_source,
        torch_name=torch_name,
        mindspore_source=mindspore_source,
        mindspore_name=mindspore_name,
        init_args=arguments.init_args,
        mindspore_init_args=arguments.ms_init_args,
        inputs=arguments.inputs,
        tolerances=tolerances,
        timeout_s=arguments.timeout,
        interpreter=arguments.python,
        device=arguments.device,
        weight_map=arguments.weight_map,
        modes=tuple(dict.fromkeys(arguments.modes)) if arguments.modes else DEFAULT_MODES,
        seed=arguments.seed,
        reinitialise=not arguments.keep_init,
    )

    def show(progress: Progress) -> None:
        if not arguments.quiet:
            percentage = f"{progress.percentage:3d}%" if progress.percentage is not None else "    "
            print(f"[{percentage}] {progress.message}", file=stderr, flush=True)

    result = _run_interruptibly(lambda cancel: run_equivalence(request, show, cancel))
    if arguments.report_dir is not None:
        from msmigrate.equivalence.report import write_report

        files = write_report(result, arguments.report_dir)
        if not arguments.quiet:
            print(f"report: {files.markdown}", file=stderr)
    stdout.write(render(result, arguments.format, verbose=arguments.verbose))
    return exit_status(result)


def exit_status(result: EquivalenceResult) -> int:
    if result.status == Status.INCONCLUSIVE.value:
        return EXIT_INCONCLUSIVE
    if result.equivalent is None:
        return EXIT_NOT_RUN
    return EXIT_EQUIVALENT if result.equivalent else EXIT_DIVERGENT


def render(result: EquivalenceResult, output_format: str, verbose: bool = False) -> str:
    if output_format == "json":
        return json.dumps(result.to_json(), indent=2) + "\n"
    if output_format == "markdown":
        from msmigrate.equivalence.report import render_markdown

        return render_markdown(result, None)
    from msmigrate.equivalence.report import render_text

    return render_text(result, verbose=verbose)


def _run_interruptibly(run: Any) -> EquivalenceResult:
    """Run in a thread so that Ctrl-C cancels the check (and kills the worker) instead of orphaning it."""
    cancel = threading.Event()
    outcome: list[EquivalenceResult] = []
    thread = threading.Thread(target=lambda: outcome.append(run(cancel)), daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        cancel.set()
        thread.join()
        raise
    if not outcome:
        raise RuntimeError("the equivalence check ended without a result")
    return outcome[0]


def _model_reference(value: str) -> tuple[str, str]:
    try:
        return parse_model_reference(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _json_arguments(value: str) -> dict[str, Any] | list[Any]:
    try:
        parsed = json.loads(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None
    if not isinstance(parsed, (dict, list)):
        raise argparse.ArgumentTypeError("must be a JSON object (keyword arguments) or list (positional arguments)")
    return parsed


def _input_spec(value: str) -> InputSpec:
    try:
        return InputSpec.parse(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive_float(value: str) -> float:
    number = _non_negative_float(value)
    if number == 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return number


def _non_negative_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not number >= 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return number
