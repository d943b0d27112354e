"""MSA010-MSA018: MindSpore defaults that differ from PyTorch's, and `transpose` given two axes.

Each rule is checked in the four call styles a mapping must survive (all positional, all keyword,
reordered keywords, defaults only), in a port of PyTorch code and in code written for MindSpore (where
the severity and the fix safety drop), and through its fix. What MindSpore 2.10 does with each call is
measured in tests/oracle/test_msa_default_claims.py.
"""

from __future__ import annotations

import ast

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.findings import Finding, FixSafety, Severity
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.rules.api_difference._ported_defaults import ported_from_torch

NATIVE = "import mindspore as ms\nfrom mindspore import nn, ops\n\n"
PORT = '"""Ported from the PyTorch model."""\n' + NATIVE


def findings(text: str, code: str) -> list[Finding]:
    result = Engine().analyze(text)
    assert result.syntax_problem is None
    assert not result.rule_failures, result.rule_failures
    return [finding for finding in result.findings if finding.code == code]


def in_init(*lines: str, header: str = PORT) -> str:
    body = "\n".join(f"        {line}" for line in lines)
    return f"{header}class Net(nn.Cell):\n    def __init__(self):\n        super().__init__()\n{body}\n"


def in_construct(*lines: str, header: str = PORT) -> str:
    body = "\n".join(f"        {line}" for line in lines)
    return f"{header}class Net(nn.Cell):\n    def construct(self, x, y):\n{body}\n        return x\n"


def only(text: str, code: str) -> Finding:
    (found,) = findings(text, code)
    return found


def fixed(text: str, found: Finding, index: int = 0) -> str:
    return apply_edits(text, compute_edits(text, found, found.fixes[index]))


# -- which files are ports --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ported"),
    [
        (NATIVE, False),
        (PORT, True),
        ("import torch\nimport mindspore\n", True),
        ("import mindspore\nx = 1  # torch: x.view(-1)\n", True),
        ("import mindspore\nclass Net:\n    def forward(self, x):\n        return x\n", True),
        ("import mindspore\n# torchvision-free; see torchaudio\n", False),
        ("import mindspore\ndef forward(x):\n    return x\n", False),
    ],
)
def test_a_port_is_a_file_that_names_pytorch_or_defines_forward(text: str, ported: bool) -> None:
    assert ported_from_torch(text) is ported


# -- MSA010 pooling stride --------------------------------------------------------------------------------

POOL_STYLES = {
    "positional": ("nn.MaxPool2d(2)", True),
    "keyword": ("nn.AvgPool1d(kernel_size=3)", True),
    "reordered": ('nn.MaxPool3d(pad_mode="same", kernel_size=2)', True),
    "defaults only": ("nn.MaxPool2d()", False),
    "stride positional": ("nn.AvgPool2d(3, 2)", False),
    "stride keyword": ("nn.MaxPool2d(stride=1, kernel_size=3)", False),
    "unit kernel": ("nn.MaxPool2d((1, 1))", False),
    "spread": ("nn.MaxPool2d(2, **options)", False),
    "mint": ("ms.mint.nn.MaxPool2d(2)", False),
    "functional": ("ops.avg_pool2d(x, 2)", True),
    "functional stride": ("ops.avg_pool2d(x, kernel_size=2, stride=2)", False),
    "max_pool3d stride None": ("ops.max_pool3d(x, 2)", False),
}


@pytest.mark.parametrize(("call", "flagged"), POOL_STYLES.values(), ids=POOL_STYLES.keys())
def test_pooling_stride_default_in_every_call_style(call: str, flagged: bool) -> None:
    text = in_construct("options = {}", f"pooled = {call}")
    assert len(findings(text, "MSA010")) == int(flagged)


