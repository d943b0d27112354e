"""An equivalence result as a person reads it: plain text, Markdown with a per-layer error chart (SVG), JSON.

The PyTorch side comes first everywhere, as on the command line, and every `file:line` says which side it
belongs to. The text report opens with a summary that fits a terminal screen (verdict, where the first
difference starts and why, configuration differences, one line per phase); `verbose` adds every tensor
and layer. `write_report(result, directory)` writes `<name>.md`, `<name>.json` and, when layers were
compared, `<name>.svg`; the Markdown links the picture by its file name, so a Markdown preview (VS Code's)
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
    ConfigDifference,
    Divergence,
    EquivalenceResult,
    LayerComparison,
    NoiseBound,
    Outcome,
    Status,
    TensorComparison,
    phase_title,
)
from msmigrate.report.links import relative_link

VERDICTS = {
    Status.EQUIVALENT.value: "equivalent",
    Status.NOISE.value: "equivalent up to kernel noise",
    Status.DIVERGENT.value: "divergent",
    Status.INCONCLUSIVE.value: "inconclusive",
    Status.ERROR.value: "could not run",
}
OUTCOME_WORDS = {
    Outcome.CLOSE.value: "ok",
    Outcome.NOISE.value: "noise",
    Outcome.DIFFERS.value: "DIFFERS",
    Outcome.INCOMPARABLE.value: "SHAPE",
}
SUMMARY_DIFFERENCES = 6  # configuration differences in the text summary; --verbose shows all
MAX_TENSOR_ROWS = 40  # per check in Markdown; the JSON has them all
MAX_LAYER_ROWS = 300
MAX_MAPPING_ROWS = 200
_PACKAGE_FOLDERS = ("site-packages", "dist-packages")


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    json: Path
    chart: Path | None  # None when the run compared no layers


def report_name(result: EquivalenceResult) -> str:
    """`<MindSpore source>-<Name>-equivalence`, safe as a file name."""
    source = result.mindspore.source
    stem = Path(source).stem if source.endswith(".py") else source.rpartition(".")[2]
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{stem or 'cell'}-{result.mindspore.name}-equivalence")


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


# -- numbers and names --------------------------------------------------------------------------------
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


def shape(value: Sequence[int] | None) -> str:
    return "?" if value is None else "(" + ", ".join(str(size) for size in value) + ")"


def display_path(file: str | None) -> str:
    """A file as a person recognises it: relative to the working directory when under it, from the package
    folder when installed (`mindcv/models/resnet.py`), else as it is."""
    if not file:
        return "?"
    path = Path(file)
    try:
        relative = path.relative_to(Path.cwd())
        return relative.as_posix()
    except ValueError:
        pass
    parts = path.parts
    for folder in _PACKAGE_FOLDERS:
        if folder in parts:
            return Path(*parts[len(parts) - parts[::-1].index(folder) :]).as_posix()
    return path.as_posix()


def where(file: str | None, line: int | None) -> str:
    return f"{display_path(file)}:{line}" if file and line else display_path(file) if file else "line unknown"


def _worst(values: Iterable[float | None], *, highest: bool = True) -> float | None:
    known = [value for value in values if value is not None]
    if not known:
        return None
    return max(known) if highest else min(known)


def _shapes(result: EquivalenceResult) -> str:
    if not result.inputs:
        return "from `example_inputs()`"
    return ", ".join(f"{'x'.join(str(size) for size in spec.shape)} {spec.dtype}" for spec in result.inputs)


def _check_word(check: Check) -> str:
    if check.error:
        return "error"
    worst = max((tensor.outcome for tensor in check.tensors), key=_outcome_rank, default=Outcome.CLOSE.value)
    return OUTCOME_WORDS[worst] + (" (proves little)" if check.note and check.agrees else "")


def _outcome_rank(outcome: str) -> int:
    return [Outcome.CLOSE.value, Outcome.NOISE.value, Outcome.DIFFERS.value, Outcome.INCOMPARABLE.value].index(outcome)


def findings_on_line(file: str | None, line: int | None) -> list[Finding]:
    """msmigrate's own static findings on a line of a MindSpore file (a likely cause of a divergence)."""
    if not file or line is None:
        return []
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [
        finding for finding in Engine().analyze(text).findings if finding.span.line <= line <= finding.span.end_line
    ]


