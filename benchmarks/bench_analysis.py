"""Engine cost against the cost of parsing: `Engine().analyze(text)` as a multiple of `ast.parse(text)`.

    python benchmarks/bench_analysis.py

For MindSpore ports (where every rule runs) and PyTorch files of ~100, 1,000 and 5,000 lines, each
call is timed repeatedly in this process and the median is kept. For context, the MindSpore rows also
time libcst: `parse_module`, and `parse_module` plus `QualifiedNameProvider` resolution (what a
libcst-based linter such as TorchFix pays before its first rule runs). Last come the costs of each
rule on its own at 1,000 lines, to show where analysis time goes.
"""

from __future__ import annotations

import argparse
import ast
import gc
import time
from collections.abc import Callable

import libcst
from bench_corpus import sized_text
from bench_report import Row, at_most, measured, median, render_table
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

from msmigrate.analysis.engine import Engine
from msmigrate.rules import all_rules

SECTION = "analysis"
SIZES = (100, 1_000, 5_000)
FRAMEWORK_LABELS = {"mindspore": "MindSpore", "torch": "PyTorch"}
MULTIPLE_TARGET = 3.0


def median_seconds(*calls: Callable[[], object], min_repeats: int, min_seconds: float) -> list[float]:
    """Median wall time of each call, repeated at least `min_repeats` times and for `min_seconds`.

    The calls take turns within each repetition, so a burst of load from another process slows
    all of them alike instead of skewing their ratio. A full collection before each call keeps one
    call's garbage from being collected on the next call's clock; the collector stays enabled, as
    it is in the server.
    """
    for call in calls:
        call()  # warm-up: first-call caches (imports, rule registry, regex compilation) are not the cost
    timings: list[list[float]] = [[] for _ in calls]
    started = time.perf_counter()
    while len(timings[0]) < min_repeats or time.perf_counter() - started < min_seconds:
        for call, samples in zip(calls, timings, strict=True):
            gc.collect()
            before = time.perf_counter()
            call()
            samples.append(time.perf_counter() - before)
    return [median(samples) for samples in timings]


def _libcst_qualified_names(text: str) -> None:
    MetadataWrapper(libcst.parse_module(text)).resolve(QualifiedNameProvider)


def measure(framework: str, size: int, engine: Engine, with_libcst: bool, quick: bool) -> list[Row]:
    text = sized_text(framework, size)
    lines = text.count("\n")
    repeats, budget = (5, 0.3) if quick else (11, 2.0)
    parse_s, engine_s = median_seconds(
        lambda: ast.parse(text), lambda: engine.analyze(text), min_repeats=repeats, min_seconds=budget
    )
    parse_ms, engine_ms = 1000 * parse_s, 1000 * engine_s
    label = f"{size:,} lines, {FRAMEWORK_LABELS[framework]}"
    rows = [
        measured(
            SECTION,
            f"Engine.analyze / ast.parse, {label}",
            engine_ms / parse_ms,
            "x",
            f"<= {MULTIPLE_TARGET:.0f}x",
            at_most(MULTIPLE_TARGET),
            f"{lines:,} lines: analyze {engine_ms:.1f} ms, ast.parse {parse_ms:.1f} ms",
        )
    ]
    if with_libcst:
        # libcst is slow enough that a couple of repeats give a stable median.
        cst_s, names_s = median_seconds(
            lambda: libcst.parse_module(text),
            lambda: _libcst_qualified_names(text),
            min_repeats=1 if quick else 3,
            min_seconds=0.0,
        )
        cst_ms, names_ms = 1000 * cst_s, 1000 * names_s
        rows += [
            measured(SECTION, f"libcst parse, {label}", cst_ms, "ms", note=f"= {cst_ms / parse_ms:.1f}x ast.parse"),
            measured(
                SECTION,
                f"libcst parse + QualifiedNameProvider, {label}",
                names_ms,
                "ms",
                note=f"= {names_ms / parse_ms:.1f}x ast.parse",
            ),
        ]
    return rows


def per_rule_costs(size: int, quick: bool) -> list[Row]:
    """What each rule adds to an analysis with no rules (facts only), on a MindSpore file.

    A rule alone also pays for shared per-function work it triggers (the value analysis, say), so
    the rows add up to more than the full analysis costs; they show where to look, not a budget.
    """
    text = sized_text("mindspore", size)
    rules = all_rules()
    engines = [Engine(rules=()), *(Engine(rules=(rule,)) for rule in rules)]
    repeats, budget = (3, 0.2) if quick else (7, 1.0)
    timings = median_seconds(
        *(lambda engine=engine: engine.analyze(text) for engine in engines), min_repeats=repeats, min_seconds=budget
    )
    facts_ms = 1000 * timings[0]
    rows = [measured(SECTION, f"facts only (no rules), {size:,} lines, MindSpore", facts_ms, "ms")]
    for rule, seconds in zip(rules, timings[1:], strict=True):
        added_ms = 1000 * seconds - facts_ms
        rows.append(measured(SECTION, f"+ {rule.code} {rule.name()}, {size:,} lines", added_ms, "ms"))
    return rows


def run(quick: bool = False) -> list[Row]:
    engine = Engine()
    rows: list[Row] = []
    for framework in FRAMEWORK_LABELS:
        for size in SIZES:
            rows += measure(framework, size, engine, with_libcst=framework == "mindspore", quick=quick)
    return rows + per_rule_costs(1_000, quick)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args()
    print(render_table(run(args.quick)))


if __name__ == "__main__":
    main()
