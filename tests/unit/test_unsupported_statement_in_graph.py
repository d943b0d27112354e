"""MSG006 through the engine: narrow spans, messages, levels, scope, the PYNATIVE cap and the fixes."""

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
    result = Engine(AnalysisSettings(select=("MSG006",), jit_syntax_level=level)).analyze(text)
    assert not result.rule_failures, result.rule_failures
    return result.findings


def in_construct(body: str) -> str:
    """`body` as the body of `Net.construct`; its first line is line 7 of the analysed text."""
    indented = textwrap.indent(textwrap.dedent(body), " " * 8)
    return f"class Net(nn.Cell):\n    def construct(self, x):\n{indented}"


def covered_text(code: str, finding: Finding) -> str:
    span = finding.span
    assert span.line == span.end_line
    line = (HEADER + textwrap.dedent(code)).splitlines()[span.line - 1]
    return line[span.column : span.end_column]


@pytest.mark.parametrize(
    "body,keyword",
    [
        ("try:\n    y = x\nexcept ValueError:\n    y = x * 2\nreturn y\n", "try"),
        ("y = x\ndel y\nreturn x\n", "del"),
        ("yield x\n", "yield"),
        ("yield from (x, x)\n", "yield"),
        ("import math\nreturn x * math.pi\n", "import"),
        ("from math import pi\nreturn x * pi\n", "from"),
        ("def inner():\n    nonlocal x\n    x = x * 2\ninner()\nreturn x\n", "nonlocal"),
        ("match 1:\n    case 1:\n        return x\n", "match"),
        ("class Box:\n    pass\nreturn x\n", "class"),
        ("if x.sum() > 0:\n    raise ValueError({'a': 1})\nreturn x\n", "raise"),
        ("return (y := x * 2) + y\n", "y :="),
        ("return x * len({1, 2})\n", "{1, 2}"),
        ("return x * len({i for i in (1, 2)})\n", "{i for i in (1, 2)}"),
        ("return x * sum(a * b for a in (1, 2) for b in (3, 4))\n", "for"),
        ("for i in (1, 2):\n    x = x + i\nelse:\n    x = x * 2\nreturn x\n", "else"),
        ("while x.sum() < 0:\n    x = x + 1\nelse: x = x * 2\nreturn x\n", "else"),
    ],
)
def test_reported_at_the_keyword_only(body: str, keyword: str) -> None:
    code = in_construct(body)
    [finding] = findings(code)
    assert covered_text(code, finding) == keyword
    assert finding.severity is Severity.ERROR


def test_second_for_of_a_comprehension_is_the_one_reported() -> None:
    code = in_construct("return x * [a * b for a in (1, 2) for b in (3, 4)][0]\n")
    [finding] = findings(code)
    line = (HEADER + code).splitlines()[6]
    second_for = line.index("for", line.index("for") + 1)
    assert finding.span == Span(7, second_for, 7, second_for + 3)


def test_async_def_is_reported_once_at_async() -> None:
    code = """
    class Net(nn.Cell):
        def construct(self, x):
            return self.helper(x)

        async def helper(self, x):
            async with x:
                await x
            return x
    """
    [finding] = findings(code)
    assert covered_text(code, finding) == "async"
    assert finding.span.line == 10


def test_columns_count_code_points_after_non_ascii_text() -> None:
    code = in_construct('label = "é😀"; del label\nreturn x\n')
    [finding] = findings(code)
    assert finding.span == Span(7, 22, 7, 25)  # code points: bytes would say 26


def test_message_names_scope_level_and_advice() -> None:
    [strict] = findings(in_construct("y = x\ndel y\nreturn x\n"), SyntaxLevel.STRICT)
    [lax] = findings(in_construct("y = x\ndel y\nreturn x\n"), SyntaxLevel.LAX)
    assert strict.message == (
        "`del` statement in Net.construct does not compile at jit_syntax_level STRICT: "
        "drop it; rebind the name or build a new list instead"
    )
    assert "does not compile, even at jit_syntax_level LAX" in lax.message
    assert lax.severity is Severity.ERROR


def test_jit_function_is_lax_unless_fullgraph() -> None:
    code = """
    @ms.jit
    def plain(x):
        del x

    @ms.jit(fullgraph=True)
    def full(x):
        del x
    """
    plain, full = findings(code, SyntaxLevel.STRICT)
    assert "plain" in plain.message and "LAX" in plain.message
    assert "full" in full.message and "STRICT" in full.message
    assert plain.severity is full.severity is Severity.ERROR


def test_pynative_file_caps_construct_to_hint_but_not_jit_functions() -> None:
    code = """
    ms.set_context(mode=ms.PYNATIVE_MODE)

    class Net(nn.Cell):
        def construct(self, x):
            del x

    @ms.jit
    def compiled(x):
        del x
    """
    in_cell, in_jit = findings(code)
    assert in_cell.severity is Severity.HINT
    assert in_cell.message.endswith("(hint only: this file runs in PYNATIVE_MODE)")
    assert in_jit.severity is Severity.ERROR


