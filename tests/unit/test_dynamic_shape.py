"""Dynamic-shape rules (MSD): where they fire, how severe, in which framework, and what their fixes write.

The oracle (tests/oracle/test_dynamic_shape_oracle.py) measures the `shape:` claims of the examples;
here the engine's findings must agree with those claims and with the `# expect:` markers.
"""

from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path

import pytest

from msmigrate.analysis.calls import signatures_for
from msmigrate.analysis.engine import Engine
from msmigrate.analysis.facts import collect_facts
from msmigrate.analysis.findings import Category, Finding, FixOffer, FixSafety, Severity
from msmigrate.analysis.values import ValueKind, value_kinds_of
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.rules import all_rules
from msmigrate.rules.dynamic_shape import _families as families
from tests.dynamic_shape_examples import DYNAMIC_FIXTURES, apply_all_fixes, example_files, read_examples
from tests.fixture_examples import read_fixture

WORKSPACE = Path(__file__).resolve().parents[1] / "workspaces" / "static_shape_model"
GUIDE = DYNAMIC_FIXTURES / "_migration_guide.py"


def findings_of(source: str) -> list[Finding]:
    result = Engine().analyze(textwrap.dedent(source))
    assert result.syntax_problem is None
    assert not result.rule_failures, result.rule_failures
    return [finding for finding in result.findings if finding.category is Category.DYNAMIC_SHAPE]


def codes_by_line(findings: list[Finding]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for finding in findings:
        found.setdefault(finding.span.line, set()).add(finding.code)
    return found


# -- the examples -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", example_files(), ids=lambda path: path.stem)
def test_findings_match_markers_and_claims(path: Path) -> None:
    """Flagged exactly where marked; a dynamic example is a warning, a refused one an error, a static one clean."""
    findings = findings_of(path.read_text(encoding="utf-8"))
    expected = {line: set(codes) for line, codes in read_fixture(path).expected.items()}
    assert codes_by_line(findings) == expected
    rule_code = path.stem.split("_", 1)[0]
    for example in read_examples(path):
        inside = [finding for finding in findings if example.first_line <= finding.span.line <= example.last_line]
        if example.claim == "static":
            assert inside == [], example.name
            continue
        assert inside, f"{example.name} is {example.claim} and must be flagged"
        for finding in inside:
            refused = example.claim == "compile_error" and finding.code == rule_code
            wanted = Severity.ERROR if refused else Severity.WARNING
            assert finding.severity is wanted, f"{example.name}: {finding.code} {finding.severity.label}"


def test_every_rule_has_examples_of_both_kinds() -> None:
    codes = [rule.code for rule in all_rules() if rule.category is Category.DYNAMIC_SHAPE]
    assert codes == [f"MSD00{number}" for number in range(1, 10)]
    for code in codes:
        examples = read_examples(DYNAMIC_FIXTURES / f"{code}.py")
        assert {example.claim for example in examples} >= {"static"}, code
        assert {example.claim for example in examples} & {"dynamic", "compile_error"}, code


def test_migration_guide_examples_are_flagged_and_fixed_like_the_guide() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    fixed, names = apply_all_fixes(text)
    assert names == {example.name for example in read_examples(GUIDE)}
    assert findings_of(fixed) == []
    # The guide's own static rewrites: `box_select_ms2`, the k-th value mask, a full-shape branch.
    assert "        return box * mask, mask  # expect: MSD001\n" in fixed
    assert "        return box * mask.reshape(mask.shape + (1,) * (box.ndim - mask.ndim)), mask" in fixed
    assert "        loss_sorted = ops.sort(con, descending=True)[0]\n" in fixed
    assert "        loss_mask = (con >= ops.expand_dims(loss_sorted[..., pos_num - 1], -1)).astype(con.dtype)" in fixed
    assert "        loss = con * loss_mask  # expect: MSD004\n        return loss.sum() / loss_mask.sum()\n" in fixed
    assert "            y = x * (x > 0.5)  # expect: MSD001\n        else:\n            y = ops.zeros_like(x)" in fixed


def test_pytorch_originals_of_the_guide_are_information() -> None:
    findings = findings_of(
        """
        import torch
        import torch.nn as torch_nn

        def box_select_torch(box, iou_score):
            mask = iou_score > 0.3
            return box[mask]

        class ClassLoss_pt(torch_nn.Module):
            def __init__(self):
                super(ClassLoss_pt, self).__init__()
                self.con_loss = torch_nn.CrossEntropyLoss(reduction='none')

            def forward(self, pred, label):
                mask = label > 0
                vaild_label = label * mask
                pos_num = torch.clamp(mask.sum() * 0.7, 1).int()
                con = self.con_loss(pred, vaild_label.long()) * mask
                loss, unused_value = torch.topk(con, k=pos_num)
                return loss.mean()
        """
    )
    # `box_select_torch` takes plain parameters (not a Module's forward): nothing is known to be a tensor.
    assert [(finding.span.line, finding.code) for finding in findings] == [(19, "MSD004")]
    assert findings[0].severity is Severity.INFORMATION
    assert "becomes dynamic in MindSpore" in findings[0].message
    assert findings[0].fixes == ()


# -- severity by place and framework -------------------------------------------------------------------
def test_outside_graph_scope_is_a_hint() -> None:
    findings = findings_of(
        """
        from mindspore import ops

        def postprocess(scores):
            keep = ops.nonzero(scores > 0.5)
            return ops.masked_select(scores, scores > 0.5), keep
        """
    )
    assert [(finding.code, finding.severity) for finding in findings] == [
        ("MSD001", Severity.HINT),
        ("MSD001", Severity.HINT),
    ]
    assert "once it is compiled in GRAPH_MODE" in findings[0].message


def test_construct_of_a_pynative_file_is_a_hint() -> None:
    findings = findings_of(
        """
        import mindspore as ms
        from mindspore import nn, ops

        ms.set_context(mode=ms.PYNATIVE_MODE)

        class Net(nn.Cell):
            def construct(self, x):
                return ops.masked_select(x, x > 0)
        """
    )
    assert [(finding.code, finding.severity) for finding in findings] == [("MSD001", Severity.HINT)]
    assert "PYNATIVE_MODE" in findings[0].message


TORCH_FORWARD = """
import torch
from torch import nn

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.k = 5

    def forward(self, x, probs, ids):
        {line}
"""


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("return torch.masked_select(x, x > 0)", "MSD001"),
        ("return x.masked_select(x > 0)", "MSD001"),
        ("return torch.nonzero(x > 0)", "MSD001"),
        ("return (x > 0).nonzero()", "MSD001"),
        ("return torch.argwhere(x)", "MSD001"),
        ("return torch.unique(ids)", "MSD001"),
        ("return torch.where(x > 0)", "MSD001"),
        ("return torch.bincount(ids)", "MSD001"),
        ("return x[x > 0]", "MSD002"),
        ("return x[:int((x > 0).sum())]", "MSD003"),
        ("return torch.topk(x, int((x > 0).sum()))", "MSD004"),
        ("return x.topk(k=(x > 0).sum())", "MSD004"),
        ("return torch.multinomial(probs, int((probs > 0.1).sum()))", "MSD008"),
        ("return x.sum(dim=int(ids[0]))", "MSD007"),
        ("return x.permute(int(ids[0]), 0)", "MSD007"),
    ],
)
def test_pytorch_forward_is_information(line: str, code: str) -> None:
    findings = findings_of(TORCH_FORWARD.format(line=line))
    assert [finding.code for finding in findings] == [code]
    assert findings[0].severity is Severity.INFORMATION
    assert "becomes dynamic in MindSpore" in findings[0].message
    assert findings[0].fixes == ()


