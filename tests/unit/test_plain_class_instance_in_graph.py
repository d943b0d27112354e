"""MSG004 through the engine: which classes count, import forms, messages, levels, scope and the PYNATIVE cap."""

from __future__ import annotations

import textwrap

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.analysis.findings import Finding, Severity, Span
from msmigrate.analysis.settings import AnalysisSettings

HEADER = "import mindspore as ms\nfrom mindspore import nn\n\n\n"
BOX = """
class Box:
    def __init__(self, value):
        self.value = value

    def scaled(self, t):
        return t * self.value

    def keep(self, t):
        self.value = t
        return t

"""


def findings(code: str, level: SyntaxLevel | None = None, header: str = HEADER) -> list[Finding]:
    text = header + textwrap.dedent(code)
    result = Engine(AnalysisSettings(select=("MSG004",), jit_syntax_level=level)).analyze(text)
    assert not result.rule_failures, result.rule_failures
    return result.findings


def net(body: str, classes: str = BOX) -> str:
    """`classes`, then `Net` whose `construct(self, x)` has `body`."""
    indented = textwrap.indent(textwrap.dedent(body), " " * 8)
    return textwrap.dedent(classes) + f"\nclass Net(nn.Cell):\n    def construct(self, x):\n{indented}"


def covered(code: str, finding: Finding, header: str = HEADER) -> str:
    span = finding.span
    assert span.line == span.end_line
    line = (header + textwrap.dedent(code)).splitlines()[span.line - 1]
    return line[span.column : span.end_column]


@pytest.mark.parametrize(
    "level,severity,words",
    [
        (SyntaxLevel.STRICT, Severity.ERROR, "does not compile at jit_syntax_level STRICT"),
        (SyntaxLevel.LAX, Severity.WARNING, "no gradient flows through the instance"),
    ],
)
def test_instance_built_from_a_tensor(level: SyntaxLevel, severity: Severity, words: str) -> None:
    code = net("box = Box(x * 2)\nreturn box.value\n")
    [finding] = findings(code, level)
    assert finding.severity is severity
    assert covered(code, finding) == "Box(x * 2)"
    assert finding.message.startswith("`Box(...)` in Net.construct builds an instance of the plain class `Box`")
    assert words in finding.message


def test_keyword_argument_counts() -> None:
    [finding] = findings(net("return Box(value=x).value\n"), SyntaxLevel.STRICT)
    assert finding.severity is Severity.ERROR


@pytest.mark.parametrize(
    "body",
    [
        "return Box(3.0).scaled(x)\n",
        "return Box(x.shape[0]).scaled(x)\n",
        "return Box(len(x.shape)).scaled(x)\n",
        "box = Box(2.0)\nreturn box.scaled(x) + box.value\n",
    ],
)
def test_instances_of_constants_used_through_reading_methods_are_fine(body: str) -> None:
    assert findings(net(body), SyntaxLevel.STRICT) == []


@pytest.mark.parametrize("level", [SyntaxLevel.STRICT, SyntaxLevel.LAX])
def test_jit_class_from_a_tensor_fails_at_both_levels(level: SyntaxLevel) -> None:
    classes = """
    @ms.jit_class
    class Box:
        def __init__(self, value):
            self.value = value
    """
    [finding] = findings(net("return Box(x).value\n", classes), level)
    assert finding.severity is Severity.ERROR
    assert "`@jit_class` instance from a tensor" in finding.message
    assert "either syntax level" in finding.message


def test_jit_class_decorator_through_an_alias_import() -> None:
    header = "import mindspore\nfrom mindspore import jit_class as jc, nn\n\n\n"
    classes = """
    @jc
    class Box:
        def __init__(self, value):
            self.value = value
    """
    [finding] = findings(net("return Box(x).value\n", classes), SyntaxLevel.LAX, header)
    assert finding.severity is Severity.ERROR


def test_subclass_of_a_jit_class_is_a_jit_class() -> None:
    classes = """
    @ms.jit_class
    class Base:
        pass

    class Box(Base):
        def __init__(self, value):
            self.value = value
    """
    [finding] = findings(net("return Box(x).value\n", classes), SyntaxLevel.LAX)
    assert finding.severity is Severity.ERROR