def test_outside_graph_scope_nothing_is_reported() -> None:
    code = """
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            try:
                import math
            except ImportError:
                pass
            self.sizes = {1, 2}

        def construct(self, x):
            return x

    def helper(x):
        del x
    """
    assert findings(code) == []


@pytest.mark.parametrize(
    "body",
    [
        "y: int = 2\nreturn x * y\n",
        "global COUNT\nreturn x\n",
        "f = lambda v: v * 2\nreturn f(x)\n",
        "assert x.shape[0] == 2, f'{x.shape}'\nreturn x\n",
        "first, *rest = (x, x)\nreturn first\n",
        "return x * [[a, a] for a in (1, 2)][0][0]\n",
        "return x * {a: a for a in (1, 2)}[1]\n",
        "for i in (1, 2):\n    x = x + i\nreturn x\n",
        "if x.shape[1] != 3:\n    raise ValueError({'cols': x.shape[1]})\nreturn x\n",
        "if x.sum() > 0:\n    raise ValueError('positive')\nreturn x\n",
        "with ms.something():\n    return x\n",
    ],
)
def test_forms_that_compile_on_2_10_are_not_reported(body: str) -> None:
    assert findings(in_construct(body)) == []


def test_raise_with_a_name_bound_to_a_dict() -> None:
    body = "details = dict(rows=2)\nif x.sum() > 0:\n    raise ValueError(details)\nreturn x\n"
    [finding] = findings(in_construct(body))
    assert finding.message.startswith("`raise` with a dict argument under a runtime condition in Net.construct")


def test_with_on_jit_class_is_supported_and_plain_class_is_not() -> None:
    code = """
    @ms.jit_class
    class Supported:
        def __enter__(self):
            return 1

        def __exit__(self, *args):
            return False

    class Plain:
        def __enter__(self):
            return 1

        def __exit__(self, *args):
            return False

    class Net(nn.Cell):
        def construct(self, x):
            with Supported():
                x = x * 2
            with Plain() as scale:
                x = x * scale
            return x
    """
    [finding] = findings(code)
    assert covered_text(code, finding) == "with"
    assert "`Plain`" in finding.message


def apply_first_fix(code: str, safety: FixSafety) -> str:
    text = HEADER + textwrap.dedent(code)
    [finding] = Engine(AnalysisSettings(select=("MSG006",))).analyze(text).findings
    [offer] = finding.fixes
    assert offer.safety is safety
    return apply_edits(text, compute_edits(text, finding, offer))[len(HEADER) :]


def test_set_membership_fix_writes_a_tuple_and_keeps_comments() -> None:
    code = in_construct("if x.shape[0] in {2, 3}:  # small batches\n    return x\nreturn x * 2\n")
    fixed = apply_first_fix(code, FixSafety.SAFE)
    assert fixed == in_construct("if x.shape[0] in (2, 3):  # small batches\n    return x\nreturn x * 2\n")


def test_single_element_set_becomes_a_one_tuple() -> None:
    fixed = apply_first_fix(in_construct("if x.shape[0] not in {2}:\n    return x\nreturn x\n"), FixSafety.SAFE)
    assert "if x.shape[0] not in (2,):" in fixed


@pytest.mark.parametrize(
    "body",
    ["group = {1, 2}\nreturn x * len(group)\n", "if x.shape[0] in {x.shape[1], 2}:\n    return x\nreturn x\n"],
)
def test_set_fix_only_for_constants_tested_with_in(body: str) -> None:
    [finding] = findings(in_construct(body))
    assert finding.fixes == ()


def test_classmethod_fix_makes_a_staticmethod() -> None:
    code = """
    class Net(nn.Cell):
        def construct(self, x):
            return self.doubled(x)

        @classmethod
        def doubled(cls, v):  # keeps this comment
            return v * 2
    """
    fixed = apply_first_fix(code, FixSafety.SAFE)
    assert fixed == textwrap.dedent(
        """
        class Net(nn.Cell):
            def construct(self, x):
                return self.doubled(x)

            @staticmethod
            def doubled(v):  # keeps this comment
                return v * 2
        """
    )


def test_classmethod_using_cls_gets_no_fix_and_inherited_one_is_found() -> None:
    code = """
    class Base(nn.Cell):
        factor = 2

        @classmethod
        def scaled(cls, v):
            return v * cls.factor

    class Net(Base):
        def construct(self, x):
            return self.scaled(x)
    """
    [finding] = findings(code)
    assert covered_text(code, finding) == "self.scaled"
    assert finding.fixes == ()


def test_classmethod_fix_finds_a_class_defined_under_a_condition() -> None:
    code = """
    if True:
        class Net(nn.Cell):
            def construct(self, x):
                return Net.doubled(x)

            @classmethod
            def doubled(cls, v):
                return v * 2
    """
    fixed = apply_first_fix(code, FixSafety.SAFE)
    assert "        @staticmethod\n        def doubled(v):\n" in fixed
