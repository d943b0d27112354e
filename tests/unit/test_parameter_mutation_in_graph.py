"""MSG008 through the engine: import forms, what counts, messages, scope, the PYNATIVE cap and the fix text."""

from __future__ import annotations

import textwrap

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.analysis.findings import Finding, FixSafety, Severity
from msmigrate.analysis.settings import AnalysisSettings
from msmigrate.fixes import FixError, compute_edits
from msmigrate.fixes.core import apply_edits

HEADER = "import numpy as np\nimport mindspore as ms\nfrom mindspore import nn\n"
WEIGHT = 'ms.Parameter(ms.Tensor(np.ones((2, 3), np.float32)), name="w")'


def findings(text: str, level: SyntaxLevel | None = None) -> list[Finding]:
    result = Engine(AnalysisSettings(select=("MSG008",), jit_syntax_level=level)).analyze(textwrap.dedent(text))
    assert not result.rule_failures, result.rule_failures
    return result.findings


def net(body: str, header: str = HEADER, weight: str = WEIGHT) -> str:
    """`header`, then `Net` with Parameter `self.w = weight` and `construct(self, x)` running `body`."""
    indented = textwrap.indent(textwrap.dedent(body), " " * 8)
    return (
        f"{header}\n\nclass Net(nn.Cell):\n    def __init__(self):\n        super().__init__()\n"
        f"        self.w = {weight}\n\n    def construct(self, x):\n{indented}"
    )


def covered(text: str, finding: Finding) -> str:
    span = finding.span
    assert span.line == span.end_line
    return textwrap.dedent(text).splitlines()[span.line - 1][span.column : span.end_column]


def fix_all(text: str) -> str:
    """Apply the offered fixes one at a time until none is left."""
    for _ in range(10):
        fixable = [finding for finding in Engine().analyze(text).findings if finding.fixes]
        if not fixable:
            return text
        finding = fixable[0]
        text = apply_edits(text, compute_edits(text, finding, finding.fixes[0]))
    raise AssertionError("fixes did not converge")


# -- what is reported -------------------------------------------------------------------------------
@pytest.mark.parametrize("level", [SyntaxLevel.STRICT, SyntaxLevel.LAX])
def test_set_data_fails_at_both_levels_and_offers_a_safe_fix(level: SyntaxLevel) -> None:
    text = net("self.w.set_data(x * 2)\nreturn self.w * x\n")
    [finding] = findings(text, level)
    assert finding.severity is Severity.ERROR
    assert covered(text, finding) == "self.w.set_data(x * 2)"
    assert finding.message == (
        "`self.w.set_data()` in Net.construct does not compile at either syntax level: graph mode has no "
        "`set_data`; use `ops.assign(self.w, value)`"
    )
    [offer] = finding.fixes
    assert offer.safety is FixSafety.SAFE


@pytest.mark.parametrize(
    "call", ["self.w.set_data(x, True)", "self.w.set_data(x, slice_shape=True)", "self.w.set_data(*x)"]
)
def test_set_data_with_more_than_the_value_gets_no_fix(call: str) -> None:
    [finding] = findings(net(f"{call}\nreturn x\n"), SyntaxLevel.STRICT)
    assert finding.fixes == ()


@pytest.mark.parametrize(
    "call,words",
    [
        ("self.w.init_data()", "initialize Parameters in `__init__`"),
        ("self.w.set_dtype(ms.float16)", "give the Parameter its dtype in `__init__`"),
        ("self.dense.weight.init_data()", "initialize Parameters in `__init__`"),
    ],
)
def test_other_parameter_methods(call: str, words: str) -> None:
    [finding] = findings(net(f"{call}\nreturn x\n"), SyntaxLevel.LAX)
    assert finding.severity is Severity.ERROR
    assert words in finding.message
    assert finding.fixes == ()


def test_methods_on_constants_are_not_parameters() -> None:
    assert findings(net("SETTINGS.set_data(1)\nreturn x\n"), SyntaxLevel.STRICT) == []