def test_pooling_stride_is_a_warning_with_a_safe_fix_in_a_port_and_information_elsewhere() -> None:
    port = in_init("self.pool = nn.MaxPool2d(kernel_size=3)")
    found = only(port, "MSA010")
    assert found.severity is Severity.WARNING
    assert "stride defaults to the kernel size" in found.message
    assert found.fixes[0].safety is FixSafety.SAFE
    assert "nn.MaxPool2d(kernel_size=3, stride=3)" in fixed(port, found)

    native = in_init("self.pool = nn.MaxPool2d(kernel_size=3)", header=NATIVE)
    found = only(native, "MSA010")
    assert found.severity is Severity.INFORMATION
    assert found.fixes[0].safety is FixSafety.UNSAFE


def test_pooling_stride_fix_repeats_a_named_kernel_but_not_a_computed_one() -> None:
    text = in_construct("k = 3", "a = ops.avg_pool1d(x, k)", "b = nn.MaxPool1d(k * 2)")
    named, computed = findings(text, "MSA010")
    assert "ops.avg_pool1d(x, k, stride=k)" in fixed(text, named)
    assert "unless `k * 2` is 1" in computed.message
    assert computed.fixes == ()


# -- MSA011 pooling padding without pad_mode --------------------------------------------------------------

PADDING_STYLES = {
    "positional": ('nn.MaxPool2d(3, 2, "valid", 1)', Severity.ERROR),
    "keyword": ("nn.MaxPool2d(kernel_size=3, stride=2, padding=1)", Severity.ERROR),
    "reordered": ("nn.AvgPool3d(padding=1, kernel_size=3, stride=2)", Severity.ERROR),
    "defaults only": ("nn.MaxPool2d()", None),
    "ceil_mode on a max pool": ("nn.MaxPool1d(3, 2, ceil_mode=True)", Severity.ERROR),
    "ceil_mode on an average pool": ("nn.AvgPool1d(3, 2, ceil_mode=True)", None),
    "return_indices": ("nn.MaxPool2d(2, 2, return_indices=True)", Severity.ERROR),
    "same": ('nn.MaxPool2d(3, 2, pad_mode="same", padding=1)', Severity.ERROR),
    "pad": ('nn.MaxPool2d(3, 2, pad_mode="pad", padding=1)', None),
    "explicit defaults": ("nn.MaxPool2d(3, 2, padding=0, dilation=1)", None),
    "zero tuple on MaxPool2d": ("nn.MaxPool2d(3, 2, padding=(0, 0))", Severity.ERROR),
    "zero tuple on AvgPool2d": ("nn.AvgPool2d(3, 2, padding=(0, 0))", None),
    "a name": ("nn.MaxPool2d(3, 2, padding=p)", Severity.WARNING),
}


@pytest.mark.parametrize(("call", "severity"), PADDING_STYLES.values(), ids=PADDING_STYLES.keys())
def test_pooling_padding_without_pad_mode(call: str, severity: Severity | None) -> None:
    text = in_init("p = 1", f"self.pool = {call}")
    found = findings(text, "MSA011")
    assert [finding.severity for finding in found] == ([severity] if severity else [])


def test_pooling_padding_fix_adds_or_replaces_pad_mode() -> None:
    text = in_init("self.a = nn.MaxPool2d(3, 2, padding=1)", 'self.b = nn.AvgPool2d(3, 2, "same", 1)')
    first, second = findings(text, "MSA011")
    assert first.fixes[0].safety is FixSafety.SAFE
    assert 'nn.MaxPool2d(3, 2, padding=1, pad_mode="pad")' in fixed(text, first)
    assert 'nn.AvgPool2d(3, 2, "pad", 1)' in fixed(text, second)


def test_pooling_padding_named_with_pad_mode_same_gets_no_fix() -> None:
    found = only(in_init("p = 1", 'self.pool = nn.MaxPool2d(3, 2, pad_mode="same", padding=p)'), "MSA011")
    assert found.severity is Severity.WARNING
    assert found.fixes == ()


# -- MSA012 LayerNorm epsilon ------------------------------------------------------------------------------

EPSILON_STYLES = {
    "positional": ('nn.LayerNorm((8,), -1, -1, "ones", "zeros", 1e-5)', False),
    "keyword": ("nn.LayerNorm(normalized_shape=(8,), epsilon=1e-5)", False),
    "reordered": ("nn.LayerNorm(epsilon=1e-5, normalized_shape=(8,))", False),
    "defaults only": ("nn.LayerNorm((8,))", True),
    "torch keyword (MSA020 renames it)": ("nn.LayerNorm((8,), eps=1e-5)", False),
}