def differences_at(result: EquivalenceResult, divergence: Divergence) -> list[ConfigDifference]:
    return [
        difference
        for difference in result.config_differences
        if (difference.torch_path, difference.mindspore_path) == (divergence.torch_path, divergence.mindspore_path)
    ]


def _weights_line(result: EquivalenceResult) -> str | None:
    mapping = result.weight_mapping
    if mapping is None:
        return None
    counts = ", ".join(f"{count} by {how.replace('_', ' ')}" for how, count in mapping.counts().items())
    text = f"weights: {len(mapping.pairs)} tensors paired" + (f" ({counts})" if counts else "")
    unmapped = [f"PyTorch {name}" for name in mapping.unmapped_torch] + [
        f"MindSpore {name}" for name in mapping.unmapped_mindspore
    ]
    if unmapped:
        text += f"; unmapped: {', '.join(unmapped[:8])}" + (
            f" and {len(unmapped) - 8} more" if len(unmapped) > 8 else ""
        )
    if mapping.zeroed_torch:
        text += f"; {len(mapping.zeroed_torch)} PyTorch tensors zeroed by the weight map"
    return text


# -- text ---------------------------------------------------------------------------------------------
def render_text(result: EquivalenceResult, verbose: bool = False) -> str:
    lines = [
        f"PyTorch   {result.torch.display}  ({where(result.torch.file, result.torch.line)})",
        f"MindSpore {result.mindspore.display}  ({where(result.mindspore.file, result.mindspore.line)})",
        f"verdict: {VERDICTS.get(result.status, result.status)}"
        + (f" ({result.error.kind})" if result.error else "")
        + f" — {result.summary}",
    ]
    divergence = result.first_divergence
    if divergence is not None:
        lines += ["", *_divergence_text(result, divergence)]
    if result.config_differences:
        lines += ["", *_differences_text(result.config_differences, verbose)]
    if result.checks:
        lines += ["", *_checks_text(result, verbose)]
    if result.notes:
        lines += ["", "notes:", *(f"  - {note}" for note in result.notes)]
    weights = _weights_line(result)
    if weights:
        lines += ["", weights]
    if result.checks or result.error is None:
        devices = ", ".join(
            f"{'PyTorch' if side == 'torch' else 'MindSpore'} {name}" for side, name in result.device.items()
        )
        lines.append(f"inputs: {_shapes(result)}; {devices}; {result.duration_s:.1f} s")
    if verbose and result.layers:
        lines += ["", *_layers_text(result.layers)]
    if result.error is not None and result.error.details and verbose:
        lines += ["", result.error.details.rstrip()]
    elif not verbose and (result.layers or (result.error and result.error.details)):
        lines += ["", "(--verbose: every tensor and layer" + (", and the traceback)" if result.error else ")")]
    return "\n".join(lines) + "\n"


