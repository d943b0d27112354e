"""Every entry of mappings/numpy_to_mindspore.toml, through MSG001 / MSG003, their fixes and real MindSpore.

For each numpy function with a counterpart, an example Cell calls it on the input tensor. The test
checks what the data and the rule claim of the original (STRICT: compile error; LAX: compile error
exactly where `fails_on_tensors`, which must also fail in PyNative), applies the rule's fix, and checks
the rewrite compiles at both levels; a "safe" rewrite must also give numpy's values (computed here,
with numpy, on the inputs the runner uses) and agree with PyNative, gradient included.

For each random draw with a rewrite, an example returns the draw: MindSpore must freeze the original
at both levels, and the fix must draw fresh values of the same shape, within the draw's range.
"""

from __future__ import annotations

import ast
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import FixSafety
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.rules.graph_syntax._numpy_mappings import numpy_mappings
from tests.oracle.conftest import requires_mindspore, run_oracle
from tests.oracle.ms_runner_compare import same_values

pytestmark = [pytest.mark.oracle, requires_mindspore]

HEADER = """import random

import numpy as np

import mindspore as ms
import mindspore.numpy as mnp
from mindspore import nn, ops

"""
# Inputs of the oracle runner (tests/oracle/ms_runner.py `example_inputs`), for numpy's reference values.
FIRST_INPUT = np.arange(6, dtype=np.float32).reshape(2, 3) / 7 + 0.5
SECOND_INPUT = np.arange(6, dtype=np.float32).reshape(2, 3) * -0.3 + 2.0

# Calls whose default sample (`np.f(x)`, or `np.f(x, x * 0.5 + 0.25)` for two operands) does not fit.
FUNCTION_SAMPLES = {
    "numpy.arcsin": "np.arcsin(x * 0.4)",
    "numpy.arccos": "np.arccos(x * 0.4)",
    "numpy.arctanh": "np.arctanh(x * 0.4)",
    "numpy.arccosh": "np.arccosh(x + 1.0)",
    "numpy.abs": "np.abs(x - 1.0)",
    "numpy.absolute": "np.absolute(x - 1.0)",
    "numpy.sign": "np.sign(x - 1.0)",
    "numpy.round": "np.round(x * 10)",
    "numpy.around": "np.around(x, 1)",
    "numpy.logical_not": "np.logical_not(x > 1.0)",
    "numpy.full_like": "np.full_like(x, 3.0)",
    "numpy.maximum": "np.maximum(x, 1.0)",
    "numpy.minimum": "np.minimum(x, 1.0)",
    "numpy.power": "np.power(x, 2)",
    "numpy.remainder": "np.remainder(x * 3, 0.7)",
    "numpy.mod": "np.mod(x * 3, 0.7)",
    "numpy.fmod": "np.fmod(x * 3, 0.65)",
    "numpy.floor_divide": "np.floor_divide(x * 3, 0.7)",
    "numpy.logical_and": "np.logical_and(x > 0.6, x < 1.1)",
    "numpy.logical_or": "np.logical_or(x < 0.6, x > 1.1)",
    "numpy.heaviside": "np.heaviside(x - 1.0, 0.5)",
    "numpy.matmul": "np.matmul(x, x.T)",
    "numpy.dot": "np.dot(x, x.T)",
    "numpy.outer": "np.outer(x[0], x[1])",
    "numpy.inner": "np.inner(x, x)",
    "numpy.kron": "np.kron(x, x)",
    "numpy.transpose": "np.transpose(x)",
    "numpy.reshape": "np.reshape(x, (3, 2))",
    "numpy.squeeze": "np.squeeze(x.reshape(1, 2, 3), axis=0)",
    "numpy.expand_dims": "np.expand_dims(x, 1)",
    "numpy.flip": "np.flip(x, axis=1)",
    "numpy.tile": "np.tile(x, (2, 1))",
    "numpy.repeat": "np.repeat(x, 2, axis=1)",
    "numpy.broadcast_to": "np.broadcast_to(x, (4, 2, 3))",
    "numpy.swapaxes": "np.swapaxes(x, 0, 1)",
    "numpy.moveaxis": "np.moveaxis(x, 0, 1)",
    "numpy.tril": "np.tril(x, k=1)",
    "numpy.triu": "np.triu(x)",
    "numpy.diagonal": "np.diagonal(x)",
    "numpy.concatenate": "np.concatenate([x, x * 2], axis=0)",
    "numpy.stack": "np.stack([x, x * 2], axis=1)",
    "numpy.where": "np.where(x > 1.0, x, 0.0)",
    "numpy.clip": "np.clip(x, 0.6, 1.0)",
    "numpy.argsort": "np.argsort(x, axis=1)",
    "numpy.cumsum": "np.cumsum(x, axis=1)",
    "numpy.cumprod": "np.cumprod(x, axis=0)",
    "numpy.sum": "np.sum(x, axis=1, keepdims=True)",
    "numpy.mean": "np.mean(x, axis=0)",
    "numpy.max": "np.max(x, axis=1)",
    "numpy.min": "np.min(x, axis=0)",
    "numpy.amin": "np.amin(x, axis=1, keepdims=True)",
    "numpy.prod": "np.prod(x, axis=1)",
    "numpy.std": "np.std(x, axis=1, ddof=1)",
    "numpy.ptp": "np.ptp(x, axis=1)",
    "numpy.any": "np.any(x > 1.0, axis=1)",
    "numpy.all": "np.all(x > 0.6)",
    "numpy.argmax": "np.argmax(x, axis=1)",
    "numpy.average": "np.average(x, axis=0)",
    "numpy.linalg.norm": "np.linalg.norm(x, axis=1)",
}

