"""MSG007 through the engine: shadowing, argument kinds, what the result feeds, messages, and the fixes."""

from __future__ import annotations

import textwrap

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.analysis.findings import Finding, FixSafety, Severity, Span
from msmigrate.analysis.settings import AnalysisSettings
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits

HEADER = "import mindspore as ms\nfrom mindspore import nn\n\n\n"


def findings(code: str, level: SyntaxLevel | None = None) -> list[Finding]:
    text = HEADER + textwrap.dedent(code)
    result = Engine(AnalysisSettings(select=("MSG007",), jit_syntax_level=level)).analyze(text)
    assert not result.rule_failures, result.rule_failures
    return result.findings


def in_construct(body: str, init: str = "") -> str:
    """`body` as `Net.construct`; its first line is line 7 of the analysed text when `init` is empty."""
    init_block = ""
    if init:
        init_lines = textwrap.indent("super().__init__()\n" + textwrap.dedent(init), " " * 8)
        init_block = f"    def __init__(self):\n{init_lines}\n"
    indented = textwrap.indent(textwrap.dedent(body), " " * 8)
    return f"class Net(nn.Cell):\n{init_block}    def construct(self, x):\n{indented}"


def only(code: str, level: SyntaxLevel | None = None) -> Finding:
    [finding] = findings(code, level)
    return finding


# -- what is the built-in -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "module_binding",
    [
        "from mindspore.ops import sort as sorted\n",
        "def sorted(values):\n    return values\n",
        "sorted = ms.ops.sort\n",
        "def my_sort(values):\n    return values\n\n\nsorted = my_sort\n",
        "sorted: object = None\n",
    ],
)
def test_module_level_binding_shadows_the_builtin(module_binding: str) -> None:
    assert findings(module_binding + "\n\n" + in_construct("return sorted(x[0])\n")) == []


@pytest.mark.parametrize(
    "binding",
    ["sorted = ms.ops.sort\n", "def sorted(v):\n    return v\n", "for sorted in (ms.ops.sort,):\n    pass\n"],
)
def test_local_binding_does_not_shadow_in_graph_mode(binding: str) -> None:
    finding = only(in_construct(binding + "return sorted(x[0])\n"), SyntaxLevel.LAX)
    assert finding.severity is Severity.ERROR
    assert finding.message == (
        "`sorted` in Net.construct is a local name, but graph mode calls the built-in `sorted()` here, "
        "which does not compile on the runtime value `x`: rename the local name"
    )


def test_local_name_on_constants_silently_calls_the_builtin() -> None:
    finding = only(in_construct("hex = ms.ops.abs\nreturn x * len(hex(3))\n"))
    assert finding.severity is Severity.WARNING
    assert "silently calls the built-in `hex()`" in finding.message


def test_local_next_is_honoured_because_mindspore_implements_next() -> None:
    assert findings(in_construct("next = ms.ops.abs\nreturn next(x)\n")) == []


def test_builtins_module_attribute_is_the_builtin() -> None:
    code = "import builtins\n\n\n" + in_construct("return builtins.sorted(x[0])[0] * x\n")
    finding = only(code, SyntaxLevel.STRICT)
    assert finding.span == Span(10, 15, 10, 30)


def test_methods_with_builtin_names_are_not_builtins() -> None:
    assert findings(in_construct("return self.sorted(x) + x.id()\n")) == []


# -- argument kinds -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        "return x * sorted([3, 1, 2])[0]\n",
        "width = x.shape[1]\nhalf, odd = divmod(width, 2)\nreturn x * half\n",
        "return x * (id(self) > 0) * len(dir(self)) * callable(self.act)\n",
        "return x * sorted(self.sizes)[0]\n",
        "return x * len(sorted((1, 2), key=lambda v: -v))\n",
        "return x * eval('2 ** 3')\n",
        "return x * len(memoryview(bytearray(2)))\n",
    ],
)
def test_constant_arguments_are_folded_and_not_reported(body: str) -> None:
    assert findings(in_construct(body, init="self.sizes = (3, 1, 2)\nself.act = nn.ReLU()\n")) == []


def test_inline_shape_is_a_runtime_value_to_the_folding_check() -> None:
    finding = only(in_construct("half, odd = divmod(x.shape[1], 2)\nreturn x * half\n"), SyntaxLevel.STRICT)
    assert finding.severity is Severity.ERROR
    assert finding.message == (
        "`divmod()` in Net.construct does not compile at jit_syntax_level STRICT: MindSpore evaluates it "
        "while compiling and `x` is a runtime value; use `//` and `%`, or bind the shape to a name first"
    )