def _divergence_text(result: EquivalenceResult, divergence: Divergence) -> list[str]:
    lines = [f"first divergence, in {phase_title(divergence.phase)} ({divergence.mode}):"]
    if divergence.torch_path or divergence.mindspore_path:
        lines.append(
            f"  PyTorch   {divergence.torch_path or '?'} ({divergence.torch_type or '?'}), built at "
            f"{where(divergence.torch_file, divergence.torch_line)}"
        )
        lines.append(
            f"  MindSpore {divergence.mindspore_path or '?'} ({divergence.mindspore_type or '?'}), built at "
            f"{where(divergence.mindspore_file, divergence.mindspore_line)}"
        )
    else:
        lines.append("  the model as a whole (no sub-module comparison locates it)")
    if divergence.torch_shape != divergence.mindspore_shape and divergence.torch_shape and divergence.mindspore_shape:
        lines.append(
            f"  output shape: PyTorch {shape(divergence.torch_shape)}, MindSpore {shape(divergence.mindspore_shape)}"
        )
    else:
        lines.append(f"  relative error {number(divergence.rel_error)}, max abs {number(divergence.max_abs)}")
    at_layer = differences_at(result, divergence)
    for difference in at_layer:
        lines.append(
            f"  configured differently: {difference.hyperparameter} PyTorch {difference.torch_value}, "
            f"MindSpore {difference.mindspore_value}" + (f" ({difference.note})" if difference.note else "")
        )
    for finding in findings_on_line(divergence.mindspore_file, divergence.mindspore_line):
        lines.append(f"  static check on the MindSpore line: {finding.code} {finding.message}")
    return lines


def _differences_text(differences: Sequence[ConfigDifference], verbose: bool) -> list[str]:
    layers = list(dict.fromkeys((d.torch_path, d.mindspore_path) for d in differences))
    lines = [f"configuration differences ({len(differences)} in {len(layers)} paired layer(s)):"]
    # Where the outputs differ first: those explain the verdict; compensated ones come last.
    ordered = sorted(differences, key=lambda difference: difference.outputs_agree is True)
    shown = ordered if verbose else ordered[:SUMMARY_DIFFERENCES]
    for difference in shown:
        lines.append(
            f"  {difference.torch_path} / {difference.mindspore_path} ({difference.torch_type}): "
            f"{difference.hyperparameter} PyTorch {difference.torch_value}, MindSpore {difference.mindspore_value}"
            f"{_agreement(difference)}  [PyTorch {where(difference.torch_file, difference.torch_line)}, "
            f"MindSpore {where(difference.mindspore_file, difference.mindspore_line)}]"
        )
    if len(shown) < len(differences):
        lines.append(f"  and {len(differences) - len(shown)} more (--verbose)")
    return lines


def _agreement(difference: ConfigDifference) -> str:
    if difference.outputs_agree is None:
        return ""
    return "; outputs differ" if not difference.outputs_agree else "; outputs agree (compensated elsewhere)"


def _checks_text(result: EquivalenceResult, verbose: bool) -> list[str]:
    modes = list(dict.fromkeys(check.mode for check in result.checks))
    by_phase: dict[str, dict[str, Check]] = {}
    for check in result.checks:
        by_phase.setdefault(check.phase, {})[check.mode] = check
    lines = [f"{'phase':<32}" + "".join(f"{mode:<22}" for mode in modes) + "worst rel. error"]
    for phase, checks in by_phase.items():
        worst = _worst(tensor.rel_error for check in checks.values() for tensor in check.tensors)
        cells = "".join(f"{_check_word(checks[mode]) if mode in checks else '-':<22}" for mode in modes)
        lines.append(f"{phase_title(phase):<32}{cells}{number(worst)}")
    for check in result.checks:
        if check.error:
            lines.append(f"  {phase_title(check.phase)} ({check.mode}): {check.error}")
        elif check.note:
            lines.append(f"  {phase_title(check.phase)} ({check.mode}): {check.note}")
        if not verbose:
            continue
        for tensor in check.tensors:
            if tensor.outcome != Outcome.CLOSE.value:
                lines.append(f"    {check.mode} {tensor.name}: {_tensor_text(tensor)}")
    return lines


def _tensor_text(tensor: TensorComparison) -> str:
    if tensor.outcome == Outcome.INCOMPARABLE.value:
        return tensor.note or "not comparable"
    text = (
        f"{OUTCOME_WORDS[tensor.outcome]}: relative error {number(tensor.rel_error)} (noise limit "
        f"{number(tensor.noise_limit)}), max abs {number(tensor.max_abs)}, cosine {cosine(tensor.cosine)}, "
        f"within tolerance {share(tensor.within_tolerance)}"
    )
    return text + (f"; {tensor.note}" if tensor.note else "")


