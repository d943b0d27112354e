"""Module facts: frameworks, qualified names, execution mode, syntax level and graph scope."""

from __future__ import annotations

import ast
import textwrap

import pytest

from msmigrate.analysis.engine import Engine, parse
from msmigrate.analysis.facts import (
    ExecutionMode,
    Framework,
    ModuleFacts,
    ScopeKind,
    SyntaxLevel,
    collect_facts,
)
from msmigrate.analysis.findings import SyntaxProblem
from msmigrate.analysis.values import ValueKind, value_kinds_of


def facts_of(code: str, level: SyntaxLevel | None = None) -> ModuleFacts:
    text = textwrap.dedent(code)
    tree = ast.parse(text)
    return collect_facts(tree, text, level)


def scope_names(facts: ModuleFacts) -> dict[str, ScopeKind]:
    return {function.name: scope.kind for function, scope in facts.graph_scopes.items()}


def expr(code: str) -> ast.expr:
    node = ast.parse(code, mode="eval").body
    return node


# -- frameworks ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "code,framework",
    [
        ("import torch", Framework.TORCH),
        ("from torch import nn", Framework.TORCH),
        ("import torchvision.models as m", Framework.TORCH),
        ("import mindspore as ms", Framework.MINDSPORE),
        ("from mindspore import nn", Framework.MINDSPORE),
        ("import torch\nimport mindspore", Framework.BOTH),
        ("try:\n    import torch\nexcept ImportError:\n    import mindspore as torch", Framework.BOTH),
        ("import numpy as np\n# mentions torch in a comment", Framework.NEITHER),
    ],
)
def test_framework(code: str, framework: Framework) -> None:
    assert facts_of(code).framework is framework


def test_file_naming_neither_framework_is_skipped_before_parsing() -> None:
    result = Engine().analyze("def f(:\n    pass\n")  # a syntax error, never parsed
    assert result.skipped_reason is not None
    assert result.syntax_problem is None


# -- qualified names ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "imports,expression,names",
    [
        ("import mindspore.nn as msnn", "msnn.Cell", {"mindspore.nn.Cell"}),
        ("from mindspore import nn as N", "N.Dense", {"mindspore.nn.Dense"}),
        ("from mindspore.ops import masked_select as sel", "sel", {"mindspore.ops.masked_select"}),
        ("import mindspore.ops", "mindspore.ops.masked_select", {"mindspore.ops.masked_select"}),
        ("import mindspore as ms", "ms.ops.sum", {"mindspore.ops.sum"}),
        ("from mindspore.ops import *", "masked_select", {"mindspore.ops.masked_select"}),
        ("import mindspore as ms\nTensor = ms.Tensor", "Tensor", {"mindspore.Tensor"}),
        (
            "try:\n    import torch.nn as nn\nexcept ImportError:\n    import mindspore.nn as nn",
            "nn.Dropout",
            {"torch.nn.Dropout", "mindspore.nn.Dropout"},
        ),
        ("from . import nn", "nn.Dense", set()),
        ("import mindspore as ms", "unknown.thing", set()),
    ],
)
def test_qualified_names(imports: str, expression: str, names: set[str]) -> None:
    facts = facts_of(imports)
    assert facts.imports.qualified_names(expr(expression)) == names


