"""An equivalence result as a person reads it: plain text, Markdown with a per-layer error chart (SVG), JSON.

`write_report(result, directory)` writes `<name>.md`, `<name>.json` and, when the run recorded per-layer
outputs, `<name>.svg`; the Markdown links the picture by its file name, so a Markdown preview (VS Code's)
shows it next to the text. Source links are relative to the report's folder with a `#L<line>` fragment,
which VS Code's preview opens at the line. Nothing here imports torch or mindspore.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Finding
from msmigrate.equivalence.result import (
    Check,
    EquivalenceResult,
    LayerComparison,
    NoiseBound,
    Status,
    TensorComparison,
)
from msmigrate.report.links import relative_link

PHASE_TITLES = {
    "eval_forward": "eval forward",
    "train_forward": "train forward",
    "input_gradients": "gradients w.r.t. inputs",
    "parameter_gradients": "parameter gradients",
    "running_stats": "running statistics",
    "sgd_step": "parameters after one SGD step",
}
VERDICTS = {
    Status.EQUIVALENT.value: "equivalent",
    Status.NOISE.value: "equivalent up to kernel noise",
    Status.DIVERGENT.value: "divergent",
    Status.ERROR.value: "could not run",
}
MAX_TENSOR_ROWS = 40  # per check; the JSON has them all
MAX_LAYER_ROWS = 200
MAX_MAPPING_ROWS = 200


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    json: Path
    chart: Path | None  # None when the run recorded no per-layer outputs


def report_name(result: EquivalenceResult) -> str:
    """`<MindSpore file stem>-<Cell>-equivalence`, safe as a file name."""
    stem = Path(result.mindspore.file).stem or "cell"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{stem}-{result.mindspore.class_name}-equivalence")


def write_report(result: EquivalenceResult, directory: Path | str) -> ReportFiles:
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    name = report_name(result)
    json_path = folder / f"{name}.json"
    json_path.write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    chart_path: Path | None = None
    if result.layers:
        chart_path = folder / f"{name}.svg"
        chart_path.write_text(layer_chart_svg(result), encoding="utf-8")
    markdown_path = folder / f"{name}.md"
    markdown = render_markdown(result, chart_path.name if chart_path else None, link_base=folder)
    markdown_path.write_text(markdown, encoding="utf-8")
    return ReportFiles(markdown_path, json_path, chart_path)


# -- numbers ------------------------------------------------------------------------------------------
def number(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.4g}"
    return f"{value:.2e}"


def cosine(value: float | None) -> str:
    """Cosine similarity with enough digits to tell 0.9999999 (noise) from 0.99 (a real difference)."""
    if value is None:
        return "n/a"
    return f"{value:.7f}" if value > 0.999 else f"{value:.4f}"


def share(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.4g}%"


def _worst(values: Iterable[float | None], *, highest: bool = True) -> float | None:
    known = [value for value in values if value is not None]
    if not known:
        return None
    return max(known) if highest else min(known)


def phase_title(phase: str) -> str:
    return PHASE_TITLES.get(phase, phase.replace("_", " "))


def _shapes(result: EquivalenceResult) -> str:
    if not result.inputs:
        return "from `example_inputs()`"
    return ", ".join(f"{'x'.join(str(size) for size in spec.shape)} {spec.dtype}" for spec in result.inputs)


def _tolerances(result: EquivalenceResult) -> str:
    used = {spec.dtype for spec in result.inputs} or {"float32"}
    bounds = [(dtype, result.tolerances.for_dtype(dtype)) for dtype in sorted(used)]
    return "; ".join(f"{dtype}: atol {bound.atol:g}, rtol {bound.rtol:g}" for dtype, bound in bounds)


class SourceLinks:
    """Markdown links to source lines, relative to the folder the report is written to."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def __call__(self, file: str, line: int | None, label: str | None = None) -> str:
        path = Path(file)
        text = label or (f"{path.name}:{line}" if line else path.name)
        if not path.is_absolute():
            return f"`{text}`"
        return f"[{text}](<{relative_link(path, self.base, line)}>)"