# Draws with a rewrite: (sample call, lowest value, highest value) of what the draw may return. A scalar
# draw comes from a wide range, so that two calls (unseeded) repeat a value with negligible probability.
DRAW_SAMPLES: list[tuple[str, float, float]] = [
    ("np.random.normal()", -np.inf, np.inf),
    ("np.random.normal(size=(2, 3))", -np.inf, np.inf),
    ("np.random.normal(10.0, 0.5, 4)", 0.0, 20.0),
    ("np.random.normal(-10.0, 0.5)", -20.0, 0.0),
    ("np.random.standard_normal((3, 2))", -np.inf, np.inf),
    ("np.random.standard_normal()", -np.inf, np.inf),
    ("np.random.randn()", -np.inf, np.inf),
    ("np.random.randn(2, 3)", -np.inf, np.inf),
    ("np.random.rand()", 0.0, 1.0),
    ("np.random.rand(4)", 0.0, 1.0),
    ("np.random.random((2, 2))", 0.0, 1.0),
    ("np.random.random_sample()", 0.0, 1.0),
    ("np.random.uniform()", 0.0, 1.0),
    ("np.random.uniform(size=3)", 0.0, 1.0),
    ("np.random.uniform(5.0, 6.0, (2, 3))", 5.0, 6.0),
    ("np.random.uniform(-3.0, -2.0)", -3.0, -2.0),
    ("np.random.randint(1_000_000)", 0, 999_999),
    ("np.random.randint(1000, size=(2, 3))", 0, 999),
    ("np.random.randint(10, 1_000_000)", 10, 999_999),
    ("np.random.randint(10, 1000, 5)", 10, 999),
    ("np.random.permutation(50)", 0, 49),
    ("np.random.default_rng().normal(1.0, 0.5, (2, 3))", -10.0, 10.0),
    ("np.random.default_rng().integers(10, 1000, (2, 3))", 10, 999),
    ("np.random.default_rng().random((2, 3))", 0.0, 1.0),
    ("np.random.default_rng().standard_normal((2, 3))", -np.inf, np.inf),
    ("np.random.default_rng().uniform(2.0, 4.0, 3)", 2.0, 4.0),
    ("np.random.default_rng().permutation(50)", 0, 49),
    ("np.random.RandomState().rand(2, 3)", 0.0, 1.0),
    ("random.random()", 0.0, 1.0),
    ("random.Random().random()", 0.0, 1.0),
    ("random.uniform(2.0, 3.0)", 2.0, 3.0),
    ("random.gauss()", -np.inf, np.inf),
    ("random.gauss(100.0, 1.0)", 50.0, 150.0),
    ("random.normalvariate(0.0, 1.0)", -np.inf, np.inf),
    ("random.randint(1, 1_000_000)", 1, 1_000_000),
    ("random.randrange(1_000_000)", 0, 999_999),
    ("random.randrange(10, 1_000_000)", 10, 999_999),
]