def _layers_text(layers: Sequence[LayerComparison]) -> list[str]:
    lines = ["layers (PyTorch / MindSpore, in execution order):"]
    for layer in layers:
        outcome = OUTCOME_WORDS[layer.outcome]
        detail = (
            f"shapes {shape(layer.torch_shape)} vs {shape(layer.mindspore_shape)}"
            if layer.outcome == Outcome.INCOMPARABLE.value
            else f"rel {number(layer.rel_error)} (limit {number(layer.noise_limit)})"
        )
        lines.append(
            f"  {phase_title(layer.phase)[:13]:<13} {layer.mode[:8]:<8} {outcome:<7} {layer.torch_path} / "
            f"{layer.mindspore_path} [{layer.paired_by}] {detail}"
        )
    return lines


# -- Markdown -----------------------------------------------------------------------------------------
class SourceLinks:
    """Markdown links to source lines, relative to the folder the report is written to."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def __call__(self, file: str | None, line: int | None, label: str | None = None) -> str:
        if not file:
            return "?"
        path = Path(file)
        text = label or where(file, line)
        if not path.is_absolute():
            return f"`{text}`"
        return f"[{text}](<{relative_link(path, self.base, line)}>)"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def render_markdown(result: EquivalenceResult, chart_file: str | None, link_base: Path | None = None) -> str:
    """The report; source links are relative to `link_base`, the report's folder (default: the working directory)."""
    link = SourceLinks((link_base or Path.cwd()).resolve())
    pt, ms = result.torch, result.mindspore
    lines = [
        f"# Equivalence: `{pt.name}` (PyTorch) and `{ms.name}` (MindSpore)",
        "",
        f"**Verdict: {VERDICTS.get(result.status, result.status)}.**",
        "",
        result.summary,
        "",
        *_table(
            ("", "PyTorch", "MindSpore"),
            [
                ("model", f"`{pt.display}`", f"`{ms.display}`"),
                ("defined at", link(pt.file, pt.line), link(ms.file, ms.line)),
                ("device", result.device.get("torch", "n/a"), result.device.get("mindspore", "n/a")),
            ],
        ),
        "",
        f"Inputs: {_shapes(result)}. Took {result.duration_s:.1f} s.",
    ]
    if result.error is not None:
        lines += ["", "## Why it could not run", "", f"**{result.error.kind}**: {result.error.message}"]
        if result.error.details:
            lines += ["", "```text", result.error.details.rstrip(), "```"]
    lines += _first_divergence_section(result, link)
    lines += _differences_section(result, link)
    lines += _notes_section(result)
    lines += _checks_section(result)
    lines += _layers_section(result, chart_file, link)
    lines += _mapping_section(result)
    lines += _noise_section(result.noise_bound)
    return "\n".join(lines) + "\n"