@pytest.mark.parametrize(
    "classes",
    [
        "import dataclasses\n\n@dataclasses.dataclass\nclass Box:\n    value: object\n",
        "from dataclasses import dataclass\n\n@dataclass(frozen=True)\nclass Box:\n    value: object\n",
        "from typing import NamedTuple\n\nclass Box(NamedTuple):\n    value: object\n",
        "import typing\n\nclass Box(typing.NamedTuple):\n    value: object\n",
        "class Box(object):\n    def __init__(self, value):\n        self.value = value\n",
        "class Base:\n    pass\n\nclass Box(Base):\n    def __init__(self, value):\n        self.value = value\n",
    ],
)
def test_dataclasses_named_tuples_and_subclasses_are_plain(classes: str) -> None:
    [finding] = findings(net("return Box(x).value\n", classes), SyntaxLevel.LAX)
    assert finding.severity is Severity.WARNING


@pytest.mark.parametrize(
    "classes",
    [
        'from collections import namedtuple\n\nBox = namedtuple("Box", ["value"])\n',
        'import collections\n\nBox = collections.namedtuple("Box", "value")\n',
        'from typing import NamedTuple\n\nBox = NamedTuple("Box", [("value", object)])\n',
    ],
)
def test_namedtuple_types_are_plain(classes: str) -> None:
    code = net("return Box(x).value\n", classes)
    [strict] = findings(code, SyntaxLevel.STRICT)
    [lax] = findings(code, SyntaxLevel.LAX)
    assert (strict.severity, lax.severity) == (Severity.ERROR, Severity.WARNING)


def test_namedtuple_rebound_at_module_level_is_unknown() -> None:
    classes = 'from collections import namedtuple\n\nBox = namedtuple("Box", ["value"])\nBox = make_box_type()\n'
    assert findings(net("return Box(x).value\n", classes), SyntaxLevel.STRICT) == []


def test_a_parameter_is_not_known_to_hold_an_instance() -> None:
    # `box` is assigned a `Box` here, but the caller may pass anything.
    code = net("return self.fill(self.other, x)\n") + (
        "\n    def fill(self, box, x):\n        box.value = x\n        box = Box(1.0)\n        return x\n"
    )
    assert findings(code, SyntaxLevel.STRICT) == []


@pytest.mark.parametrize(
    "classes",
    [
        "class Box(nn.Cell):\n    def __init__(self, value):\n        super().__init__()\n",
        "class Base(nn.Cell):\n    pass\n\nclass Box(Base):\n    pass\n",
        "from mylib import Base\n\nclass Box(Base):\n    pass\n",
        "import abc\n\nclass Box(metaclass=abc.ABCMeta):\n    pass\n",
        "class Box(ms.Tensor):\n    pass\n",
        "from mylib import Box\n",
    ],
)
def test_cells_unknown_bases_and_imported_classes_are_not_flagged(classes: str) -> None:
    assert findings(net("return Box(x)\n", classes), SyntaxLevel.STRICT) == []


def test_a_local_name_shadowing_the_class_is_not_the_class() -> None:
    assert findings(net("Box = ms.Tensor\nreturn Box(x)\n"), SyntaxLevel.STRICT) == []


@pytest.mark.parametrize(
    "level,severity,words",
    [
        (SyntaxLevel.STRICT, Severity.ERROR, "only Parameters of the Cell may be assigned"),
        (SyntaxLevel.LAX, Severity.WARNING, "computes wrong values"),
    ],
)
def test_attribute_set_on_a_local_instance(level: SyntaxLevel, severity: Severity, words: str) -> None:
    code = net("box = Box(1.0)\nbox.value = x * 2\nreturn box.value\n")
    [finding] = findings(code, level)
    assert finding.severity is severity
    assert covered(code, finding) == "box.value"
    assert words in finding.message


def test_augmented_attribute_set_is_flagged() -> None:
    [finding] = findings(net("box = Box(1.0)\nbox.value += 1.0\nreturn x * box.value\n"), SyntaxLevel.LAX)
    assert finding.severity is Severity.WARNING


def test_name_bound_to_something_else_too_is_not_known() -> None:
    body = "box = Box(1.0)\nif x.shape[0] > 1:\n    box = self.other\nbox.value = x\nreturn x\n"
    assert findings(net(body), SyntaxLevel.STRICT) == []


@pytest.mark.parametrize(
    "level,severity,words",
    [
        (SyntaxLevel.STRICT, Severity.ERROR, "sets `self.value` of its `Box` instance"),
        (SyntaxLevel.LAX, Severity.WARNING, "state carries over from call to call"),
    ],
)
def test_mutating_method_on_a_local_instance(level: SyntaxLevel, severity: Severity, words: str) -> None:
    code = net("box = Box(1.0)\nreturn box.keep(x)\n")
    [finding] = findings(code, level)
    assert finding.severity is severity
    assert covered(code, finding) == "box.keep(x)"
    assert words in finding.message