def _function_sample(name: str, min_positional: int) -> str:
    if name in FUNCTION_SAMPLES:
        return FUNCTION_SAMPLES[name]
    short = name.removeprefix("numpy.")
    return f"np.{short}(x, x * 0.5 + 0.25)" if min_positional == 2 else f"np.{short}(x)"


def _example_file(bodies: list[str]) -> tuple[str, dict[str, int]]:
    """A fixture-like module with one Cell per return expression, and each Cell's line of that expression."""
    lines = HEADER.splitlines()
    expression_lines: dict[str, int] = {}
    for index, body in enumerate(bodies):
        name = f"Case{index}"
        lines += [
            "",
            f"class {name}(nn.Cell):",
            '    """oracle: strict=ok lax=ok"""',
            "",
            "    def construct(self, x):",
        ]
        lines.append(f"        return {body}")
        expression_lines[name] = len(lines)
    return "\n".join(lines) + "\n", expression_lines


def _apply_all_fixes(text: str, code: str) -> tuple[str, dict[int, list[Any]]]:
    """`text` with the fixes of every `code` finding applied at once, and the findings by line.

    The generated file already imports `ops` and `mnp`, so each fix edits its own line only.
    """
    findings = [finding for finding in Engine().analyze(text).findings if finding.code == code]
    by_line: dict[int, list[Any]] = {}
    edits = []
    for finding in findings:
        by_line.setdefault(finding.span.line, []).append(finding)
        for offer in finding.fixes:
            edits.extend(compute_edits(text, finding, offer))
    edited_lines = [edit.span.line for edit in edits]
    assert len(edited_lines) == len(set(edited_lines)), "fixes edited more than their own lines"
    return apply_edits(text, edits), by_line