def _first_divergence_section(result: EquivalenceResult, link: SourceLinks) -> list[str]:
    divergence = result.first_divergence
    if divergence is None:
        return []
    lines = ["", "## First divergence", ""]
    if divergence.torch_path or divergence.mindspore_path:
        lines += _table(
            ("", "PyTorch", "MindSpore"),
            [
                ("layer", f"`{divergence.torch_path}`", f"`{divergence.mindspore_path}`"),
                ("type", divergence.torch_type or "?", divergence.mindspore_type or "?"),
                (
                    "built at",
                    link(divergence.torch_file, divergence.torch_line),
                    link(divergence.mindspore_file, divergence.mindspore_line),
                ),
                ("output shape", shape(divergence.torch_shape), shape(divergence.mindspore_shape)),
            ],
        )
        lines += [
            "",
            f"First seen in **{phase_title(divergence.phase)}** ({divergence.mode} mode): relative error "
            f"{number(divergence.rel_error)}, max abs {number(divergence.max_abs)}. Every layer that ran before it "
            "agrees, so the difference starts here.",
        ]
    else:
        lines.append(
            f"In **{phase_title(divergence.phase)}** ({divergence.mode} mode), for the model as a whole: no paired "
            "sub-module locates it."
        )
    at_layer = differences_at(result, divergence)
    if at_layer:
        lines += ["", "Configured differently at this layer:", ""]
        lines += [
            f"- `{d.hyperparameter}`: PyTorch {d.torch_value}, MindSpore {d.mindspore_value}"
            + (f" — {d.note}" if d.note else "")
            for d in at_layer
        ]
    findings = findings_on_line(divergence.mindspore_file, divergence.mindspore_line)
    if findings:
        lines += ["", "msmigrate's static checks flag the MindSpore line:", ""]
        for finding in findings:
            code = f"[{finding.code}]({finding.doc_url})" if finding.doc_url else finding.code
            lines.append(f"- {code}: {finding.message}")
    return lines


def _differences_section(result: EquivalenceResult, link: SourceLinks) -> list[str]:
    if not result.config_differences:
        return []
    rows = [
        (
            f"`{d.torch_path}` / `{d.mindspore_path}`",
            d.torch_type,
            f"`{d.hyperparameter}`",
            d.torch_value,
            d.mindspore_value,
            {None: "not compared", True: "agree", False: "differ"}[d.outputs_agree],
            link(d.torch_file, d.torch_line),
            link(d.mindspore_file, d.mindspore_line),
        )
        for d in result.config_differences
    ]
    return [
        "",
        "## Configuration differences",
        "",
        "Hyperparameters of paired layers that differ once both are written in one convention (momentum as "
        "torch's, padding per side at the input size the layer saw):",
        "",
        *_table(
            (
                "layer (PyTorch / MindSpore)",
                "type",
                "hyperparameter",
                "PyTorch",
                "MindSpore",
                "PyTorch code",
                "MindSpore code",
            ),
            rows,
        ),
    ]


def _notes_section(result: EquivalenceResult) -> list[str]:
    if not result.notes:
        return []
    return ["", "## What the check did on its own", "", *(f"- {note}" for note in result.notes)]


def _checks_section(result: EquivalenceResult) -> list[str]:
    if not result.checks:
        return []
    rows = [
        (
            phase_title(check.phase),
            check.mode,
            _check_word(check),
            f"{sum(t.agrees for t in check.tensors)}/{len(check.tensors)}",
            number(_worst(t.rel_error for t in check.tensors)),
            number(_worst(t.max_abs for t in check.tensors)),
            cosine(_worst((t.cosine for t in check.tensors), highest=False)),
            share(_worst((t.within_tolerance for t in check.tensors), highest=False)),
        )
        for check in result.checks
    ]
    header = (
        "phase",
        "mode",
        "result",
        "tensors agreeing",
        "worst rel. error",
        "max abs",
        "min cosine",
        "min within tol",
    )
    lines = ["", "## Checks", "", *_table(header, rows)]
    first_failing = next((check for check in result.checks if not check.agrees), None)
    for check in result.checks:
        lines += _check_details(check, unfolded=check is first_failing)
    return lines