@pytest.mark.parametrize(
    "line",
    [
        "return torch.topk(x, 5)",
        "return torch.topk(x, self.k)",
        "return torch.where(x > 0, x, probs)",
        "return x[:, : x.shape[1]] + x[: len(x)] + x[: x.size(0)]",
        "return x.sum(dim=1) + x.permute(1, 0).sum() + x.max(probs)",
        "return torch.multinomial(probs, 4)",
        "x[x > 0] = 0\n        return x",
    ],
)
def test_pytorch_forward_static_shapes_are_clean(line: str) -> None:
    assert findings_of(TORCH_FORWARD.format(line=line)) == []


def test_pytorch_helper_outside_a_module_is_not_claimed() -> None:
    """A plain function's parameters may be anything: no tensor is assumed."""
    assert findings_of("import torch\n\ndef select(x, mask):\n    return x[mask > 0]\n") == []


# -- name resolution and argument binding --------------------------------------------------------------
@pytest.mark.parametrize(
    "header, call",
    [
        ("import mindspore as ms", "ms.ops.masked_select(x, x > 0)"),
        ("import mindspore", "mindspore.ops.masked_select(x, x > 0)"),
        ("from mindspore.ops import masked_select as select", "select(x, x > 0)"),
        ("from mindspore import mint", "mint.masked_select(x, x > 0)"),
        ("import mindspore.ops as P", "P.MaskedSelect()(x, x > 0)"),
        ("from mindspore import ops", "ops.masked_select(input=x, mask=x > 0)"),
        ("from mindspore import ops", "ops.masked_select(mask=x > 0, input=x)"),
    ],
)
def test_mindspore_names_and_call_styles(header: str, call: str) -> None:
    source = f"{header}\nfrom mindspore import nn\n\nclass Net(nn.Cell):\n    def construct(self, x):\n"
    source += f"        return {call}\n"
    findings = findings_of(source)
    assert [(finding.code, finding.severity) for finding in findings] == [("MSD001", Severity.WARNING)]