def findings_on_line(file: str, line: int | None) -> list[Finding]:
    """msmigrate's own static findings on a line of the MindSpore file (a likely cause of a divergence)."""
    if line is None:
        return []
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [
        finding for finding in Engine().analyze(text).findings if finding.span.line <= line <= finding.span.end_line
    ]


# -- text ---------------------------------------------------------------------------------------------
def render_text(result: EquivalenceResult) -> str:
    lines = [
        f"{result.mindspore.class_name} ({result.mindspore.file}) vs {result.torch.class_name} ({result.torch.file})",
        f"verdict: {VERDICTS.get(result.status, result.status)} — {result.summary}",
    ]
    if result.error is not None:
        lines.append(f"error ({result.error.kind}): {result.error.message}")
        if result.error.details:
            lines += ["", result.error.details.rstrip()]
        return "\n".join(lines) + "\n"
    devices = ", ".join(f"{side} {name}" for side, name in result.device.items())
    lines.append(f"inputs: {_shapes(result)}; tolerances {_tolerances(result)}; {devices}; {result.duration_s:.1f} s")
    divergence = result.first_divergence
    if divergence is not None:
        where = f"{Path(result.mindspore.file).name}:{divergence.line}" if divergence.line else "line unknown"
        lines.append(
            f"first divergence: {divergence.torch_path} <-> {divergence.mindspore_path} ({where}) in "
            f"{phase_title(divergence.phase)}, {divergence.mode}: max abs {number(divergence.max_abs)}, "
            f"rel Frobenius {number(divergence.rel_frobenius)}"
        )
        for finding in findings_on_line(result.mindspore.file, divergence.line):
            lines.append(f"  static finding on that line: {finding.code} {finding.message}")
    lines.append("")
    lines.append(f"{'phase':<30} {'mode':<9} {'result':<6} {'max abs':>10} {'max rel':>10} {'rel frob':>10}")
    for check in result.checks:
        outcome = "pass" if check.passed else ("error" if check.error else "FAIL")
        lines.append(
            f"{phase_title(check.phase):<30} {check.mode:<9} {outcome:<6} "
            f"{number(_worst(t.max_abs for t in check.tensors)):>10} "
            f"{number(_worst(t.max_rel for t in check.tensors)):>10} "
            f"{number(_worst(t.rel_frobenius for t in check.tensors)):>10}"
        )
        if check.error:
            lines.append(f"    {check.error}")
        for tensor in check.tensors:
            if not tensor.passed:
                lines.append(
                    f"    {tensor.name}: max abs {number(tensor.max_abs)}, cosine {cosine(tensor.cosine)}, "
                    f"within tolerance {share(tensor.within_tolerance)}"
                )
    mapping = result.weight_mapping
    if mapping is not None:
        lines += ["", f"weights: {len(mapping.pairs)} pairs by {mapping.source}"]
        if mapping.unmapped_torch:
            lines.append(f"  unmapped torch: {', '.join(mapping.unmapped_torch)}")
        if mapping.unmapped_mindspore:
            lines.append(f"  unmapped MindSpore: {', '.join(mapping.unmapped_mindspore)}")
    return "\n".join(lines) + "\n"


# -- Markdown -----------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def render_markdown(result: EquivalenceResult, chart_file: str | None, link_base: Path | None = None) -> str:
    """The report; source links are relative to `link_base`, the report's folder (default: the working directory)."""
    source_link = SourceLinks((link_base or Path.cwd()).resolve())
    ms, pt = result.mindspore, result.torch
    lines = [
        f"# Equivalence: `{ms.class_name}` (MindSpore) and `{pt.class_name}` (PyTorch)",
        "",
        f"**Verdict: {VERDICTS.get(result.status, result.status)}.**",
        "",
        result.summary,
        "",
        *_table(
            ("", "PyTorch", "MindSpore"),
            [
                ("class", source_link(pt.file, None, pt.class_name), source_link(ms.file, None, ms.class_name)),
                ("file", f"`{pt.file}`", f"`{ms.file}`"),
                ("device", result.device.get("torch", "n/a"), result.device.get("mindspore", "n/a")),
            ],
        ),
        "",
        f"Inputs: {_shapes(result)}. Tolerances (element-wise, |torch - MindSpore| ≤ atol + rtol·|torch|): "
        f"{_tolerances(result)}. Took {result.duration_s:.1f} s.",
    ]
    if result.error is not None:
        lines += ["", "## Why it could not run", "", f"**{result.error.kind}**: {result.error.message}"]
        if result.error.details:
            lines += ["", "```text", result.error.details.rstrip(), "```"]
    lines += _first_divergence_section(result, source_link)
    lines += _checks_section(result)
    lines += _layers_section(result, chart_file, source_link)
    lines += _mapping_section(result)
    lines += _noise_section(result.noise_bound)
    return "\n".join(lines) + "\n"