def _check_details(check: Check, *, unfolded: bool) -> list[str]:
    if not check.tensors and not check.error:
        return []
    differing = sum(not tensor.agrees for tensor in check.tensors)
    noisy = sum(tensor.outcome == Outcome.NOISE.value for tensor in check.tensors)
    title = (
        f"{phase_title(check.phase)}, {check.mode}: {len(check.tensors)} tensors, {differing} differ, "
        f"{noisy} within kernel noise"
    )
    lines = ["", f"<details{' open' if unfolded else ''}><summary>{escape(title)}</summary>", ""]
    if check.error:
        lines += [f"Not compared: {check.error}", ""]
    if check.note:
        lines += [f"Note: {check.note}", ""]
    ordered = sorted(check.tensors, key=lambda tensor: -_outcome_rank(tensor.outcome))
    rows = [_tensor_row(tensor) for tensor in ordered[:MAX_TENSOR_ROWS]]
    if rows:
        header = (
            "tensor",
            "PyTorch",
            "MindSpore",
            "result",
            "rel. error",
            "noise limit",
            "max abs",
            "cosine",
            "within tol",
            "note",
        )
        lines += _table(header, rows)
    if len(ordered) > MAX_TENSOR_ROWS:
        lines += ["", f"{len(ordered) - MAX_TENSOR_ROWS} more in the JSON report."]
    return [*lines, "", "</details>"]


def _tensor_row(tensor: TensorComparison) -> tuple[str, ...]:
    return (
        f"`{tensor.name}`",
        f"`{tensor.torch_name}`" if tensor.torch_name else "",
        f"`{tensor.mindspore_name}`" if tensor.mindspore_name else "",
        OUTCOME_WORDS[tensor.outcome],
        number(tensor.rel_error),
        number(tensor.noise_limit),
        number(tensor.max_abs),
        cosine(tensor.cosine),
        share(tensor.within_tolerance),
        tensor.note or "",
    )


def _layers_section(result: EquivalenceResult, chart_file: str | None, link: SourceLinks) -> list[str]:
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
            layer.paired_by,
            link(layer.torch_file, layer.torch_line),
            link(layer.mindspore_file, layer.mindspore_line),
            OUTCOME_WORDS[layer.outcome],
            number(layer.rel_error)
            if layer.outcome != Outcome.INCOMPARABLE.value
            else f"{shape(layer.torch_shape)} vs {shape(layer.mindspore_shape)}",
            number(layer.noise_limit),
        )
        for index, layer in enumerate(result.layers[:MAX_LAYER_ROWS], start=1)
    ]
    header = (
        "#",
        "phase",
        "mode",
        "PyTorch",
        "MindSpore",
        "paired by",
        "PyTorch code",
        "MindSpore code",
        "result",
        "rel. error",
        "noise limit",
    )
    lines += _table(header, rows)
    if len(result.layers) > MAX_LAYER_ROWS:
        lines += ["", f"{len(result.layers) - MAX_LAYER_ROWS} more layers in the JSON report."]
    return lines