@pytest.mark.parametrize(
    ("call", "flagged"),
    [
        ("ops.topk(x, k)", True),
        ("ops.topk(x, k=k)", True),
        ("ops.topk(k=k, input=x)", True),
        ("mint.topk(x, k, -1, True, True)", True),
        ("ops.topk(x, 3)", False),
        ("ops.topk(input=x, k=3)", False),
        ("ops.topk(x, x.shape[0] // 2)", False),
        ("ops.topk(x, self.k)", False),
    ],
)
def test_topk_k_is_found_in_every_call_style(call: str, flagged: bool) -> None:
    source = f"""
    from mindspore import mint, nn, ops

    class Net(nn.Cell):
        def __init__(self, k):
            super().__init__()
            self.k = k

        def construct(self, x):
            k = (x > 0).sum()
            return {call}
    """
    assert bool(findings_of(source)) is flagged


def test_family_signatures_agree_with_the_installed_ones() -> None:
    tables = [
        families.SELECTION,
        families.TOPK,
        families.SAMPLERS,
        families.ARANGE,
        families.GATHER,
        families.SEGMENTS,
        families.REDUCTIONS,
        families.PERMUTATIONS,
    ]
    checked = 0
    for table in tables:
        for qualified, api in table.functions.items():
            installed = [
                signature
                for signature in signatures_for(qualified)
                if not (signature.accepts_any_positional and signature.accepts_any_keyword)
            ]
            if not installed:
                continue
            names = [parameter.name for parameter in api.parsed.parameters]
            assert any(names == [parameter.name for parameter in s.parameters] for s in installed), qualified
            checked += 1
    assert checked >= 20


# -- the value analysis the rules rely on -------------------------------------------------------------
def test_static_bounds_and_long_chains() -> None:
    findings = findings_of(
        """
        from mindspore import nn, ops

        class Net(nn.Cell):
            def construct(self, logits):
                probs = ops.softmax(logits, axis=-1)
                best = probs.max(axis=-1)
                confident = best > 0.5
                count = confident.sum()
                k = int(count)
                half = min(4, k)
                width = len(logits) + logits.shape[1] + logits.ndim + logits.dim()
                return logits[:half], logits[:, :width]
        """
    )
    assert [(finding.span.line, finding.code) for finding in findings] == [(13, "MSD003")]


def test_static_shape_workspace_model_gets_no_dynamic_shape_finding() -> None:
    for path in sorted(WORKSPACE.glob("*.py")):
        assert findings_of(path.read_text(encoding="utf-8")) == [], path.name


# -- the fixes -----------------------------------------------------------------------------------------
def _fixed(source: str, code: str) -> str:
    text = textwrap.dedent(source)
    finding = next(finding for finding in Engine().analyze(text).findings if finding.code == code)
    (offer,) = finding.fixes
    assert offer.safety is FixSafety.UNSAFE
    return apply_edits(text, compute_edits(text, finding, offer))


CELL = """
from mindspore import nn, ops

class Net(nn.Cell):
    def construct(self, x, scores):
        {body}
"""


@pytest.mark.parametrize(
    ("body", "code", "rewritten"),
    [
        (
            "y = 2 * ops.masked_select(x, scores > 0)  # keep me\n        return y",
            "MSD001",
            "y = 2 * (x * (scores > 0))  # keep me",
        ),
        ("return ops.masked_select(x, x > 0).sum()", "MSD001", "return (x * (x > 0)).sum()"),
        (
            "keep = scores > 0\n        return x[keep]",
            "MSD002",
            "return x * keep.reshape(keep.shape + (1,) * (x.ndim - keep.ndim)), keep",
        ),
        ("y = x[x > 0] + 1\n        return y", "MSD002", "y = x * (x > 0) + 1"),
    ],
)
def test_mask_fix(body: str, code: str, rewritten: str) -> None:
    fixed = _fixed(CELL.format(body=body), code)
    assert rewritten in fixed
    assert findings_of(fixed) == []