def _first_divergence_section(result: EquivalenceResult, source_link: SourceLinks) -> list[str]:
    divergence = result.first_divergence
    if divergence is None:
        return []
    ms_where = source_link(result.mindspore.file, divergence.line)
    torch_where = source_link(result.torch.file, divergence.torch_line)
    lines = [
        "",
        "## First divergence",
        "",
        f"`{divergence.torch_path}` (PyTorch, {torch_where}) ↔ `{divergence.mindspore_path}` (MindSpore, {ms_where}), "
        f"first seen in **{phase_title(divergence.phase)}** ({divergence.mode} mode): "
        f"max abs {number(divergence.max_abs)}, relative Frobenius error {number(divergence.rel_frobenius)}. "
        "Every sub-module before it agrees, so the difference starts here.",
    ]
    findings = findings_on_line(result.mindspore.file, divergence.line)
    if findings:
        lines += ["", "msmigrate's static checks flag this line:", ""]
        for finding in findings:
            code = f"[{finding.code}]({finding.doc_url})" if finding.doc_url else finding.code
            lines.append(f"- {code}: {finding.message}")
    return lines


def _checks_section(result: EquivalenceResult) -> list[str]:
    if not result.checks:
        return []
    rows = [
        (
            phase_title(check.phase),
            check.mode,
            "✅ pass" if check.passed else ("⚠️ error" if check.error else "❌ fail"),
            f"{sum(t.passed for t in check.tensors)}/{len(check.tensors)}",
            number(_worst(t.max_abs for t in check.tensors)),
            number(_worst(t.max_rel for t in check.tensors)),
            cosine(_worst((t.cosine for t in check.tensors), highest=False)),
            share(_worst((t.within_tolerance for t in check.tensors), highest=False)),
            number(_worst(t.rel_frobenius for t in check.tensors)),
        )
        for check in result.checks
    ]
    header = ("phase", "mode", "result", "tensors ok", "max abs", "max rel", "min cosine", "min within tol", "rel Frob")
    lines = ["", "## Checks", "", *_table(header, rows)]
    # Only the first failing check is unfolded: the others usually repeat it downstream.
    first_failing = next((check for check in result.checks if not check.passed), None)
    for check in result.checks:
        lines += _check_details(check, result.noise_bound, unfolded=check is first_failing)
    return lines


def _check_details(check: Check, bound: NoiseBound, *, unfolded: bool) -> list[str]:
    if not check.tensors and not check.error:
        return []
    failing = sum(not tensor.passed for tensor in check.tensors)
    title = f"{phase_title(check.phase)}, {check.mode}: {len(check.tensors)} tensors, {failing} outside tolerance"
    lines = ["", f"<details{' open' if unfolded else ''}><summary>{escape(title)}</summary>", ""]
    if check.error:
        lines += [f"Not compared: {check.error}", ""]
    # Failing tensors first: a person reads the top rows.
    ordered = sorted(check.tensors, key=lambda tensor: tensor.passed)
    rows = [_tensor_row(tensor, bound) for tensor in ordered[:MAX_TENSOR_ROWS]]
    if rows:
        header = (
            "tensor",
            "PyTorch",
            "MindSpore",
            "ok",
            "max abs",
            "max rel",
            "cosine",
            "within tol",
            "rel Frob",
            "noise limit",
        )
        lines += _table(header, rows)
    if len(ordered) > MAX_TENSOR_ROWS:
        lines += ["", f"{len(ordered) - MAX_TENSOR_ROWS} more in the JSON report."]
    return [*lines, "", "</details>"]