def test_cell_list_is_runtime_but_sequential_cell_is_constant() -> None:
    init = "self.layers = nn.CellList([nn.ReLU()])\nself.stages = nn.SequentialCell([nn.ReLU()])\n"
    body = (
        "for layer in reversed(self.layers):\n    x = layer(x)\n"
        "for stage in reversed(self.stages):\n    x = stage(x)\nreturn x\n"
    )
    finding = only(in_construct(body, init), SyntaxLevel.STRICT)
    assert "`self.layers` is a runtime value" in finding.message


def test_unknown_arguments_get_a_hint_at_both_levels() -> None:
    code = """
    class Net(nn.Cell):
        def construct(self, x):
            return x * self.smallest(self.sizes)

        def smallest(self, sizes):
            return sorted(sizes)[0]
    """
    for level in (SyntaxLevel.STRICT, SyntaxLevel.LAX):
        finding = only(code, level)
        assert finding.severity is Severity.HINT
        assert "compiles only if its arguments are constants" in finding.message


def test_tensor_passed_to_a_helper_is_a_runtime_value() -> None:
    code = """
    class Net(nn.Cell):
        def construct(self, x):
            return self.smallest(x[0]) * x

        def smallest(self, row):
            return sorted(row)[0]
    """
    assert only(code, SyntaxLevel.STRICT).severity is Severity.ERROR


# -- what the result feeds, at LAX --------------------------------------------------------------------
@pytest.mark.parametrize(
    "body,severity,consequence",
    [
        ("for v in sorted((x[0, 0], x[1, 1])):\n    x = x * v\nreturn x\n", Severity.ERROR, "gradient fail"),
        ("return [v * 2 for v in reversed((x, x))][0]\n", Severity.WARNING, "wrong values"),
        ("if id(x) > 0:\n    return x\nreturn x * 2\n", Severity.HINT, "cannot be exported"),
        ("while hash(x) < 0:\n    x = x + 1\nreturn x\n", Severity.HINT, "cannot be exported"),
        ("assert callable(x)\nreturn x\n", Severity.HINT, "cannot be exported"),
        ("return x if repr(x) else x * 2\n", Severity.HINT, "cannot be exported"),
        ("return sorted(x[0])[0] * x\n", Severity.WARNING, "no gradient"),
    ],
)
def test_lax_severity_follows_where_the_result_goes(body: str, severity: Severity, consequence: str) -> None:
    finding = only(in_construct(body), SyntaxLevel.LAX)
    assert finding.severity is severity
    assert consequence in finding.message
    assert "runs in the Python interpreter at run time (JIT Fallback" in finding.message


def test_strict_is_an_error_wherever_the_result_goes() -> None:
    finding = only(in_construct("if id(x) > 0:\n    return x\nreturn x * 2\n"), SyntaxLevel.STRICT)
    assert finding.severity is Severity.ERROR


# -- the other behaviours -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body,severity_strict,severity_lax,text",
    [
        ("k = int(input())\nreturn x * k\n", Severity.WARNING, Severity.WARNING, "runs once, while the graph"),
        ("f = open('log.txt')\nreturn x\n", Severity.WARNING, Severity.WARNING, "runs once, while the graph"),
        ("return next(iter((x, x)))\n", Severity.WARNING, Severity.WARNING, "a pair (item, rest"),
        ("return x * len(locals())\n", Severity.WARNING, Severity.WARNING, "an empty namespace"),
        ("return x * eval('k')\n", Severity.ERROR, Severity.ERROR, "`k` is undefined"),
        ("return x * eval(self.expression)\n", Severity.HINT, Severity.HINT, "no variables in scope"),
        ("exec('y = 1')\nreturn x\n", Severity.ERROR, Severity.HINT, "exec()"),
        ("setattr(self, 'k', 1)\nreturn x\n", Severity.ERROR, Severity.HINT, "setattr()"),
        ("delattr(self, 'k')\nreturn x\n", Severity.ERROR, Severity.HINT, "delattr()"),
        ("return x * len(memoryview(b'ab'))\n", Severity.ERROR, Severity.ERROR, "bytes constant into a str"),
    ],
)
def test_behaviour_severities_at_both_levels(
    body: str, severity_strict: Severity, severity_lax: Severity, text: str
) -> None:
    strict = only(in_construct(body), SyntaxLevel.STRICT)
    lax = only(in_construct(body), SyntaxLevel.LAX)
    assert (strict.severity, lax.severity) == (severity_strict, severity_lax)
    assert text in strict.message and text in lax.message


def test_span_is_the_builtin_name_only() -> None:
    code = in_construct('label = "é😀"; first = next(iter((x, x)))\nreturn first\n')
    assert only(code).span == Span(7, 30, 7, 34)


