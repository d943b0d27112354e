"""Equivalence reports: text, Markdown, the per-layer SVG chart and the files written, on built and real results."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from msmigrate.equivalence.report import (
    DIVERGING_COLOUR,
    MAX_TENSOR_ROWS,
    NOISE_COLOUR,
    PASSED_COLOUR,
    layer_chart_svg,
    render_markdown,
    render_text,
    write_report,
)
from msmigrate.equivalence.result import (
    Check,
    Divergence,
    EquivalenceRequest,
    EquivalenceResult,
    InputSpec,
    LayerComparison,
    RunError,
    SideRef,
    TensorComparison,
    WeightMapping,
    WeightPair,
)

WORKSPACE = Path(__file__).parents[1] / "workspaces" / "equivalence_pair"
PORT = WORKSPACE / "port" / "conv_block.py"
REFERENCE = WORKSPACE / "reference" / "conv_block.py"
SVG = "{http://www.w3.org/2000/svg}"


def layer(
    path: str, rel: float | None, passed: bool, *, cosine: float = 1.0, line: int = 19, reference: float | None = None
) -> LayerComparison:
    max_abs = None if rel is None else rel * 2
    return LayerComparison(
        "eval_forward", "pynative", path, path, line, line + 1, passed, max_abs, rel, cosine, reference
    )


def tensor(name: str, passed: bool, max_abs: float) -> TensorComparison:
    return TensorComparison(name, name, name, passed, max_abs, max_abs * 10, 0.99, 1.0 if passed else 0.5, max_abs)


def divergent_result(**overrides: object) -> EquivalenceResult:
    fields: dict[str, object] = {
        "status": "divergent",
        "equivalent": False,
        "summary": "Divergent: first at act.",
        "torch": SideRef(str(REFERENCE), "LeakyHead"),
        "mindspore": SideRef(str(PORT), "LeakyHead"),
        "device": {"torch": "cpu", "mindspore": "CPU"},
        "inputs": [InputSpec([2, 4, 8, 8])],
        "weight_mapping": WeightMapping(
            "names",
            [WeightPair("conv.weight", "conv.weight", [4, 4, 3, 3], "same_name")],
            ["conv.num_batches_tracked"],
            [],
        ),
        "checks": [
            Check("eval_forward", "pynative", False, None, [tensor("output[0]", False, 0.35)]),
            Check("sgd_step", "graph", True, None, [tensor("conv.weight", True, 1e-8)]),
            Check("train_forward", "graph", False, "GRAPH_MODE could not compile the Cell", []),
        ],
        "layers": [
            layer("conv", 9e-8, True),
            # Outside the tolerance; torch's own float32 error of 1e-4 sets its noise limit to 1e-3.
            layer("norm", 4e-4, False, cosine=0.9999995, reference=1e-4),
            layer("act", 0.21, False, cosine=0.98, line=21),
            layer("pool", None, False),  # shapes differ: no metric
        ],
        "first_divergence": Divergence("eval_forward", "pynative", "act", "act", 21, 21, 0.35, 0.21),
        "duration_s": 5.5,
    }
    fields.update(overrides)
    return EquivalenceResult(**fields)  # type: ignore[arg-type]


def bars(svg: str) -> list[ElementTree.Element]:
    return [rect for rect in ElementTree.fromstring(svg).iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]


def test_the_chart_is_a_standalone_svg_with_one_bar_per_layer_in_order() -> None:
    svg = layer_chart_svg(divergent_result())

    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg" and float(root.get("width")) > 500 and float(root.get("height")) > 100
    drawn = bars(svg)
    assert [bar.find(f"{SVG}title").text.split(" ")[0] for bar in drawn] == ["conv", "norm", "act", "pool"]
    assert [bar.get("fill") for bar in drawn] == [PASSED_COLOUR, NOISE_COLOUR, DIVERGING_COLOUR, DIVERGING_COLOUR]
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "0.21  ← first divergence" in texts
    assert "not comparable" in texts
    assert "noise limit" in texts
    assert any(text and "log scale" in text for text in texts)


def test_the_chart_axis_is_logarithmic_with_each_layers_noise_limit_marked() -> None:
    svg = layer_chart_svg(divergent_result())
    drawn = {bar.find(f"{SVG}title").text.split(" ")[0]: float(bar.get("width")) for bar in bars(svg)}

    # 9e-8, 4e-4, 0.21 on a log axis: equal ratios give equal steps, so the widths grow by log10 of the ratio.
    per_decade = (drawn["act"] - drawn["norm"]) / math.log10(0.21 / 4e-4)
    assert drawn["norm"] - drawn["conv"] == pytest.approx(per_decade * math.log10(4e-4 / 9e-8), rel=1e-3)
    bar_left = min(float(bar.get("x")) for bar in bars(svg))
    marks = [
        float(line.get("x1")) - bar_left
        for line in ElementTree.fromstring(svg).iter(f"{SVG}line")
        if line.get("class") == "bound" and line.get("x1") == line.get("x2")
    ]
    conv_limit, norm_limit, act_limit, _ = marks[:4]
    assert norm_limit == pytest.approx(conv_limit + per_decade, abs=0.2), "1e-3 from the reference, 1e-4 without one"
    assert conv_limit == act_limit
    assert drawn["norm"] < norm_limit < drawn["act"], "4e-4 < 1e-3 < 0.21"


def test_the_chart_has_a_panel_per_phase_and_mode() -> None:
    graph = LayerComparison("sgd_step", "graph", "conv", "conv", 19, 20, True, 1e-8, 1e-8, 1.0)
    result = divergent_result(layers=[layer("conv", 1e-7, True), graph])

    texts = [text.text for text in ElementTree.fromstring(layer_chart_svg(result)).iter(f"{SVG}text")]

    assert "eval forward · pynative" in texts
    assert "parameters after one SGD step · graph" in texts


def test_markdown_has_the_verdict_checks_divergence_layers_mapping_and_noise_explanation() -> None:
    markdown = render_markdown(divergent_result(), "chart.svg", link_base=WORKSPACE)

    assert markdown.startswith("# Equivalence: `LeakyHead` (MindSpore) and `LeakyHead` (PyTorch)\n")
    assert "**Verdict: divergent.**" in markdown
    # Relative to the report's folder: VS Code's Markdown preview follows these, not file:// links.
    assert "[conv_block.py:21](<port/conv_block.py#L21>)" in markdown, "the first divergence links the MindSpore line"
    assert "[conv_block.py:21](<reference/conv_block.py#L21>)" in markdown
    assert "- [MSA015](" in markdown, "the static finding on the diverging line is named"
    assert "| eval forward | pynative | ❌ fail | 0/1 | 0.35 | 3.5 | 0.9900 | 50% | 0.35 |" in markdown
    assert "| train forward | graph | ⚠️ error | 0/0 |" in markdown
    assert "Not compared: GRAPH_MODE could not compile the Cell" in markdown
    assert "![Relative error of each sub-module's output, in execution order](chart.svg)" in markdown
    assert (
        "| 3 | eval forward | pynative | `act` | `act` | [21](<port/conv_block.py#L21>) | ❌ | 0.42 | 0.21 | 1.00e-04 "
        "| 0.9800 |" in markdown
    )
    assert "| `norm` | [19](" in markdown and "| ❌ | 8.00e-04 | 4.00e-04 | 0.001 | 0.9999995 |" in markdown
    assert "| `conv.weight` | `conv.weight` | 4x4x3x3 | same_name |" in markdown
    assert "Unmapped PyTorch tensors: `conv.num_batches_tracked`" in markdown
    assert "## Kernel noise or a real difference?" in markdown
    assert (
        "below 10 times that reference (never below 1e-05, never above 0.01; 0.0001 when there is no float64 "
        "reference) and its cosine similarity stays above 0.9999"
    ) in markdown
    assert markdown.count("<details open>") == 1, "only the first failing check is unfolded"


def test_long_tensor_lists_are_cut_with_a_pointer_to_the_json() -> None:
    many = [tensor(f"w{index}", True, 1e-9) for index in range(MAX_TENSOR_ROWS + 5)]
    result = divergent_result(checks=[Check("parameter_gradients", "pynative", True, None, many)])

    markdown = render_markdown(result, None)

    assert "5 more in the JSON report." in markdown
    assert "![" not in markdown, "no chart file, no picture"


def test_an_error_result_says_why_with_the_details() -> None:
    request = EquivalenceRequest(str(REFERENCE), "ConvBlock", str(PORT), "Exploding")
    error = RunError(
        "user_code_raised", "Exploding(...) raised RuntimeError: boom", "Traceback ...\nRuntimeError: boom"
    )
    result = EquivalenceResult.failed(request, error, 3.2)

    markdown = render_markdown(result, None)
    text = render_text(result)

    assert "**Verdict: could not run.**" in markdown
    assert "## Why it could not run" in markdown
    assert "**user_code_raised**: Exploding(...) raised RuntimeError: boom" in markdown
    assert "```text\nTraceback ...\nRuntimeError: boom\n```" in markdown
    assert "## Checks" not in markdown
    assert text.splitlines()[2] == "error (user_code_raised): Exploding(...) raised RuntimeError: boom"
    assert "RuntimeError: boom" in text.splitlines()[-1]


def test_text_names_the_first_divergence_and_each_check() -> None:
    text = render_text(divergent_result())

    assert "verdict: divergent — Divergent: first at act." in text
    assert "first divergence: act <-> act (conv_block.py:21) in eval forward, pynative: max abs 0.35" in text
    assert "  static finding on that line: MSA015 " in text
    assert re.search(r"^eval forward +pynative +FAIL +0\.35 +3\.5 +0\.35$", text, re.MULTILINE)
    assert "    GRAPH_MODE could not compile the Cell" in text
    assert "  unmapped torch: conv.num_batches_tracked" in text


def test_write_report_writes_markdown_json_and_chart_side_by_side(tmp_path: Path) -> None:
    result = divergent_result()

    files = write_report(result, tmp_path / "reports")

    assert files.markdown.name == "conv_block-LeakyHead-equivalence.md"
    assert files.json.parent == files.markdown.parent == files.chart.parent == tmp_path / "reports"
    assert json.loads(files.json.read_text()) == json.loads(json.dumps(result.to_json()))
    assert EquivalenceResult.from_json(json.loads(files.json.read_text())) == result
    assert f"]({files.chart.name})" in files.markdown.read_text(), "linked relatively, for the Markdown preview"
    ElementTree.fromstring(files.chart.read_text())


def test_write_report_without_layers_writes_no_chart(tmp_path: Path) -> None:
    files = write_report(divergent_result(layers=[], first_divergence=None), tmp_path)

    assert files.chart is None
    assert sorted(path.suffix for path in tmp_path.iterdir()) == [".json", ".md"]


@pytest.mark.oracle
def test_a_real_divergent_run_reports_the_leaky_relu(tmp_path: Path) -> None:
    from msmigrate.equivalence.runner import run_equivalence

    result = run_equivalence(
        EquivalenceRequest(str(REFERENCE), "LeakyHead", str(PORT), "LeakyHead", modes=("pynative",)), None, None
    )
    files = write_report(result, tmp_path)

    assert result.status == "divergent", result.summary
    markdown = files.markdown.read_text()
    link = f"{os.path.relpath(PORT, tmp_path)}#L21"
    assert f"(MindSpore, [conv_block.py:21](<{link}>))" in markdown
    assert (tmp_path / link.split("#")[0]).resolve() == PORT.resolve(), "the link leads from the report to the port"
    assert "- [MSA015](" in markdown
    assert "paired by **names**" in markdown and "Every tensor on both sides is mapped." in markdown
    eval_forward = [bar for bar in bars(files.chart.read_text())][:2]  # the first panel: eval forward, pynative
    assert [(bar.find(f"{SVG}title").text.split(" ")[0], bar.get("fill")) for bar in eval_forward] == [
        ("conv", PASSED_COLOUR),
        ("act", DIVERGING_COLOUR),
    ]
    assert "first at act" in render_text(result)