def test_inherited_mutating_method_is_found() -> None:
    classes = BOX + "\nclass Child(Box):\n    pass\n"
    [finding] = findings(net("child = Child(1.0)\nreturn child.keep(x)\n", classes), SyntaxLevel.STRICT)
    assert "`child.keep()`" in finding.message


def test_static_and_class_methods_do_not_mutate_an_instance() -> None:
    classes = """
    class Box:
        @staticmethod
        def make(value):
            box = Box(value)
            box.value = value
            return box

        @classmethod
        def named(cls, value):
            cls.value = value
            return value
    """
    body = "box = Box()\nreturn x * box.make(2.0).value + box.named(1.0)\n"
    assert findings(net(body, classes), SyntaxLevel.STRICT) == []


INIT_NET = (
    BOX
    + """
class Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.box = Box(1.0)

    def construct(self, x):
        {body}
"""
)


@pytest.mark.parametrize(
    "body,level,severity",
    [
        ("self.box.value = x\n        return x", SyntaxLevel.STRICT, Severity.ERROR),
        ("self.box.value = x\n        return x", SyntaxLevel.LAX, Severity.WARNING),
        ("return self.box.keep(x)", SyntaxLevel.STRICT, Severity.ERROR),
        ("return self.box.keep(x)", SyntaxLevel.LAX, Severity.HINT),
    ],
)
def test_instance_built_in_init(body: str, level: SyntaxLevel, severity: Severity) -> None:
    [finding] = findings(INIT_NET.format(body=body), level)
    assert finding.severity is severity


def test_instance_built_in_init_of_a_base_cell() -> None:
    code = (
        INIT_NET.format(body="return x")
        + "\n\nclass Child(Net):\n    def construct(self, x):\n        self.box.value = x\n        return x\n"
    )
    [finding] = findings(code, SyntaxLevel.STRICT)
    assert "`self.box.value`" in finding.message


def test_reading_an_instance_built_in_init_is_fine() -> None:
    assert findings(INIT_NET.format(body="return self.box.scaled(x) + self.box.value"), SyntaxLevel.STRICT) == []


def test_outside_graph_scope_nothing_is_reported() -> None:
    code = textwrap.dedent(BOX) + "\n\ndef helper(x):\n    box = Box(x)\n    box.value = x\n    return box.keep(x)\n"
    assert findings(code, SyntaxLevel.STRICT) == []


def test_init_of_the_cell_is_not_graph_scope() -> None:
    code = (
        BOX
        + "\nclass Net(nn.Cell):\n    def __init__(self, x):\n        super().__init__()\n        self.box = Box(x)\n"
    )
    assert findings(code, SyntaxLevel.STRICT) == []


def test_callee_of_construct_gets_the_tensor_kind_of_its_arguments() -> None:
    code = net("return self.wrap(x * 2)\n") + "\n    def wrap(self, y):\n        return Box(y).value\n"
    [finding] = findings(code, SyntaxLevel.STRICT)
    assert "in Net.construct → self.wrap()" in finding.message


def test_jit_function_compiles_at_lax_and_fullgraph_at_strict() -> None:
    code = textwrap.dedent(BOX) + (
        "\n\n@ms.jit\ndef boxed(x):\n    return Box(x).value\n"
        "\n\n@ms.jit(fullgraph=True)\ndef boxed_fully(x):\n    return Box(x).value\n"
    )
    loose, strict = findings(code, SyntaxLevel.STRICT)
    assert loose.severity is Severity.WARNING
    assert strict.severity is Severity.ERROR


def test_capped_to_hint_in_a_pynative_file() -> None:
    code = net("return Box(x).value\n") + "\n\nms.set_context(mode=ms.PYNATIVE_MODE)\n"
    [finding] = findings(code, SyntaxLevel.STRICT)
    assert finding.severity is Severity.HINT
    assert finding.message.endswith("(hint only: this file runs in PYNATIVE_MODE)")


def test_span_counts_code_points() -> None:
    code = net('label = "é😀"; box = Box(x)\nreturn box.value\n')
    [finding] = findings(code, SyntaxLevel.STRICT)
    assert covered(code, finding) == "Box(x)"
    line = (HEADER + textwrap.dedent(code)).splitlines()[finding.span.line - 1]
    assert finding.span == Span(finding.span.line, line.index("Box(x)"), finding.span.line, line.index("Box(x)") + 6)