@pytest.mark.parametrize(
    "header,call",
    [
        (HEADER, 'ms.Parameter(x, name="p")'),
        (HEADER + "from mindspore import Parameter\n", 'Parameter(x, name="p")'),
        (HEADER + "from mindspore import Parameter as P\n", 'P(x, name="p")'),
        (HEADER + "import mindspore.common.parameter as parameter\n", "parameter.Parameter(x)"),
        (HEADER, "ms.ParameterTuple((self.w,))"),
        (HEADER + "from mindspore.common.initializer import initializer\n", 'initializer("ones", (2, 3))'),
        (HEADER + "from mindspore.common.initializer import initializer as init\n", 'init("ones", (2, 3))'),
        (HEADER, 'ms.common.initializer.initializer("ones", (2, 3))'),
    ],
)
def test_creation_through_any_import_form(header: str, call: str) -> None:
    text = net(f"p = {call}\nreturn x * p\n", header=header)
    for level in (SyntaxLevel.STRICT, SyntaxLevel.LAX):
        [finding] = findings(text, level)
        assert finding.severity is Severity.ERROR
        assert covered(text, finding) == call
        assert "does not compile at either syntax level" in finding.message


def test_parameter_of_an_initializer_is_reported_once() -> None:
    header = HEADER + "from mindspore.common.initializer import One, initializer\n"
    text = net('self.w = ms.Parameter(initializer(One(), (2, 3)), name="w")\nreturn x\n', header=header)
    [finding] = findings(text, SyntaxLevel.STRICT)
    assert finding.message.startswith("creating a `Parameter` in Net.construct")


def test_other_names_called_parameter_are_not_mindspore() -> None:
    header = HEADER + "from torch.nn import Parameter\n"
    assert findings(net("p = Parameter(x)\nreturn x\n", header=header), SyntaxLevel.STRICT) == []


@pytest.mark.parametrize("attribute", ["requires_grad", "data", "name"])
def test_setting_an_attribute_of_a_parameter(attribute: str) -> None:
    text = net(f"self.w.{attribute} = x\nreturn x\n")
    [finding] = findings(text, SyntaxLevel.LAX)
    assert finding.severity is Severity.ERROR
    assert covered(text, finding) == f"self.w.{attribute}"


def test_parameter_created_in_the_init_of_a_base_cell() -> None:
    text = (
        net("return x")
        + "\n\nclass Frozen(Net):\n    def construct(self, x):\n        self.w.requires_grad = False\n"
        + "        return x\n"
    )
    [finding] = findings(text, SyntaxLevel.STRICT)
    assert "in Frozen.construct" in finding.message


@pytest.mark.parametrize(
    "weight,value,severity",
    [
        (WEIGHT, "None", Severity.ERROR),
        ("ms.Parameter(ms.Tensor(1.0))", "None", Severity.ERROR),
        (WEIGHT, "2.0", Severity.ERROR),
        (WEIGHT, "-1", Severity.ERROR),
        ("ms.Parameter(ms.Tensor([1.0, 2.0]))", "0", Severity.ERROR),
        ('ms.Parameter(initializer("ones", (2, 3)))', "0.5", Severity.ERROR),
        ("ms.Parameter(ms.Tensor(np.arange(4)))", "0.5", Severity.ERROR),
        ("ms.Parameter(ms.Tensor(np.zeros(4)))", "0.5", Severity.ERROR),
        ("ms.Parameter(make_weight())", "0.5", Severity.HINT),
        ("ms.Parameter(ms.Tensor(1.0))", "3.0", None),
        ("ms.Parameter(default_input=ms.Tensor(0, ms.int32))", "3", None),
        ('ms.Parameter(initializer("zeros", ()))', "3.0", None),
    ],
)
def test_binding_a_parameter_to_none_or_a_number(weight: str, value: str, severity: Severity | None) -> None:
    header = HEADER + "from mindspore.common.initializer import initializer\n"
    text = net(f"self.w = {value}\nreturn x\n", header=header, weight=weight)
    reported = findings(text, SyntaxLevel.STRICT)
    assert [finding.severity for finding in reported] == ([severity] if severity else [])
    for finding in reported:
        assert covered(text, finding) == "self.w"