def _tensor_row(tensor: TensorComparison, bound: NoiseBound) -> tuple[str, ...]:
    return (
        f"`{tensor.name}`",
        f"`{tensor.torch_name}`" if tensor.torch_name else "",
        f"`{tensor.mindspore_name}`" if tensor.mindspore_name else "",
        "✅" if tensor.passed else "❌",
        number(tensor.max_abs),
        number(tensor.max_rel),
        cosine(tensor.cosine),
        share(tensor.within_tolerance),
        number(tensor.rel_frobenius),
        number(bound.limit(tensor.reference_rel_frobenius)),
    )


def _layers_section(result: EquivalenceResult, chart_file: str | None, source_link: SourceLinks) -> list[str]:
    if not result.layers:
        return []
    lines = ["", "## Per-layer error", ""]
    if chart_file:
        lines += [f"![Relative error of each sub-module's output, in execution order]({chart_file})", ""]
    rows = [
        (
            str(index),
            phase_title(layer.phase),
            layer.mode,
            f"`{layer.torch_path}`",
            f"`{layer.mindspore_path}`",
            source_link(result.mindspore.file, layer.mindspore_line, str(layer.mindspore_line))
            if layer.mindspore_line
            else "",
            "✅" if layer.passed else "❌",
            number(layer.max_abs),
            number(layer.rel_frobenius),
            number(result.noise_bound.limit(layer.reference_rel_frobenius)),
            cosine(layer.cosine),
        )
        for index, layer in enumerate(result.layers[:MAX_LAYER_ROWS], start=1)
    ]
    header = (
        "#",
        "phase",
        "mode",
        "PyTorch",
        "MindSpore",
        "line",
        "ok",
        "max abs",
        "rel Frob",
        "noise limit",
        "cosine",
    )
    lines += _table(header, rows)
    if len(result.layers) > MAX_LAYER_ROWS:
        lines += ["", f"{len(result.layers) - MAX_LAYER_ROWS} more layers in the JSON report."]
    return lines


def _mapping_section(result: EquivalenceResult) -> list[str]:
    mapping = result.weight_mapping
    if mapping is None:
        return []
    lines = [
        "",
        "## Weight mapping",
        "",
        f"{len(mapping.pairs)} PyTorch tensors copied into MindSpore parameters, paired by **{mapping.source}**.",
        "",
    ]
    rows = [
        (f"`{pair.torch}`", f"`{pair.mindspore}`", "x".join(str(size) for size in pair.shape), pair.how)
        for pair in mapping.pairs[:MAX_MAPPING_ROWS]
    ]
    lines += _table(("PyTorch", "MindSpore", "shape", "how"), rows)
    if len(mapping.pairs) > MAX_MAPPING_ROWS:
        lines += ["", f"{len(mapping.pairs) - MAX_MAPPING_ROWS} more pairs in the JSON report."]
    for side, names in (("PyTorch", mapping.unmapped_torch), ("MindSpore", mapping.unmapped_mindspore)):
        if names:
            lines += ["", f"Unmapped {side} tensors: " + ", ".join(f"`{name}`" for name in names)]
    if not (mapping.unmapped_torch or mapping.unmapped_mindspore):
        lines += ["", "Every tensor on both sides is mapped."]
    return lines


def _noise_section(bound: NoiseBound) -> list[str]:
    limits = (
        f"below {bound.reference_factor:g} times that reference (never below {bound.floor:g}, never above "
        f"{bound.ceiling:g}; {bound.rel_frobenius:g} when there is no float64 reference)"
    )
    return [
        "",
        "## Kernel noise or a real difference?",
        "",
        "MindSpore and PyTorch use different kernels for the same operation (convolution, matmul and reductions "
        "sum in different orders), so float32 results differ by about 1e-7 relative per operation, and that "
        "grows through deep stacks and backward passes. To tell how much this very computation moves under "
        "rounding, the check also runs the PyTorch module in float64: the relative Frobenius error of torch's "
        "own float32 result against it is each tensor's *reference*. A tensor outside the element-wise "
        f"tolerance is judged **kernel noise** when its error against PyTorch is {limits} and its cosine "
        f"similarity stays above {bound.cosine:g}: the whole tensor still points the same way. A semantic "
        "difference (a padding default, a momentum convention, an epsilon, a weight layout) moves whole "
        "tensors, typically 1e-2 or more relative, and shows up first at the sub-module where it happens.",
    ]