def _mapping_section(result: EquivalenceResult) -> list[str]:
    mapping = result.weight_mapping
    if mapping is None:
        return []
    counts = ", ".join(f"{count} by {how.replace('_', ' ')}" for how, count in mapping.counts().items())
    lines = [
        "",
        "## Weight mapping",
        "",
        f"{len(mapping.pairs)} PyTorch tensors copied into MindSpore parameters" + (f" ({counts})." if counts else "."),
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
    if mapping.zeroed_torch:
        lines += [
            "",
            "PyTorch tensors set to zero by the weight map: " + ", ".join(f"`{n}`" for n in mapping.zeroed_torch),
        ]
    if not (mapping.unmapped_torch or mapping.unmapped_mindspore):
        lines += ["", "Every tensor on both sides is mapped."]
    return lines


def _noise_section(bound: NoiseBound) -> list[str]:
    return [
        "",
        "## Kernel noise or a real difference?",
        "",
        "MindSpore and PyTorch use different kernels for the same operation (convolution, matmul and reductions "
        "sum in different orders), so float32 results differ by about 1e-7 relative per operation, and that "
        "grows through deep stacks and backward passes. To tell how much this very computation moves under "
        "rounding, the check also runs the PyTorch model in float64: the error of torch's own float32 result "
        "against it is each tensor's *reference* error. Every tensor is judged on its own scale (its root mean "
        "square; a tensor that is zero in torch, such as a gradient that cancels exactly, on the scale of its "
        "check). A tensor outside the element-wise tolerance is **kernel noise** when its relative error is "
        f"within {bound.factor:g} times its reference error (never less than {bound.floor:g}; "
        f"{bound.without_reference:g} without a float64 reference). A semantic difference (a padding default, a "
        "momentum convention, an epsilon, a weight layout) moves whole tensors, typically 1e-3 or more relative, "
        "and shows up first at the sub-module where it happens.",
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
_COLOURS = {
    Outcome.CLOSE.value: PASSED_COLOUR,
    Outcome.NOISE.value: NOISE_COLOUR,
    Outcome.DIFFERS.value: DIVERGING_COLOUR,
    Outcome.INCOMPARABLE.value: DIVERGING_COLOUR,
}


def layer_chart_svg(result: EquivalenceResult) -> str:
    """Per-layer relative error as horizontal bars on a log axis, one panel per phase and mode.

    Layers run top to bottom in execution order. The dashed mark on each row is that layer's kernel-noise
    limit. Blue bars are within tolerance, amber ones outside it but within the noise limit, red ones differ.
    """
    panels = _panels(result.layers)
    limits = [layer.noise_limit for layer in result.layers if layer.noise_limit]
    values = [layer.rel_error for layer in result.layers if layer.rel_error] + limits
    low_exponent = math.floor(math.log10(max(min(values, default=1e-8), SMALLEST_SHOWN)))
    high_exponent = max(0, math.ceil(math.log10(max(values, default=1.0))))
    high_exponent = max(high_exponent, low_exponent + 1)
    labels = [_label(layer) for layer in result.layers]
    label_width = int(max([len(label) for label in labels] + [12]) * CHAR_WIDTH) + 16
    value_width = 190
    title = f"{result.mindspore.name}: relative error of each sub-module's output (log scale)"
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
            not_comparable = layer.outcome == Outcome.INCOMPARABLE.value or (
                layer.rel_error is None and not layer.agrees
            )
            end = label_width + PLOT_WIDTH if not_comparable else x_of(layer.rel_error)
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
            tip = (
                f"{layer.torch_path} (PyTorch) / {layer.mindspore_path} (MindSpore): "
                f"relative error {number(layer.rel_error)}"
            )
            parts.append(
                f'<rect x="{label_width}" y="{y + 3:.0f}" width="{max(end - label_width, 1.5):.1f}" '
                f'height="{ROW_HEIGHT - 6}" fill="{_COLOURS[layer.outcome]}"><title>{escape(tip)}</title></rect>'
            )
            value = (
                f"shape {shape(layer.torch_shape)} vs {shape(layer.mindspore_shape)}"
                if not_comparable
                else number(layer.rel_error)
            )
            value += "  ← first divergence" if is_first else ""
            parts.append(f'<text x="{end + 4:.1f}" y="{y + 13:.0f}" class="value"{emphasis}>{escape(value)}</text>')
            if layer.noise_limit:
                limit = x_of(layer.noise_limit)
                parts.append(
                    f'<line x1="{limit:.1f}" y1="{y:.0f}" x2="{limit:.1f}" y2="{y + ROW_HEIGHT:.0f}" class="bound"/>'
                )
            y += ROW_HEIGHT
        parts += _axis(label_width, y + 2, low_exponent, high_exponent, x_of)
        y += 44
    legend_y = y
    parts += _legend(label_width, legend_y)
    parts.append(
        f'<text x="{label_width}" y="{legend_y + 22:.0f}" class="value">bar: ||PyTorch - MindSpore|| / ||PyTorch|| '
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
        layer.torch_path if layer.mindspore_path == layer.torch_path else f"{layer.torch_path} / {layer.mindspore_path}"
    )
    return label if len(label) <= MAX_LABEL_CHARS else "…" + label[-(MAX_LABEL_CHARS - 1) :]


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
        (DIVERGING_COLOUR, "differs"),
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
