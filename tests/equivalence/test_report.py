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
    display_path,
    layer_chart_svg,
    render_markdown,
    render_text,
    write_report,
)
from msmigrate.equivalence.result import (
    Check,
    ConfigDifference,
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


def layer(path: str, rel: float | None, outcome: str, *, line: int = 19, limit: float = 1e-4) -> LayerComparison:
    return LayerComparison(
        "eval_forward",
        "pynative",
        path,
        path,
        "Conv2d",
        "Conv2d",
        "weights",
        outcome,
        max_abs=None if rel is None else rel * 2,
        rel_error=rel,
        cosine=1.0,
        noise_limit=limit,
        torch_shape=[2, 4, 8, 8],
        mindspore_shape=[2, 4, 8, 8] if rel is not None else [2, 4, 6, 6],
        torch_file=str(REFERENCE),
        torch_line=line,
        mindspore_file=str(PORT),
        mindspore_line=line,
    )


def tensor(name: str, outcome: str, rel: float) -> TensorComparison:
    return TensorComparison(
        name, name, name, outcome, rel * 2, rel * 10, 0.99, 1.0 if outcome == "close" else 0.5, rel, None, 1e-4
    )


def divergent_result(**overrides: object) -> EquivalenceResult:
    fields: dict[str, object] = {
        "status": "divergent",
        "equivalent": False,
        "summary": "Divergent: first at act.",
        "torch": SideRef(str(REFERENCE), "LeakyHead", str(REFERENCE), 16),
        "mindspore": SideRef(str(PORT), "LeakyHead", str(PORT), 16),
        "device": {"torch": "cpu", "mindspore": "CPU"},
        "inputs": [InputSpec([2, 4, 8, 8])],
        "weight_mapping": WeightMapping(
            [WeightPair("conv.weight", "conv.weight", [4, 4, 3, 3], "same_name")], ["conv.extra"], []
        ),
        "checks": [
            Check("eval_forward", "pynative", None, [tensor("output[0]", "differs", 0.35)]),
            Check("sgd_step", "graph", None, [tensor("conv.weight", "close", 1e-8)]),
            Check("train_forward", "graph", "GRAPH_MODE could not compile the Cell", []),
        ],
        "layers": [
            layer("conv", 9e-8, "close"),
            layer("norm", 4e-4, "noise", limit=1e-3),
            layer("act", 0.21, "differs", line=21),
            layer("pool", None, "incomparable"),
        ],
        "config_differences": [
            ConfigDifference(
                "act",
                "act",
                "LeakyReLU",
                "LeakyReLU",
                "negative_slope",
                "0.01",
                "0.2",
                outputs_agree=False,
                torch_file=str(REFERENCE),
                torch_line=21,
                mindspore_file=str(PORT),
                mindspore_line=21,
            )
        ],
        "first_divergence": Divergence(
            "eval_forward",
            "pynative",
            "act",
            "act",
            "LeakyReLU",
            "LeakyReLU",
            0.35,
            0.21,
            [2, 4, 8, 8],
            [2, 4, 8, 8],
            str(REFERENCE),
            21,
            str(PORT),
            21,
        ),
        "notes": ["redrew 1 zero-initialised parameter(s): conv.bias"],
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
    assert "shape (2, 4, 8, 8) vs (2, 4, 6, 6)" in texts
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
    conv_limit, norm_limit, act_limit = marks[:3]
    assert norm_limit == pytest.approx(conv_limit + per_decade, abs=0.2), "1e-3 against 1e-4"
    assert conv_limit == act_limit
    assert drawn["norm"] < norm_limit < drawn["act"], "4e-4 < 1e-3 < 0.21"


def test_markdown_puts_pytorch_first_and_links_both_sides_lines() -> None:
    markdown = render_markdown(divergent_result(), "chart.svg", link_base=WORKSPACE)

    assert markdown.startswith("# Equivalence: `LeakyHead` (PyTorch) and `LeakyHead` (MindSpore)\n")
    assert "**Verdict: divergent.**" in markdown
    # Relative to the report's folder: VS Code's Markdown preview follows these, not file:// links.
    assert "| built at | [" in markdown and "(<reference/conv_block.py#L21>) | [" in markdown
    assert "(<port/conv_block.py#L21>) |" in markdown
    assert "- `negative_slope`: PyTorch 0.01, MindSpore 0.2" in markdown
    assert "- [MSA015](" in markdown, "the static finding on the diverging MindSpore line is named"
    assert "## Configuration differences" in markdown
    assert "## What the check did on its own\n\n- redrew 1 zero-initialised parameter(s): conv.bias" in markdown
    assert "| eval forward | pynative | DIFFERS | 0/1 | 0.35 | 0.7 |" in markdown
    assert "| train forward | graph | error | 0/0 |" in markdown
    assert "Not compared: GRAPH_MODE could not compile the Cell" in markdown
    assert "![Relative error of each sub-module's output, in execution order](chart.svg)" in markdown
    assert "| 4 | eval forward | pynative | `pool` | `pool` | weights |" in markdown
    assert "| SHAPE | (2, 4, 8, 8) vs (2, 4, 6, 6) |" in markdown
    assert "| `conv.weight` | `conv.weight` | 4x4x3x3 | same_name |" in markdown
    assert "Unmapped PyTorch tensors: `conv.extra`" in markdown
    assert "## Kernel noise or a real difference?" in markdown
    assert "within 10 times its reference error (never less than 1e-05; 0.0001 without a float64 reference)" in markdown
    assert markdown.count("<details open>") == 1, "only the first differing check is unfolded"


def test_long_tensor_lists_are_cut_with_a_pointer_to_the_json() -> None:
    many = [tensor(f"w{index}", "close", 1e-9) for index in range(MAX_TENSOR_ROWS + 5)]
    result = divergent_result(checks=[Check("parameter_gradients", "pynative", None, many)])

    markdown = render_markdown(result, None)

    assert "5 more in the JSON report." in markdown
    assert "![" not in markdown, "no chart file, no picture"


def test_an_error_result_says_why_and_keeps_what_was_found() -> None:
    request = EquivalenceRequest(str(REFERENCE), "ConvBlock", str(PORT), "Exploding")
    error = RunError(
        "user_code_raised", "Exploding(...) raised RuntimeError: boom", "Traceback ...\nRuntimeError: boom"
    )
    difference = ConfigDifference("conv", "conv", "Conv2d", "Conv2d", "bias", "True", "False")
    result = EquivalenceResult.failed(request, error, 3.2, config_differences=[difference])

    markdown = render_markdown(result, None)
    text = render_text(result)
    verbose = render_text(result, verbose=True)

    assert "**Verdict: could not run.**" in markdown
    assert "**user_code_raised**: Exploding(...) raised RuntimeError: boom" in markdown
    assert "```text\nTraceback ...\nRuntimeError: boom\n```" in markdown
    assert "## Checks" not in markdown
    assert (
        text.splitlines()[2] == "verdict: could not run (user_code_raised) — Exploding(...) raised RuntimeError: boom"
    )
    assert text.count("Exploding(...) raised RuntimeError") == 1, "said once"
    assert "conv / conv (Conv2d): bias PyTorch True, MindSpore False" in text
    assert "RuntimeError: boom" in verbose.splitlines()[-1] and "Traceback" not in text


def test_text_opens_with_a_summary_that_fits_a_screen() -> None:
    text = render_text(divergent_result())
    lines = text.splitlines()

    assert lines[0].startswith("PyTorch   ") and lines[1].startswith("MindSpore "), "PyTorch first, as in the arguments"
    assert "verdict: divergent — Divergent: first at act." in text
    assert "  PyTorch   act (LeakyReLU), built at tests/workspaces/equivalence_pair/reference/conv_block.py:21" in text
    assert "  MindSpore act (LeakyReLU), built at tests/workspaces/equivalence_pair/port/conv_block.py:21" in text
    assert "  configured differently: negative_slope PyTorch 0.01, MindSpore 0.2" in text
    assert "act / act (LeakyReLU): negative_slope PyTorch 0.01, MindSpore 0.2; outputs differ  [PyTorch " in text
    assert "  static check on the MindSpore line: MSA015 " in text
    assert re.search(r"^eval forward +DIFFERS +- +0\.35$", text, re.MULTILINE)
    assert "  train forward (graph): GRAPH_MODE could not compile the Cell" in text
    assert "weights: 1 tensors paired (1 by same name); unmapped: PyTorch conv.extra" in text
    assert len(lines) <= 30
    assert "norm / norm" not in text, "layers only with --verbose"
    assert "eval forward  pynative DIFFERS act / act [weights]" in render_text(divergent_result(), verbose=True)


def test_a_noise_summary_names_no_tensor_that_failed() -> None:
    checks = [Check("eval_forward", "pynative", None, [tensor("output[0]", "noise", 3e-5)])]
    text = render_text(divergent_result(status="noise", equivalent=True, checks=checks, first_divergence=None))
    assert "noise" in text and "DIFFERS" not in text


def test_installed_files_are_shown_from_their_package_folder() -> None:
    installed = "/usr/lib/python3/site-packages/mindcv/models/resnet.py"
    assert display_path(installed) == "mindcv/models/resnet.py"
    assert display_path(str(Path.cwd() / "a" / "b.py")) == "a/b.py"


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
    assert f"(<{link}>)" in markdown
    assert (tmp_path / link.split("#")[0]).resolve() == PORT.resolve(), "the link leads from the report to the port"
    assert "- [MSA015](" in markdown
    assert "- `negative_slope`: PyTorch 0.01, MindSpore 0.2" in markdown
    assert "Every tensor on both sides is mapped." in markdown
    eval_forward = bars(files.chart.read_text())[:2]  # the first panel: eval forward, pynative
    assert [(bar.find(f"{SVG}title").text.split(" ")[0], bar.get("fill")) for bar in eval_forward] == [
        ("conv", PASSED_COLOUR),
        ("act", DIVERGING_COLOUR),
    ]
    assert "first at act (PyTorch) / act (MindSpore)" in render_text(result)