@pytest.mark.parametrize(("call", "flagged"), EPSILON_STYLES.values(), ids=EPSILON_STYLES.keys())
def test_layer_norm_epsilon_default(call: str, flagged: bool) -> None:
    assert len(findings(in_init(f"self.norm = {call}"), "MSA012")) == int(flagged)


def test_layer_norm_epsilon_is_information_in_a_port_and_a_hint_elsewhere() -> None:
    port = in_init("self.norm = nn.LayerNorm((8,))")
    found = only(port, "MSA012")
    assert (found.severity, found.fixes[0].safety) == (Severity.INFORMATION, FixSafety.SAFE)
    assert "nn.LayerNorm((8,), epsilon=1e-05)" in fixed(port, found)
    found = only(in_init("self.norm = nn.LayerNorm((8,))", header=NATIVE), "MSA012")
    assert (found.severity, found.fixes[0].safety) == (Severity.HINT, FixSafety.UNSAFE)


def test_the_generic_rule_renames_torch_keywords_from_the_data() -> None:
    """`eps=` and `negative_slope=` are MSA020's, with the rename mappings/ records."""
    text = in_init("self.norm = nn.LayerNorm((8,), eps=1e-5)", "self.act = nn.LeakyReLU(negative_slope=0.1)")
    titles = [offer.title for finding in findings(text, "MSA020") for offer in finding.fixes]
    assert "Rename `eps=` to `epsilon=`" in titles
    assert "Rename `negative_slope=` to `alpha=`" in titles


# -- MSA013 LayerNorm int shape ----------------------------------------------------------------------------

SHAPE_STYLES = {
    "positional int": ("nn.LayerNorm(768, epsilon=1e-5)", Severity.ERROR),
    "keyword int": ("nn.LayerNorm(normalized_shape=768, epsilon=1e-5)", Severity.ERROR),
    "reordered int": ("nn.LayerNorm(epsilon=1e-5, normalized_shape=width)", Severity.ERROR),
    "local int": ("nn.LayerNorm(hidden, epsilon=1e-5)", Severity.ERROR),
    "attribute": ("nn.LayerNorm(config.width, epsilon=1e-5)", Severity.INFORMATION),
    "tuple": ("nn.LayerNorm((768,), epsilon=1e-5)", None),
    "list": ("nn.LayerNorm([width], epsilon=1e-5)", None),
    "annotated tuple": ("nn.LayerNorm(shape, epsilon=1e-5)", None),
    "local tuple": ("nn.LayerNorm(pair, epsilon=1e-5)", None),
}


@pytest.mark.parametrize(("call", "severity"), SHAPE_STYLES.values(), ids=SHAPE_STYLES.keys())
def test_layer_norm_shape_not_sequence(call: str, severity: Severity | None) -> None:
    text = (
        f"{PORT}class Net(nn.Cell):\n    def __init__(self, width: int, shape: tuple, config):\n"
        f"        super().__init__()\n        hidden = 64\n        pair = (8, 16)\n        self.norm = {call}\n"
    )
    assert [finding.severity for finding in findings(text, "MSA013")] == ([severity] if severity else [])


def test_layer_norm_shape_fix_wraps_the_value_in_a_tuple() -> None:
    text = in_init("self.norm = nn.LayerNorm(768, epsilon=1e-5)")
    found = only(text, "MSA013")
    assert found.fixes[0].safety is FixSafety.SAFE
    assert "nn.LayerNorm((768,), epsilon=1e-5)" in fixed(text, found)


def test_layer_norm_shape_of_unknown_type_is_left_alone_outside_a_port() -> None:
    assert findings(in_init("self.norm = nn.LayerNorm(config.width)", header=NATIVE), "MSA013") == []


# -- MSA014 LayerNorm axes ---------------------------------------------------------------------------------