def test_jit_function_is_lax_unless_fullgraph() -> None:
    code = """
    @ms.jit
    def plain(x):
        return sorted(x[0])[0] * x

    @ms.jit(fullgraph=True)
    def full(x):
        return sorted(x[0])[0] * x
    """
    plain, full = findings(code, SyntaxLevel.STRICT)
    assert plain.severity is Severity.WARNING and "JIT Fallback" in plain.message
    assert full.severity is Severity.ERROR and "STRICT" in full.message


def test_pynative_file_caps_to_hint() -> None:
    code = "ms.set_context(mode=ms.PYNATIVE_MODE)\n\n\n" + in_construct("return sorted(x[0])[0] * x\n")
    finding = only(code, SyntaxLevel.STRICT)
    assert finding.severity is Severity.HINT
    assert finding.message.endswith("(hint only: this file runs in PYNATIVE_MODE)")


def test_outside_graph_scope_nothing_is_reported() -> None:
    code = """
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.order = sorted({3, 1, 2})

        def construct(self, x):
            return x

    def helper(x):
        return sorted(x), next(iter(x)), open("f")
    """
    assert findings(code) == []


# -- fixes --------------------------------------------------------------------------------------------
def fixed(code: str, header: str = HEADER) -> tuple[str, FixSafety]:
    text = header + textwrap.dedent(code)
    [finding] = Engine(AnalysisSettings(select=("MSG007",))).analyze(text).findings
    [offer] = finding.fixes
    return apply_edits(text, compute_edits(text, finding, offer))[len(header) :], offer.safety


@pytest.mark.parametrize(
    "before,after,safety",
    [
        (
            "for t in reversed((x, x * 2)):  # newest first\n    x = x + t\nreturn x\n",
            "for t in (x, x * 2)[::-1]:  # newest first\n    x = x + t\nreturn x\n",
            FixSafety.SAFE,
        ),
        (
            "parts = [x, x]\nordered = tuple(reversed(parts))\nreturn ordered[0]\n",
            "parts = [x, x]\nordered = tuple(parts[::-1])\nreturn ordered[0]\n",
            FixSafety.SAFE,
        ),
        (
            "return [t * 2 for t in reversed((x, x))][0]\n",
            "return [t * 2 for t in (x, x)[::-1]][0]\n",
            FixSafety.SAFE,
        ),
        (
            "ordered = reversed((x, x * 2))\nreturn tuple(ordered)[0]\n",
            "ordered = (x, x * 2)[::-1]\nreturn tuple(ordered)[0]\n",
            FixSafety.UNSAFE,
        ),
        (
            "for i in reversed(range(x.shape[0])):\n    x = x + i\nreturn x\n",
            "for i in range(x.shape[0] - 1, -1, -1):\n    x = x + i\nreturn x\n",
            FixSafety.SAFE,
        ),
        (
            "for i in reversed(range(1, x.shape[0] + 1)):\n    x = x + i\nreturn x\n",
            "for i in range((x.shape[0] + 1) - 1, 0, -1):\n    x = x + i\nreturn x\n",
            FixSafety.SAFE,
        ),
    ],
)
def test_reversed_fixes(before: str, after: str, safety: FixSafety) -> None:
    assert fixed(in_construct(before)) == (in_construct(after), safety)


def test_reversed_cell_list_fix() -> None:
    init = "self.layers = nn.CellList([nn.ReLU()])\n"
    before = in_construct("for layer in reversed(self.layers):\n    x = layer(x)\nreturn x\n", init)
    after = in_construct("for layer in self.layers[::-1]:\n    x = layer(x)\nreturn x\n", init)
    assert fixed(before) == (after, FixSafety.SAFE)


def test_reversed_of_an_unknown_sequence_gets_no_fix() -> None:
    finding = only(in_construct("for t in reversed(x):\n    x = x + t\nreturn x\n"))
    assert finding.fixes == ()


def test_sorted_fix_reuses_the_mindspore_alias() -> None:
    text, safety = fixed(in_construct("return sorted(x[0], reverse=True)[0] * x\n"))
    assert safety is FixSafety.UNSAFE
    assert text == in_construct("return ms.ops.sort(x[0], descending=True)[0][0] * x\n")


def test_sorted_fix_imports_ops_after_the_other_imports() -> None:
    header = "from mindspore import nn\n\n\n"
    text = header + in_construct("return sorted(x[0])[0] * x  # smallest first\n")
    [finding] = Engine(AnalysisSettings(select=("MSG007",))).analyze(text).findings
    result = apply_edits(text, compute_edits(text, finding, finding.fixes[0]))
    assert result == "from mindspore import nn\nfrom mindspore import ops\n\n\n" + in_construct(
        "return ops.sort(x[0])[0][0] * x  # smallest first\n"
    )


def test_sorted_of_a_list_of_tensors_gets_no_fix() -> None:
    finding = only(in_construct("parts = [x[0, 0], x[0, 1]]\nreturn x * sorted(parts)[0]\n"))
    assert finding.fixes == ()