@pytest.mark.parametrize("statement", ["self.w = self.w + x", "self.w = x * 2", "self.w += x", "self.other = None"])
def test_binding_a_parameter_to_a_tensor_compiles(statement: str) -> None:
    assert findings(net(f"{statement}\nreturn x\n"), SyntaxLevel.STRICT) == []


def test_assign_itself_is_fine() -> None:
    header = HEADER + "from mindspore import ops\n"
    assert findings(net("ops.assign(self.w, x * 2)\nreturn self.w\n", header=header), SyntaxLevel.STRICT) == []


def test_outside_graph_scope_nothing_is_reported() -> None:
    text = HEADER + textwrap.dedent(
        f"""
        class Net(nn.Cell):
            def __init__(self):
                super().__init__()
                self.w = {WEIGHT}
                self.w.set_data(ms.Tensor(np.zeros((2, 3), np.float32)))
                self.w.requires_grad = False

            def construct(self, x):
                return self.w * x


        def reset(net):
            net.w.set_data(ms.Tensor(np.zeros((2, 3), np.float32)))
            net.w = ms.Parameter(ms.Tensor(np.zeros((2, 3), np.float32)), name="w")
        """
    )
    assert findings(text, SyntaxLevel.STRICT) == []


def test_helper_called_from_construct() -> None:
    text = net("self.update(x)\nreturn x\n") + "\n    def update(self, value):\n        self.w.set_data(value)\n"
    [finding] = findings(text, SyntaxLevel.STRICT)
    assert "in Net.construct → self.update()" in finding.message


def test_capped_to_hint_in_a_pynative_file() -> None:
    text = net("self.w.set_data(x)\nreturn x\n") + "\n\nms.set_context(mode=ms.PYNATIVE_MODE)\n"
    [finding] = findings(text, SyntaxLevel.STRICT)
    assert finding.severity is Severity.HINT
    assert finding.message.endswith("(hint only: this file runs in PYNATIVE_MODE)")


# -- the fix ----------------------------------------------------------------------------------------
def test_fix_uses_the_module_alias_without_adding_an_import() -> None:
    fixed = fix_all(net("self.w.set_data(x * 2)  # overwrite\nreturn self.w * x\n"))
    assert fixed == net("ms.ops.assign(self.w, x * 2)  # overwrite\nreturn self.w * x\n")


def test_fix_uses_an_imported_ops_alias() -> None:
    # The first import that reaches `mindspore.ops` names it.
    header = "import numpy as np\nfrom mindspore import nn, ops as P\nimport mindspore as ms\n"
    fixed = fix_all(net("self.w.set_data(x)\nreturn x\n", header=header))
    assert fixed == net("P.assign(self.w, x)\nreturn x\n", header=header)


def test_fix_adds_the_import_once_for_several_fixes() -> None:
    before = textwrap.dedent(
        '''\
        """Doc."""
        import numpy as np
        from mindspore import Parameter, Tensor, nn


        class Net(nn.Cell):
            def __init__(self):
                super().__init__()
                self.w = Parameter(Tensor(np.ones((2, 3), np.float32)), name="w")

            def construct(self, x):
                self.w.set_data(  # new weights
                    x * 2,  # doubled
                )
                self.w.set_data(data=self.w + x)  # again
                return self.w * x
        '''
    )
    after = textwrap.dedent(
        '''\
        """Doc."""
        import numpy as np
        from mindspore import Parameter, Tensor, nn
        from mindspore import ops


        class Net(nn.Cell):
            def __init__(self):
                super().__init__()
                self.w = Parameter(Tensor(np.ones((2, 3), np.float32)), name="w")

            def construct(self, x):
                ops.assign(  # new weights
                    self.w, x * 2,  # doubled
                )
                ops.assign(self.w, self.w + x)  # again
                return self.w * x
        '''
    )
    assert fix_all(before) == after


def test_fix_refuses_a_changed_text() -> None:
    text = net("self.w.set_data(x * 2)\nreturn x\n")
    [finding] = findings(text)
    [offer] = finding.fixes
    with pytest.raises(FixError):
        compute_edits(text.replace("self.w.set_data(x * 2)", "self.w.set_dtype(x * 2)"), finding, offer)