# -- the chart ----------------------------------------------------------------------------------------
PASSED_COLOUR = "#3b7dd8"
NOISE_COLOUR = "#e0a100"
DIVERGING_COLOUR = "#d62728"
ROW_HEIGHT = 18
CHAR_WIDTH = 7.2  # 12 px monospace
PLOT_WIDTH = 420
MAX_LABEL_CHARS = 48
SMALLEST_SHOWN = 1e-12


def layer_chart_svg(result: EquivalenceResult) -> str:
    """Per-layer relative Frobenius error as horizontal bars on a log axis, one panel per phase and mode.

    Layers run top to bottom in execution order. The dashed mark on each row is that layer's kernel-noise
    limit (from torch's own float64-vs-float32 error when measured, see `NoiseBound`). Blue bars are within
    tolerance, amber ones outside it but within the noise limit, red ones diverge.
    """
    bound = result.noise_bound
    panels = _panels(result.layers)
    limits = [bound.limit(layer.reference_rel_frobenius) for layer in result.layers]
    values = [layer.rel_frobenius for layer in result.layers if layer.rel_frobenius] + limits
    low_exponent = math.floor(math.log10(max(min(values, default=1e-8), SMALLEST_SHOWN)))
    high_exponent = max(0, math.ceil(math.log10(max(values, default=1.0))))
    high_exponent = max(high_exponent, low_exponent + 1)
    labels = [_label(layer) for layer in result.layers]
    label_width = int(max([len(label) for label in labels] + [12]) * CHAR_WIDTH) + 16
    value_width = 190  # the value, and the first divergence's marker
    title = f"{result.mindspore.class_name}: relative error of each sub-module's output (log scale)"
    width = max(label_width + PLOT_WIDTH + value_width, 24 + len(title) * CHAR_WIDTH * 1.2)
    first = result.first_divergence

    def x_of(value: float | None) -> float:
        if not value or value <= 0:
            return label_width
        exponent = min(max(math.log10(value), low_exponent), high_exponent)
        return label_width + (exponent - low_exponent) / (high_exponent - low_exponent) * PLOT_WIDTH

    parts: list[str] = []
    y = 56.0
    for (phase, mode), layers in panels:
        parts.append(
            f'<text x="{label_width}" y="{y:.0f}" class="panel">{escape(phase_title(phase))} · {escape(mode)}</text>'
        )
        y += 8
        for layer in layers:
            colour = _colour(layer, bound)
            # No metric means the outputs could not be compared (shapes differ, NaN): as bad as it gets.
            not_comparable = layer.rel_frobenius is None and not layer.passed
            end = label_width + PLOT_WIDTH if not_comparable else x_of(layer.rel_frobenius)
            is_first = first is not None and (layer.phase, layer.mode, layer.torch_path) == (
                first.phase,
                first.mode,
                first.torch_path,
            )
            emphasis = ' font-weight="bold"' if is_first else ""
            parts.append(
                f'<text x="{label_width - 8}" y="{y + 13:.0f}" text-anchor="end"{emphasis}>'
                f"{escape(_label(layer))}</text>"
            )
            tip = f"{layer.torch_path} ↔ {layer.mindspore_path}: rel Frobenius {number(layer.rel_frobenius)}"
            parts.append(
                f'<rect x="{label_width}" y="{y + 3:.0f}" width="{max(end - label_width, 1.5):.1f}" '
                f'height="{ROW_HEIGHT - 6}" fill="{colour}"><title>{escape(tip)}</title></rect>'
            )
            value = "not comparable" if not_comparable else number(layer.rel_frobenius)
            value += "  ← first divergence" if is_first else ""
            parts.append(f'<text x="{end + 4:.1f}" y="{y + 13:.0f}" class="value"{emphasis}>{escape(value)}</text>')
            limit = x_of(bound.limit(layer.reference_rel_frobenius))
            parts.append(
                f'<line x1="{limit:.1f}" y1="{y:.0f}" x2="{limit:.1f}" y2="{y + ROW_HEIGHT:.0f}" class="bound"/>'
            )
            y += ROW_HEIGHT
        parts += _axis(label_width, y + 2, low_exponent, high_exponent, x_of)
        y += 44
    legend_y = y
    parts += _legend(label_width, legend_y)
    parts.append(
        f'<text x="{label_width}" y="{legend_y + 22:.0f}" class="value">bar: ||torch - MindSpore|| / ||torch|| '
        "of the sub-module's output</text>"
    )
    height = legend_y + 36
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(title)}">',
            f"<title>{escape(title)}</title>",
            "<style>text{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;fill:#222}"
            ".panel{font-weight:bold}.title{font-size:14px;font-weight:bold}.value{fill:#444}"
            ".axis{stroke:#888;stroke-width:1}.grid{stroke:#ddd;stroke-width:1}"
            ".bound{stroke:#555;stroke-width:1.5;stroke-dasharray:5 3}</style>",
            f'<rect width="{width:.0f}" height="{height:.0f}" fill="#fff"/>',
            f'<text x="12" y="24" class="title">{escape(title)}</text>',
            *parts,
            "</svg>",
            "",
        ]
    )