AXES_STYLES = {
    "defaults only": ("nn.LayerNorm((8, 16))", Severity.ERROR),
    "positional": ("nn.LayerNorm((8, 16), 1, 1)", None),
    "keyword": ("nn.LayerNorm(normalized_shape=(8, 16), begin_norm_axis=1, begin_params_axis=1)", None),
    "reordered": ("nn.LayerNorm(begin_params_axis=2, begin_norm_axis=2, normalized_shape=[8, 16])", None),
    "norm axis left at -1": ("nn.LayerNorm((8, 16), begin_params_axis=1)", Severity.WARNING),
    "params axis left at -1": ("nn.LayerNorm((8, 16), begin_norm_axis=1)", Severity.ERROR),
    "negative axes": ("nn.LayerNorm((8, 16), -2, -2)", Severity.ERROR),
    "one axis": ("nn.LayerNorm((16,))", None),
}


@pytest.mark.parametrize(("call", "severity"), AXES_STYLES.values(), ids=AXES_STYLES.keys())
def test_layer_norm_axes(call: str, severity: Severity | None) -> None:
    found = findings(in_init(f"self.norm = {call}"), "MSA014")
    assert [finding.severity for finding in found] == ([severity] if severity else [])
    assert all(finding.fixes == () for finding in found)


# -- MSA015 LeakyReLU, MSA016 GELU, MSA017 SmoothL1Loss ----------------------------------------------------

DEFAULT_STYLES = {
    "LeakyReLU positional": ("MSA015", "nn.LeakyReLU(0.01)", None),
    "LeakyReLU keyword": ("MSA015", "nn.LeakyReLU(alpha=0.01)", None),
    "LeakyReLU defaults only": ("MSA015", "nn.LeakyReLU()", "nn.LeakyReLU(alpha=0.01)"),
    "leaky_relu positional": ("MSA015", "ops.leaky_relu(x, 0.01)", None),
    "leaky_relu reordered": ("MSA015", "ops.leaky_relu(alpha=0.01, input=x)", None),
    "leaky_relu defaults only": ("MSA015", "ops.leaky_relu(x)", "ops.leaky_relu(x, alpha=0.01)"),
    "GELU positional": ("MSA016", "nn.GELU(False)", None),
    "GELU keyword": ("MSA016", "nn.GELU(approximate=False)", None),
    "GELU defaults only": ("MSA016", "nn.GELU()", "nn.GELU(approximate=False)"),
    "SmoothL1Loss positional": ("MSA017", 'nn.SmoothL1Loss(1.0, "mean")', None),
    "SmoothL1Loss keyword": ("MSA017", 'nn.SmoothL1Loss(beta=1.0, reduction="mean")', None),
    "SmoothL1Loss reordered": ("MSA017", 'nn.SmoothL1Loss(reduction="sum", beta=0.5)', None),
    "SmoothL1Loss defaults only": ("MSA017", "nn.SmoothL1Loss()", 'nn.SmoothL1Loss(reduction="mean")'),
    "SmoothL1Loss beta only": ("MSA017", "nn.SmoothL1Loss(0.5)", 'nn.SmoothL1Loss(0.5, reduction="mean")'),
    "smooth_l1_loss defaults only": (
        "MSA017",
        "ops.smooth_l1_loss(x, y)",
        'ops.smooth_l1_loss(x, y, reduction="mean")',
    ),
    "smooth_l1_loss reordered": ("MSA017", 'ops.smooth_l1_loss(reduction="sum", target=y, input=x)', None),
}
PORT_SEVERITY = {"MSA015": Severity.WARNING, "MSA016": Severity.INFORMATION, "MSA017": Severity.WARNING}
NATIVE_SEVERITY = {"MSA015": Severity.INFORMATION, "MSA016": Severity.HINT, "MSA017": Severity.INFORMATION}


