"""MSA021 (names a MindSpore module lacks) and MSA022 (torch methods on MindSpore tensors)."""

from __future__ import annotations

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Finding, FixSafety, Severity
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.mappings import load_mappings
from msmigrate.rules import rule_by_code
from msmigrate.rules.api_difference._counterparts import BASE_CLASSES
from msmigrate.rules.api_difference.torch_method_on_mindspore_tensor import WITHOUT_TABLE_ROW

HEADER = "import mindspore as ms\nfrom mindspore import mint, nn, ops\n"


def findings(code: str, body: str) -> list[Finding]:
    rule = rule_by_code(code)
    assert rule is not None
    return Engine(rules=(rule,)).analyze(HEADER + body).findings


@pytest.mark.parametrize(
    "body,shown,counterpart",
    [
        ("class Net(nn.Module):\n    pass\n", "`nn.Module`", "`nn.Cell`"),
        ("layers = nn.ModuleList([])\n", "`nn.ModuleList`", "`nn.CellList` (differs)"),
        ("y = ms.nn.functional.relu(x)\n", "`ms.nn.functional`", "`mint.nn.functional.relu`"),
        ("act = nn.functional.gelu\n", "`nn.functional`", "`mint.nn.functional`"),
        ("y = ops.clamp_min(x, 0)\n", "`ops.clamp_min`", "no MindSpore counterpart of `torch.clamp_min`"),
        ("with ms.no_grad():\n    pass\n", "`ms.no_grad`", "no MindSpore counterpart of `torch.no_grad`"),
    ],
    ids=["base-class", "module-list", "functional-call", "functional-value", "no-counterpart", "no-grad"],
)
def test_missing_names_are_errors_with_counterparts(body: str, shown: str, counterpart: str) -> None:
    (finding,) = findings("MSA021", body)
    assert finding.severity is Severity.ERROR
    assert finding.message.startswith(shown + ":")
    assert counterpart in finding.message


@pytest.mark.parametrize(
    "body",
    [
        "layer = nn.Linear(4, 2)\n",  # exists in 2.10
        "y = ops.permute(x, (1, 0))\n",
        "y = mint.nn.functional.relu(x)\n",
        "ms.nn.Module = nn.Cell\n",  # assignment, not a read
        "from mindspore import dataset\nd = dataset.NotRecordedNamespace()\n",  # namespace not recorded: unknown
        "try:\n    import torch as B\nexcept ImportError:\n    import mindspore as B\ny = B.nn.functional.relu(x)\n",
        "import mindspore.profiler\nmindspore.profiler.Profiler()\n",  # submodules count as members
    ],
    ids=["nn-linear", "ops-permute", "mint", "store", "unrecorded", "either-framework", "submodule"],
)
def test_existing_or_unknown_names_are_silent(body: str) -> None:
    assert findings("MSA021", body) == []


def test_a_drop_in_with_the_same_signature_switches_safely_and_others_unsafely() -> None:
    text = HEADER + "y = ms.nn.functional.relu(x)\nz = nn.functional.softmax(x, dim=-1)\n"
    relu, softmax = findings("MSA021", text.removeprefix(HEADER))
    assert [offer.safety for offer in relu.fixes] == [FixSafety.SAFE]
    assert [offer.safety for offer in softmax.fixes] == [FixSafety.UNSAFE]  # torch's softmax has `_stacklevel`
    fixed = apply_edits(text, compute_edits(text, relu, relu.fixes[0]))
    assert "y = mint.nn.functional.relu(x)\n" in fixed


def test_a_counterpart_without_cpu_kernel_is_unsafe_with_the_caveat() -> None:
    (finding,) = findings("MSA021", "y = nn.functional.pad(x, (1, 1))\n")
    (offer,) = finding.fixes
    assert offer.safety is FixSafety.UNSAFE
    assert "no CPU kernel in MindSpore 2.10" in offer.title


def test_base_class_counterparts_exist_in_the_installed_packages() -> None:
    mappings = load_mappings()
    for torch_name, mindspore_name in BASE_CLASSES.items():
        assert mappings.has_member(torch_name) is True
        assert mappings.has_member(mindspore_name) is True


def test_the_missing_segment_is_reported_once_per_call() -> None:
    callee, argument = findings("MSA021", "y = ms.nn.functional.relu(ms.nn.functional.gelu)\n")
    assert "torch.nn.functional.relu" in callee.message and callee.fixes
    assert "torch.nn.functional`" in argument.message and not argument.fixes
    assert len(findings("MSA021", "a = nn.functional.relu\nb = nn.functional.gelu\n")) == 2


# -- MSA022 -----------------------------------------------------------------------------------------


def cell(construct_body: str) -> str:
    return f"class Net(nn.Cell):\n    def construct(self, x):\n        {construct_body}\n"


@pytest.mark.parametrize(
    "statement,advice",
    [
        ("return x.detach()", WITHOUT_TABLE_ROW["detach"]),
        ("return x.cuda()", WITHOUT_TABLE_ROW["cuda"]),
        ("return ops.relu(x).cpu()", WITHOUT_TABLE_ROW["cpu"]),
        ("return x.clamp_min(0.0)", "no MindSpore counterpart"),
        ("return x.relu()", "`ops.relu(x, ...)`"),
    ],
    ids=["detach", "cuda", "cpu-on-result", "clamp_min", "function-form"],
)
def test_torch_only_methods_on_tensors_are_errors(statement: str, advice: str) -> None:
    (finding,) = findings("MSA022", cell(statement))
    assert finding.severity is Severity.ERROR
    assert advice in finding.message


@pytest.mark.parametrize(
    "statement",
    [
        "return x.permute(1, 0).view(-1).contiguous()",  # these exist in 2.10
        "return x.random_()",
        "return self.items.copy()",  # not known to be a tensor
        "return [1, 2].index(2)",
        "return ms.Tensor.detach",  # a class attribute: MSA021's
    ],
    ids=["existing", "random_", "unknown-receiver", "list", "class-attribute"],
)
def test_existing_methods_and_other_receivers_are_silent(statement: str) -> None:
    assert findings("MSA022", cell(statement)) == []


def test_files_that_also_use_torch_are_skipped() -> None:
    assert findings("MSA022", "import torch\n" + cell("return x.detach()")) == []