def _panels(layers: Sequence[LayerComparison]) -> list[tuple[tuple[str, str], list[LayerComparison]]]:
    grouped: dict[tuple[str, str], list[LayerComparison]] = {}
    for layer in layers:
        grouped.setdefault((layer.phase, layer.mode), []).append(layer)
    return list(grouped.items())


def _label(layer: LayerComparison) -> str:
    label = (
        layer.mindspore_path
        if layer.mindspore_path == layer.torch_path
        else f"{layer.torch_path} ↔ {layer.mindspore_path}"
    )
    return label if len(label) <= MAX_LABEL_CHARS else "…" + label[-(MAX_LABEL_CHARS - 1) :]


def _colour(layer: LayerComparison, bound: NoiseBound) -> str:
    if layer.passed:
        return PASSED_COLOUR
    admitted = bound.admits(layer.rel_frobenius, layer.cosine, layer.reference_rel_frobenius)
    return NOISE_COLOUR if admitted else DIVERGING_COLOUR


def _axis(left: float, y: float, low: int, high: int, x_of: Callable[[float | None], float]) -> list[str]:
    parts = [f'<line x1="{left}" y1="{y:.0f}" x2="{left + PLOT_WIDTH}" y2="{y:.0f}" class="axis"/>']
    step = max(1, math.ceil((high - low) / 8))
    for exponent in range(low, high + 1, step):
        x = x_of(10.0**exponent)
        parts.append(f'<line x1="{x:.1f}" y1="{y:.0f}" x2="{x:.1f}" y2="{y + 4:.0f}" class="axis"/>')
        parts.append(f'<text x="{x:.1f}" y="{y + 16:.0f}" text-anchor="middle">1e{exponent}</text>')
    return parts


def _legend(left: float, y: float) -> list[str]:
    entries = [
        (PASSED_COLOUR, "within tolerance"),
        (NOISE_COLOUR, "kernel noise"),
        (DIVERGING_COLOUR, "diverges"),
    ]
    parts = []
    x = left
    for colour, text in entries:
        parts.append(f'<rect x="{x:.0f}" y="{y - 10:.0f}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16:.0f}" y="{y:.0f}">{escape(text)}</text>')
        x += 16 + len(text) * CHAR_WIDTH + 18
    parts.append(f'<line x1="{x + 6:.0f}" y1="{y - 11:.0f}" x2="{x + 6:.0f}" y2="{y + 3:.0f}" class="bound"/>')
    parts.append(f'<text x="{x + 16:.0f}" y="{y:.0f}">noise limit</text>')
    return parts