@pytest.mark.parametrize(("code", "call", "after_fix"), DEFAULT_STYLES.values(), ids=DEFAULT_STYLES.keys())
def test_defaults_in_every_call_style_and_their_fix(code: str, call: str, after_fix: str | None) -> None:
    port = in_construct(f"value = {call}")
    found = findings(port, code)
    if after_fix is None:
        assert found == []
        return
    (finding,) = found
    assert finding.severity is PORT_SEVERITY[code]
    assert finding.fixes[0].safety is FixSafety.SAFE
    repaired = fixed(port, finding)
    assert f"value = {after_fix}" in repaired
    assert findings(repaired, code) == []

    (native,) = findings(in_construct(f"value = {call}", header=NATIVE), code)
    assert native.severity is NATIVE_SEVERITY[code]
    assert native.fixes[0].safety is FixSafety.UNSAFE


@pytest.mark.parametrize(("value", "replacement"), [('"none"', "False"), ("'tanh'", "True")])
def test_gelu_torch_strings_are_errors_with_the_equivalent_bool(value: str, replacement: str) -> None:
    for header in (PORT, NATIVE):
        text = in_init(f"self.act = nn.GELU(approximate={value})", header=header)
        found = only(text, "MSA016")
        assert found.severity is Severity.ERROR
        assert found.fixes[0].safety is FixSafety.SAFE
        assert f"nn.GELU(approximate={replacement})" in fixed(text, found)


def test_gelu_other_strings_are_errors_without_a_fix() -> None:
    found = only(in_init('self.act = nn.GELU("erf")'), "MSA016")
    assert (found.severity, found.fixes) == (Severity.ERROR, ())


def test_mint_and_ops_gelu_follow_torch() -> None:
    text = in_construct("a = ms.mint.nn.GELU()", "b = ops.gelu(x)", "c = ms.mint.nn.SmoothL1Loss()")
    assert findings(text, "MSA016") == findings(text, "MSA017") == []


def test_a_layer_that_may_be_torch_s_is_left_alone() -> None:
    text = (
        "try:\n    from torch import nn\nexcept ImportError:\n    from mindspore import nn\n\n"
        "act = nn.LeakyReLU()\npool = nn.MaxPool2d(2)\nloss = nn.SmoothL1Loss()\n"
    )
    assert [finding.code for finding in Engine().analyze(text).findings if finding.code.startswith("MSA01")] == []


def test_multi_line_calls_keep_one_argument_per_line() -> None:
    text = in_init("self.pool = nn.MaxPool2d(", "    kernel_size=2,", "    ceil_mode=False,", ")")
    found = only(text, "MSA010")
    assert "            ceil_mode=False,\n            stride=2,\n        )" in fixed(text, found)


def test_a_single_argument_multi_line_call_keeps_one_argument_per_line() -> None:
    text = in_init("self.pool = nn.MaxPool2d(", "    kernel_size=2,", ")")
    found = only(text, "MSA010")
    assert "            kernel_size=2,\n            stride=2,\n        )" in fixed(text, found)


# -- MSA018 transpose --------------------------------------------------------------------------------------

TRANSPOSE_FUNCTION_STYLES = {
    "positional": ("ops.transpose(x, 1, 2)", "ops.swapaxes(x, 1, 2)"),
    "keyword": ("ops.transpose(x, dim0=1, dim1=2)", "ops.swapaxes(x, axis0=1, axis1=2)"),
    "reordered": ("ops.transpose(dim1=2, input=x, dim0=1)", "ops.swapaxes(axis1=2, input=x, axis0=1)"),
    "permutation": ("ops.transpose(x, (0, 2, 1))", None),
    "permutation keyword": ("ops.transpose(input=x, dims=(0, 2, 1))", None),
    "qualified": ("ms.ops.transpose(x, 0, 1)", "ms.ops.swapaxes(x, 0, 1)"),
    "mint": ("ms.mint.transpose(x, 0, 1)", None),
}


@pytest.mark.parametrize(
    ("call", "after_fix"), TRANSPOSE_FUNCTION_STYLES.values(), ids=TRANSPOSE_FUNCTION_STYLES.keys()
)
def test_ops_transpose_given_two_axes_is_an_error_fixed_by_swapaxes(call: str, after_fix: str | None) -> None:
    for text in (in_construct(f"z = {call}"), f"{NATIVE}z = {call}\n"):
        found = findings(text, "MSA018")
        if after_fix is None:
            assert found == []
            continue
        (finding,) = found
        assert finding.severity is Severity.ERROR
        assert finding.fixes[0].safety is FixSafety.SAFE
        repaired = fixed(text, finding)
        assert f"z = {after_fix}" in repaired
        assert findings(repaired, "MSA018") == []


