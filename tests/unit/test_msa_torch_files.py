"""MSA100-MSA105 in PyTorch files: what they flag, at which severity, and how little noise they make."""

from __future__ import annotations

import re

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Finding, Severity
from msmigrate.mappings import load_mappings
from msmigrate.rules import all_rules, rule_by_code
from msmigrate.rules.api_difference.module_method_without_cell_namesake import CELL_EQUIVALENTS

TORCH_CODES = ("MSA100", "MSA101", "MSA102", "MSA103", "MSA104", "MSA105")
HEADER = "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n"


def findings(body: str, header: str = HEADER) -> list[Finding]:
    rules = tuple(rule for rule in all_rules() if rule.code in TORCH_CODES)
    return Engine(rules=rules).analyze(header + body).findings


def by_code(found: list[Finding]) -> dict[str, list[tuple[int, Severity]]]:
    result: dict[str, list[tuple[int, Severity]]] = {}
    for finding in found:
        result.setdefault(finding.code, []).append((finding.span.line - 3, finding.severity))
    return result


def test_a_300_call_file_gets_one_information_per_kind() -> None:
    body = "def run(model, batches, device):\n" + "".join(
        f"    y{i} = model(batches[{i}].to(device)).clamp_min(0.0)\n" for i in range(300)
    )
    found = by_code(findings(body))
    for code in ("MSA100", "MSA102"):
        severities = [severity for _, severity in found[code]]
        assert severities.count(Severity.INFORMATION) == 1, code
        assert severities.count(Severity.HINT) == 299, code
    assert set(found) == {"MSA100", "MSA102"}


def test_repeats_point_back_to_the_first_line() -> None:
    first, second = findings("a = torch.save(1, 'a')\nb = torch.save(2, 'b')\n")
    assert (first.severity, second.severity) == (Severity.INFORMATION, Severity.HINT)
    assert second.message.endswith("(as on line 4)")


def test_consistent_calls_and_mindspore_only_extras_get_nothing() -> None:
    body = "x = torch.cat([a, b])\nfc = nn.Linear(4, 2)\nopt = torch.optim.Adam(params, lr=1e-3)\ny = F.relu(x)\n"
    assert findings(body) == []


def test_differs_is_a_hint_with_parameters_and_a_pinned_doc_link_once_per_line() -> None:
    (finding,) = findings("rnn = nn.LSTM(8, 16, bias=True); rnn2 = nn.LSTM(8, 16)\n")
    assert finding.code == "MSA101" and finding.severity is Severity.HINT
    assert "bias → has_bias" in finding.message
    assert "https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/LSTM.html" in finding.message


@pytest.mark.parametrize(
    "body,present",
    [
        ("p = nn.Parameter(torch.ones(2))\n", False),  # mindspore.Parameter
        ("y = x.random_()\n", False),  # mindspore.Tensor.random_ exists in 2.10
        ("y = x.permute(1, 0)\n", False),
        ("y = x.clamp_min(0)\n", True),
        ("torch.save(m, 'm.pt')\n", True),
        ("nn.init.zeros_(w)\n", True),
        ("items = data.copy()\n", False),  # a built-in method name says nothing
    ],
)
def test_without_counterpart(body: str, present: bool) -> None:
    assert any(f.code == "MSA100" for f in findings(body)) is present


@pytest.mark.parametrize(
    "body,flagged",
    [
        ("d = torch.device('cuda')\n", True),
        ("ok = torch.cuda.is_available()\n", True),
        ("y = x.cuda()\n", True),
        ("y = x.to(device)\n", True),
        ("y = x.to(self.device)\n", True),
        ("y = x.to('cuda:0')\n", True),
        ("y = x.to(torch.device('cpu'))\n", True),
        ("y = x.to(x.device, dtype=torch.float16)\n", True),
        ("y = x.to(torch.float16)\n", False),
        ("y = x.to(other)\n", False),
    ],
)
def test_device_placement(body: str, flagged: bool) -> None:
    assert any(f.code == "MSA102" for f in findings(body)) is flagged


def test_no_grad_as_context_called_decorator_and_bare_decorator() -> None:
    body = (
        "@torch.no_grad()\ndef a():\n    pass\n"
        "@torch.inference_mode\ndef b():\n    with torch.enable_grad():\n        pass\n"
    )
    assert [(f.span.line - 3, f.code) for f in findings(body)] == [
        (1, "MSA103"),
        (4, "MSA103"),
        (6, "MSA103"),
    ]


def test_backward_mentions_retain_graph_only_when_given() -> None:
    plain, retained = findings("loss.backward()\nloss.backward(retain_graph=True)\n")
    assert "retain_graph" not in plain.message
    assert "`retain_graph` has no counterpart" in retained.message
    assert plain.severity is retained.severity is Severity.INFORMATION


def test_cell_equivalents_name_methods_the_installed_cell_has() -> None:
    mappings = load_mappings()
    for torch_method, advice in CELL_EQUIVALENTS.items():
        assert mappings.has_member(f"torch.nn.Module.{torch_method}") is True, torch_method
        cell_methods = re.findall(r"`(\w+)\(", advice)
        assert cell_methods, advice
        for cell_method in cell_methods:
            assert mappings.has_member(f"mindspore.nn.Cell.{cell_method}") is True, cell_method


def test_module_methods_the_cell_has_under_the_torch_name_are_silent() -> None:
    found = findings("sd = model.state_dict()\nmodel.load_state_dict(sd)\nmodel.eval()\n")
    assert [(f.code, f.span.line - 3) for f in found] == [("MSA105", 3)]


@pytest.mark.parametrize(
    "header",
    ["import mindspore\nfrom mindspore import nn\n", "import torch\nimport mindspore\nfrom torch import nn\n"],
    ids=["mindspore", "both"],
)
def test_torch_file_rules_stay_out_of_mindspore_files(header: str) -> None:
    body = "with torch.no_grad():\n    loss.backward()\n    model.eval()\n    torch.save(m, 'm')\n"
    assert findings(body, header) == []


def test_every_torch_file_rule_is_at_most_information() -> None:
    body = (
        "d = torch.device('cuda')\ntorch.save(m, 'a')\nr = nn.LSTM(1, 2)\nwith torch.no_grad():\n    pass\n"
        "loss.backward()\nmodel.eval()\n"
    )
    found = findings(body)
    assert {f.code for f in found} == set(TORCH_CODES)
    assert all(f.severity >= Severity.INFORMATION for f in found)
    assert all(rule_by_code(code) is not None for code in TORCH_CODES)