def _run_oracle_on_both(original: Path, fixed: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The oracle's results for both files, run side by side (each is a subprocess of its own)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        before, after = pool.map(run_oracle, (original, fixed))
    return before, after


def _numpy_value(sample: str, data: np.ndarray) -> np.ndarray:
    return np.asarray(eval(sample, {"np": np}, {"x": data}), dtype=np.float64)


@pytest.mark.slow
def test_every_safe_function_rewrite_gives_numpys_values(tmp_path: Path) -> None:
    mappings = [mapping for mapping in numpy_mappings().functions.values() if mapping.target is not None]
    samples = [_function_sample(mapping.name, mapping.min_positional) for mapping in mappings]
    original, lines = _example_file(samples)
    fixed, findings = _apply_all_fixes(original, "MSG001")

    problems: list[str] = []
    for mapping, line in zip(mappings, lines.values(), strict=True):
        offers = [offer for finding in findings.get(line, []) for offer in finding.fixes]
        expected_safety = FixSafety.SAFE if mapping.safe else FixSafety.UNSAFE
        if [offer.safety for offer in offers] != [expected_safety]:
            problems.append(f"{mapping.name}: MSG001 offers {offers}, not one {expected_safety.value} fix")
    assert not problems, "\n".join(problems)
    # `mnp.` (mindspore.numpy, imported by the header) is the fix's own target; only host numpy must go.
    body = "".join(fixed.splitlines(keepends=True)[len(HEADER.splitlines()) :])
    assert not re.search(r"\bnp\.", body), body

    original_path, fixed_path = tmp_path / "original.py", tmp_path / "fixed.py"
    original_path.write_text(original, encoding="utf-8")
    fixed_path.write_text(fixed, encoding="utf-8")
    before, after = _run_oracle_on_both(original_path, fixed_path)
    for mapping, sample, case in zip(mappings, samples, lines, strict=True):
        problems.extend(_function_problems(mapping, sample, before[case], after[case]))
    assert not problems, "\n".join(problems)


def _function_problems(mapping: Any, sample: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    name = mapping.name
    problems = []
    if before["levels"]["strict"]["verdict"] != "compile_error":
        problems.append(f"{name}: `{sample}` compiles at STRICT, the rule says it does not")
    lax_fails = before["levels"]["lax"]["verdict"] == "compile_error"
    if lax_fails != mapping.fails_on_tensors:
        problems.append(f"{name}: `{sample}` compile error at LAX is {lax_fails}, fails_on_tensors says otherwise")
    if ("forward_error" in before["pynative"]) != mapping.fails_on_tensors:
        problems.append(f"{name}: `{sample}` in PyNative disagrees with fails_on_tensors")
    for level, outcome in after["levels"].items():
        observed = outcome["observed"]
        if "forward_error" in observed:
            problems.append(f"{name}: the rewrite does not compile at {level}: {observed['forward_error']}")
            continue
        if not mapping.safe:
            continue
        # Piecewise-constant functions (floor, comparisons, argmax) have a zero gradient in PyNative too.
        graph_gradient, pynative_gradient = observed.get("grad"), after["pynative"].get("grad")
        if (graph_gradient is None) != (pynative_gradient is None) or (
            graph_gradient is not None and not same_values(graph_gradient, pynative_gradient)
        ):
            problems.append(f"{name}: the rewrite's gradient at {level} is not PyNative's: {observed}")
        for output, data in (("out_a", FIRST_INPUT), ("out_c", SECOND_INPUT)):
            if not same_values(observed[output], _numpy_value(sample, data)):
                problems.append(f"{name}: the rewrite of `{sample}` gives {observed[output]} at {level}, not numpy's")
    return problems


@pytest.mark.slow
def test_every_draw_rewrite_draws_fresh_values_in_range(tmp_path: Path) -> None:
    bodies = [f"ms.Tensor({sample}, ms.float32)" for sample, _, _ in DRAW_SAMPLES]
    original, lines = _example_file(bodies)
    fixed, findings = _apply_all_fixes(original, "MSG003")
    unfixed = [
        sample
        for (sample, _, _), line in zip(DRAW_SAMPLES, lines.values(), strict=True)
        if not any(finding.fixes for finding in findings.get(line, []))
    ]
    assert not unfixed, f"MSG003 offers no rewrite of {unfixed}"
    remaining = [
        finding.message for finding in Engine().analyze(fixed).findings if finding.code in ("MSG001", "MSG003")
    ]
    assert not remaining, remaining

    original_path, fixed_path = tmp_path / "original.py", tmp_path / "fixed.py"
    original_path.write_text(original, encoding="utf-8")
    fixed_path.write_text(fixed, encoding="utf-8")
    before, after = _run_oracle_on_both(original_path, fixed_path)
    problems = []
    for (sample, lowest, highest), case in zip(DRAW_SAMPLES, lines, strict=True):
        rewritten = fixed.splitlines()[lines[case] - 1].strip()
        for level in ("strict", "lax"):
            if before[case]["levels"][level]["verdict"] != "frozen_random":
                problems.append(f"`{sample}` is not frozen at {level}: {before[case]['levels'][level]['verdict']}")
            outcome = after[case]["levels"][level]
            if outcome["verdict"] != "ok":
                problems.append(f"`{rewritten}` is {outcome['verdict']} at {level}: {outcome['observed']}")
                continue
            drawn = np.asarray(outcome["observed"]["out_a"], dtype=np.float64)
            reference = np.asarray(before[case]["pynative"]["out_a"], dtype=np.float64)
            if drawn.shape != reference.shape:
                problems.append(f"`{rewritten}` draws shape {drawn.shape} at {level}, `{sample}` {reference.shape}")
            if drawn.size and not (drawn.min() >= lowest and drawn.max() <= highest):
                problems.append(f"`{rewritten}` draws {drawn} at {level}, outside [{lowest}, {highest}]")
    assert not problems, "\n".join(problems)


def test_every_draw_template_has_a_sample() -> None:
    """Each template variant of the data is exercised by a sample above."""
    mappings = numpy_mappings()
    exercised: set[tuple[int, int]] = set()
    for sample, _, _ in DRAW_SAMPLES:
        text = HEADER + f"\n\n@ms.jit\ndef case(x):\n    return ms.Tensor({sample}, ms.float32)\n"
        (finding,) = (finding for finding in Engine().analyze(text).findings if finding.code == "MSG003")
        params = finding.fixes[0].param_dict()
        exercised.add((id(mappings.draws[params["draw"]]), params["variant"]))
    distinct = {id(mapping): mapping for mapping in mappings.draws.values()}
    missing = [
        f"{mapping.names[0]}: {variant.text}"
        for key, mapping in distinct.items()
        for index, variant in enumerate(mapping.variants)
        if (key, index) not in exercised
    ]
    assert not missing


def test_samples_name_real_entries() -> None:
    names = set(numpy_mappings().functions)
    assert set(FUNCTION_SAMPLES) <= names
    for sample in FUNCTION_SAMPLES.values():
        ast.parse(sample)
        assert re.match(r"np\.[\w.]+\(", sample)