def test_transpose_imported_by_name_becomes_swapaxes_imported_by_name() -> None:
    text = f"{NATIVE}from mindspore.ops import transpose\n\nz = transpose(x, 0, 1)\n"
    repaired = fixed(text, only(text, "MSA018"))
    assert "from mindspore.ops import swapaxes\n" in repaired
    assert "z = swapaxes(x, 0, 1)\n" in repaired
    ast.parse(repaired)


METHOD_READINGS = {
    "no 2-D permutation": ("x.transpose(1, 2)", Severity.ERROR, FixSafety.SAFE, FixSafety.SAFE),
    "identity on 2-D": ("x.transpose(0, 1)", Severity.WARNING, FixSafety.SAFE, FixSafety.UNSAFE),
    "identity, negative axes": ("x.transpose(-2, -1)", Severity.WARNING, FixSafety.SAFE, FixSafety.UNSAFE),
    "names": ("x.transpose(a, b)", Severity.WARNING, FixSafety.SAFE, FixSafety.UNSAFE),
    "swap on 2-D": ("x.transpose(1, 0)", Severity.HINT, FixSafety.SAFE, None),
    "swap, negative axes": ("x.transpose(-1, -2)", Severity.HINT, FixSafety.SAFE, None),
}


@pytest.mark.parametrize(
    ("call", "severity", "port_safety", "native_safety"), METHOD_READINGS.values(), ids=METHOD_READINGS.keys()
)
def test_tensor_transpose_with_two_axes_in_graph_code(
    call: str, severity: Severity, port_safety: FixSafety, native_safety: FixSafety | None
) -> None:
    port = in_construct("a, b = 0, 1", f"z = {call}")
    finding = only(port, "MSA018")
    assert finding.severity is severity
    assert finding.fixes[0].safety is port_safety
    assert "z = x.swapaxes(" in fixed(port, finding)
    native = findings(in_construct("a, b = 0, 1", f"z = {call}", header=NATIVE), "MSA018")
    assert [found.fixes[0].safety for found in native] == ([native_safety] if native_safety else [])


@pytest.mark.parametrize(
    "text",
    [
        in_construct("z = x.transpose(0, 2, 1)"),
        in_construct("z = x.transpose(dim0=0, dim1=1)"),
        in_construct("z = x.transpose((1, 0))"),
        in_construct("z = x.swapaxes(0, 1)"),
        # Outside graph code the method follows PyTorch (PyNative picks the (dim0, dim1) overload).
        f"{PORT}def helper(x):\n    return x.transpose(1, 2)\n",
        # The receiver is not known to be a tensor (a numpy array's transpose takes axes).
        f"{PORT}import numpy as np\nclass Net(nn.Cell):\n    def construct(self, x):\n"
        "        return np.ones((2, 3)).transpose(1, 0) + x\n",
        # A file that runs construct in PyNative mode.
        f"{PORT}ms.set_context(mode=ms.PYNATIVE_MODE)\nclass Net(nn.Cell):\n    def construct(self, x):\n"
        "        return x.transpose(1, 2)\n",
    ],
    ids=["permutation", "keywords", "tuple", "swapaxes", "pynative helper", "numpy receiver", "pynative file"],
)
def test_transpose_forms_that_mean_what_they_say_are_not_flagged(text: str) -> None:
    assert findings(text, "MSA018") == []


def test_messages_quote_the_code_as_written_after_non_ascii_text() -> None:
    text = in_construct('tag = "é😀"; z = ops.transpose(x, 0, -1) + nn.MaxPool2d(kernel_size=(2,  2))(x)')
    assert "`ops.swapaxes(x, 0, -1)`" in only(text, "MSA018").message
    assert "pass `stride=(2,  2)`" in only(text, "MSA010").message