def test_topk_fix_keeps_comments_hoists_the_input_and_rewrites_means() -> None:
    fixed = _fixed(
        """
        import mindspore as ms
        from mindspore import nn

        class Net(nn.Cell):
            def construct(self, x):
                # the hardest positives
                top, _ = ms.ops.topk(x.flatten() * 2, (x > 0).sum(), largest=False)  # why
                return top.mean() + ms.ops.mean(top)
        """,
        "MSD004",
    )
    assert fixed.splitlines()[5:] == [
        "    def construct(self, x):",
        "        # the hardest positives",
        "        top_input = x.flatten() * 2",
        "        top_sorted = ms.ops.sort(top_input, descending=False)[0]",
        "        top_mask = (top_input <= ms.ops.expand_dims(top_sorted[..., (x > 0).sum() - 1], -1))"
        ".astype(top_input.dtype)",
        "        top = top_input * top_mask  # why",
        "        return (top.sum() / top_mask.sum()) + (top.sum() / top_mask.sum())",
    ]
    assert findings_of(fixed) == []


def test_topk_fix_imports_ops_where_it_is_not_reachable() -> None:
    fixed = _fixed(
        """
        from mindspore import nn
        from mindspore.ops import topk

        class Net(nn.Cell):
            def construct(self, x):
                values, _ = topk(x, (x > 0).sum())
                return values
        """,
        "MSD004",
    )
    assert "from mindspore.ops import topk\nfrom mindspore import ops\n" in fixed
    assert "        values_sorted = ops.sort(x, descending=True)[0]\n" in fixed
    assert findings_of(fixed) == []


def test_topk_fix_is_not_offered_when_indices_are_used_or_the_axis_is_not_last() -> None:
    for body in ("values, order = ops.topk(x, k)\n        return values, order", "return ops.topk(x, k, dim=0)[0]"):
        findings = findings_of(CELL.format(body=f"k = (x > 0).sum()\n        {body}"))
        assert [finding.code for finding in findings] == ["MSD004"]
        assert findings[0].fixes == ()


def test_branch_fix_rewrites_every_selected_branch() -> None:
    fixed = _fixed(
        """
        from mindspore import nn, ops

        class Net(nn.Cell):
            def construct(self, x, mask):
                if mask.any():
                    y = ops.masked_select(x, mask)
                else:
                    y = ops.zeros_like(x)
                return y
        """,
        "MSD009",
    )
    assert "            y = x * mask\n        else:\n            y = ops.zeros_like(x)\n" in fixed
    assert findings_of(fixed) == []


@pytest.mark.parametrize("path", example_files(), ids=lambda path: path.stem)
def test_fix_parameters_survive_the_trip_through_diagnostic_data(path: Path) -> None:
    """The language server stores a fix's parameters as JSON in `Diagnostic.data` and rebuilds the offer."""
    text = path.read_text(encoding="utf-8")
    for finding in Engine().analyze(text).findings:
        for offer in finding.fixes:
            wired = json.loads(json.dumps(offer.param_dict()))
            rebuilt = FixOffer(offer.title, offer.safety, offer.fix_id, tuple(sorted(wired.items())))
            assert compute_edits(text, finding, rebuilt) == compute_edits(text, finding, offer)


def test_value_kinds_used_by_the_rules() -> None:
    source = textwrap.dedent(
        """
        import torch
        from torch import nn

        class Block(nn.Module):
            def forward(self, x):
                a = x.sum()
                b = a * 2
                c = b + 1
                d = int(c)
                e = min(3, d)
                return e, len(x), x.dim(), x.size(0), x.shape[0]

        def helper(x):
            return x
        """
    )
    tree = ast.parse(source)
    facts = collect_facts(tree, source)
    forward = facts.classes["Block"].methods["forward"]
    kinds = value_kinds_of(forward, facts, facts.imports)
    assert kinds is not None
    returned = forward.body[-1].value
    assert isinstance(returned, ast.Tuple)
    assert [kinds.kind_of(element) for element in returned.elts] == [ValueKind.TENSOR] + [ValueKind.STATIC] * 4
    helper_kinds = value_kinds_of(facts.functions["helper"], facts, facts.imports)
    assert helper_kinds is not None and helper_kinds.kind_of(ast.Name("x")) is ValueKind.UNKNOWN


def test_inputs_and_attributes_used_as_sizes_are_not_claimed() -> None:
    """A size passed in (`k`, `axis`, `flag`) may be a Python number, a constant to the graph: no claim."""
    findings = findings_of(
        """
        from mindspore import nn, ops

        class Net(nn.Cell):
            def __init__(self):
                super().__init__()
                self.k = 3

            def construct(self, x, k, axis, flag):
                a = ops.topk(x, k)[0] + ops.topk(x, int(k))[0] + ops.topk(x, self.k)[0]
                b = x.sum(axis) + x[: k - 1].sum()
                if flag:
                    y = x[0]
                else:
                    y = x
                return a, b, y, ops.topk(x, (x > 0).sum())[0]
        """
    )
    assert [(finding.span.line, finding.code) for finding in findings] == [(16, "MSD004")]