# -- execution mode and syntax level -----------------------------------------------------------------
@pytest.mark.parametrize(
    "code,mode,level",
    [
        ("import mindspore as ms", None, None),
        ("import mindspore as ms\nms.set_context(mode=ms.PYNATIVE_MODE)", ExecutionMode.PYNATIVE, None),
        (
            "import mindspore as ms\nms.set_context(mode=ms.GRAPH_MODE, jit_syntax_level=ms.STRICT)",
            ExecutionMode.GRAPH,
            SyntaxLevel.STRICT,
        ),
        (
            "from mindspore import context\ncontext.set_context(mode=context.PYNATIVE_MODE)",
            ExecutionMode.PYNATIVE,
            None,
        ),
        (
            "import mindspore\nmindspore.set_context(mode=1, jit_syntax_level='LAX')",
            ExecutionMode.PYNATIVE,
            SyntaxLevel.LAX,
        ),
        (
            "import mindspore as ms\ndef main():\n    ms.set_context(mode=ms.PYNATIVE_MODE)\n",
            ExecutionMode.PYNATIVE,
            None,
        ),
        # Contradicting settings (say, from a flag) leave the mode unknown.
        (
            "import mindspore as ms\nif a:\n    ms.set_context(mode=ms.GRAPH_MODE)\n"
            "else:\n    ms.set_context(mode=ms.PYNATIVE_MODE)",
            None,
            None,
        ),
    ],
)
def test_mode_and_level(code: str, mode: ExecutionMode | None, level: SyntaxLevel | None) -> None:
    facts = facts_of(code)
    assert facts.execution_mode is mode
    assert facts.file_syntax_level is level


def test_setting_level_wins_over_file_and_default() -> None:
    code = "import mindspore as ms\nms.set_context(jit_syntax_level=ms.STRICT)"
    assert facts_of(code).effective_level is SyntaxLevel.STRICT
    assert facts_of(code, SyntaxLevel.LAX).effective_level is SyntaxLevel.LAX
    assert facts_of("import mindspore").effective_level is SyntaxLevel.LAX  # MindSpore 2.10's default


# -- graph scope --------------------------------------------------------------------------------------
GRAPH_SCOPE_MODULE = """
import mindspore as ms
import mindspore.nn as msnn
from mindspore import nn as N, jit


class Base(msnn.Cell):
    def construct(self, x):
        return self.helper(x)

    def helper(self, x):
        return scale(x)

    def unused(self, x):
        return x


class Child(Base):
    def construct(self, x):
        return self.extra(x)

    def extra(self, x):
        return x


class Dense(N.Dense):
    def construct(self, x):
        return x


class NotACell:
    def construct(self, x):
        return x


def scale(x):
    return x * 2


@jit
def step(x):
    return double(x)


@ms.jit(fullgraph=True)
def strict_step(x):
    return x


@ms.jit(capture_mode="bytecode")
def bytecode_step(x):
    return x


def double(x):
    return x * 2


def wrapped(x):
    return x


fast = ms.jit(wrapped)


def plain(x):
    return x
"""


def test_graph_scope_roots_and_callees() -> None:
    facts = facts_of(GRAPH_SCOPE_MODULE)
    scopes = {
        (facts.class_of_method(f).node.name if facts.class_of_method(f) else "") + "." + f.name: s
        for f, s in facts.graph_scopes.items()
    }
    assert scopes["Base.construct"].kind is ScopeKind.CONSTRUCT
    assert scopes["Base.helper"].kind is ScopeKind.CALLEE
    assert scopes[".scale"].kind is ScopeKind.CALLEE
    assert scopes[".scale"].via == ("self.helper()", "scale()")
    assert scopes["Child.construct"].kind is ScopeKind.CONSTRUCT  # through an in-file Cell subclass
    assert scopes["Child.extra"].kind is ScopeKind.CALLEE
    assert scopes["Dense.construct"].kind is ScopeKind.CONSTRUCT  # a subclass of a MindSpore Cell class
    assert scopes[".step"].kind is ScopeKind.JIT_FUNCTION
    assert scopes[".double"].kind is ScopeKind.CALLEE
    assert scopes[".wrapped"].kind is ScopeKind.JIT_FUNCTION
    assert "Base.unused" not in scopes
    assert ".plain" not in scopes
    assert "NotACell.construct" not in scopes
    # Bytecode capture runs what it cannot compile eagerly: no graph-syntax errors to report.
    assert ".bytecode_step" not in scopes


def test_jit_function_levels_ignore_the_context_level() -> None:
    code = GRAPH_SCOPE_MODULE + "\nms.set_context(jit_syntax_level=ms.STRICT)\n"
    facts = facts_of(code)
    levels = {f.name: s.level for f, s in facts.graph_scopes.items() if not facts.class_of_method(f)}
    assert levels["step"] is SyntaxLevel.LAX  # measured on 2.10: plain @jit compiles at LAX
    assert levels["strict_step"] is SyntaxLevel.STRICT  # fullgraph=True behaves as STRICT
    construct_levels = {s.level for f, s in facts.graph_scopes.items() if f.name == "construct"}
    assert construct_levels == {SyntaxLevel.STRICT}


def test_pynative_file_caps_construct_but_not_jit() -> None:
    code = GRAPH_SCOPE_MODULE + "\nms.set_context(mode=ms.PYNATIVE_MODE)\n"
    facts = facts_of(code)
    capped = {f.name: s.capped_to_hint for f, s in facts.graph_scopes.items()}
    assert capped["construct"] is True
    assert capped["step"] is False


def test_no_graph_scope_in_torch_files() -> None:
    facts = facts_of("import torch\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return x\n")
    assert facts.graph_scopes == {}


# -- value kinds --------------------------------------------------------------------------------------
VALUES_MODULE = """
import mindspore as ms
from mindspore import nn, ops


class Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.dim = 4
        self.weight = ms.Parameter(ops.ones((2, 3)), name="weight")

    def construct(self, x, training=False):
        n = x.shape[0]
        half = n // 2
        y = self.helper(x, half)
        z = ops.relu(y)
        w = z + 1
        return w * self.weight + self.dim + len(x.shape)

    def helper(self, t, k):
        return t[:k]
"""


def test_value_kinds() -> None:
    facts = facts_of(VALUES_MODULE)
    construct = next(f for f in facts.graph_scopes if f.name == "construct")
    kinds = value_kinds_of(construct, facts, facts.imports)
    assert kinds is not None
    assert kinds.kind_of(expr("x")) is ValueKind.TENSOR
    assert kinds.kind_of(expr("training")) is ValueKind.UNKNOWN
    assert kinds.kind_of(expr("n")) is ValueKind.STATIC
    assert kinds.kind_of(expr("half")) is ValueKind.STATIC
    assert kinds.kind_of(expr("z")) is ValueKind.TENSOR
    assert kinds.kind_of(expr("w")) is ValueKind.TENSOR
    assert kinds.kind_of(expr("self.dim")) is ValueKind.STATIC
    assert kinds.kind_of(expr("self.weight")) is ValueKind.TENSOR
    assert kinds.kind_of(expr("len(x.shape)")) is ValueKind.STATIC
    helper = next(f for f in facts.graph_scopes if f.name == "helper")
    helper_kinds = value_kinds_of(helper, facts, facts.imports)
    assert helper_kinds is not None
    # A callee's parameters take the kinds its call sites pass.
    assert helper_kinds.kind_of(expr("t")) is ValueKind.TENSOR
    assert helper_kinds.kind_of(expr("k")) is ValueKind.STATIC


def test_recursive_callees_terminate() -> None:
    code = """
import mindspore as ms
from mindspore import nn

class Net(nn.Cell):
    def construct(self, x):
        return self.a(x)

    def a(self, x):
        return self.b(x)

    def b(self, x):
        return self.a(x)
"""
    facts = facts_of(code)
    for function in facts.graph_scopes:
        assert value_kinds_of(function, facts, facts.imports) is not None


# -- parsing ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["import mindspore\ndef f(:\n", "import torch\nx = 'é😀' +\n", "import torch\x00", "import torch\n" + "(" * 300],
)
def test_unparseable_text_gives_one_syntax_problem(text: str) -> None:
    problem = parse(text)
    assert isinstance(problem, SyntaxProblem)
    result = Engine().analyze(text)
    assert result.syntax_problem is not None
    assert result.findings == []
