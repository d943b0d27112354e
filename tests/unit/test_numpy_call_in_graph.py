"""MSG001 through the engine: import forms, what is not flagged, messages, levels, the PYNATIVE cap, fixes."""

from __future__ import annotations

import textwrap

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.analysis.findings import Finding, FixSafety, Severity, Span
from msmigrate.analysis.settings import AnalysisSettings
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits
from msmigrate.rules.graph_syntax._numpy_mappings import numpy_mappings

STRICT, LAX = SyntaxLevel.STRICT, SyntaxLevel.LAX


def analyze(text: str, level: SyntaxLevel | None = STRICT, code: str = "MSG001") -> list[Finding]:
    result = Engine(AnalysisSettings(select=(code,), jit_syntax_level=level)).analyze(textwrap.dedent(text))
    assert not result.rule_failures, result.rule_failures
    return result.findings


def net(imports: str, body: str) -> str:
    """A module with `imports` and a Cell whose `construct(self, x)` runs `body`."""
    indented = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
    return (
        f"{textwrap.dedent(imports).strip()}\nimport mindspore as ms\nfrom mindspore import nn\n\n\n"
        f"class Net(nn.Cell):\n    def construct(self, x):\n{indented}\n"
    )


def fixed(text: str, finding: Finding) -> str:
    [offer] = finding.fixes
    return apply_edits(text, compute_edits(text, finding, offer))


@pytest.mark.parametrize(
    "imports,call",
    [
        ("import numpy as np", "np.sin(x)"),
        ("import numpy", "numpy.sin(x)"),
        ("from numpy import sin", "sin(x)"),
        ("from numpy import sin as np_sin", "np_sin(x)"),
        ("import numpy.linalg as la", "la.norm(x)"),
        ("from numpy import linalg", "linalg.norm(x, axis=1)"),
        ("import scipy.special", "scipy.special.expit(x)"),
        ("from scipy import special as sp", "sp.expit(x)"),
        ("from math import exp", "exp(x.sum())"),
        ("import math as m", "m.exp(x.sum())"),
        ("import numpy as np", "np.concatenate([x, x], axis=0)"),
        ("import numpy as np", "np.where(x > 1, x, 0.0)"),
    ],
)
def test_host_call_on_a_tensor_is_reported_in_every_import_form(imports: str, call: str) -> None:
    text = net(imports, f"return {call} * 2")
    [finding] = analyze(text)
    assert finding.severity is Severity.ERROR
    line = text.splitlines()[finding.span.line - 1]
    assert line[finding.span.column : finding.span.end_column] == call


@pytest.mark.parametrize(
    "imports,body",
    [
        ("import mindspore.numpy as np", "return np.sin(x) * 2"),
        ("from mindspore import numpy as np", "return np.sum(x, axis=1)"),
        ("from mindspore.numpy import sin", "return sin(x)"),
        ("from mindspore import ops", "return ops.sin(x) + ops.tanh(x)"),
        ("import math", "return x / math.sqrt(x.shape[-1])"),
        ("import numpy as np", "return x / np.prod(x.shape) * np.sqrt(x.ndim)"),
        ("import numpy as np", "return x * ms.Tensor(np.ones((2, 3)), ms.float32)"),
        ("import numpy as np", "return x * ms.Tensor(np.array([1.0, 2.0, 3.0], np.float32))"),
        ("import operator", "return operator.add(x, x)"),
        ("import functools\nfrom mindspore import ops", "return functools.partial(ops.add, x)(x)"),
        ("import torch", "return torch.sin(x)"),
        ("import numpy as np", "return x + ms.Tensor(np.random.normal(size=x.shape), ms.float32)"),
        ("import random", "return x * random.random()"),
        ("import mylib", "return mylib.transform(x)"),
        ("import numpy as np", "return x.astype(np.float32) * np.float32(2.0)"),
    ],
)
def test_not_reported(imports: str, body: str) -> None:
    assert analyze(net(imports, body)) == []


def test_static_values_from_init_are_not_tensors() -> None:
    text = """
    import math
    import numpy as np
    from mindspore import nn


    class Attention(nn.Cell):
        def __init__(self, dim, heads):
            super().__init__()
            self.head_dim = dim // heads
            self.heads = 4

        def construct(self, x):
            return x / math.sqrt(self.head_dim) / np.sqrt(self.heads)
    """
    assert analyze(text) == []


def test_not_reported_outside_graph_scope() -> None:
    text = """
    import numpy as np
    import mindspore as ms
    from mindspore import nn


    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.table = ms.Tensor(np.sin(ms.Tensor(np.ones(3))).astype(np.float32))

        def construct(self, x):
            return x * self.table


    def preprocess(x):
        return np.sin(x)
    """
    assert analyze(text) == []


def test_callee_is_reported_only_when_a_tensor_reaches_it() -> None:
    text = """
    import numpy as np
    from mindspore import nn


    class Net(nn.Cell):
        def construct(self, x):
            return self.activate(x) * self.scale(3)

        def activate(self, y):
            return np.tanh(y)

        def scale(self, n):
            return np.sqrt(n)
    """
    [finding] = analyze(text)
    assert finding.span.line == 11
    assert "in Net.construct → self.activate()" in finding.message


def test_messages_at_each_level() -> None:
    text = net("import numpy as np", "return np.sin(x) * 2")
    [strict] = analyze(text, STRICT)
    [lax] = analyze(text, LAX)
    assert strict.message == (
        "`np.sin()` on a tensor in Net.construct does not compile at jit_syntax_level STRICT, where host-library "
        "calls take constants only; use `ops.sin`"
    )
    assert lax.severity is Severity.WARNING
    assert lax.message == (
        "`np.sin()` on a tensor in Net.construct runs on the host through JIT Fallback: its numpy result carries "
        "no gradient (silently zero), and the network cannot be exported to MindIR; use `ops.sin`"
    )
    assert lax.category.value == "graph-syntax"
    assert lax.doc_url == "https://www.mindspore.cn/tutorials/en/r2.6.0/compile/static_graph.html"


def test_reduction_fails_at_lax_too() -> None:
    [finding] = analyze(net("import numpy as np", "return x - np.mean(x, axis=1, keepdims=True)"), LAX)
    assert finding.severity is Severity.ERROR
    assert "fails at LAX too (and in PyNative): numpy calls the tensor's own method with `out=None`" in finding.message
    assert finding.message.endswith("use `mindspore.numpy.mean`")


def test_tensor_with_a_numpy_operand_fails_at_lax() -> None:
    [left] = analyze(net("import numpy as np", "return x + np.exp(x)"), LAX)
    [right] = analyze(net("import numpy as np", "return np.exp(x) + x"), LAX)
    assert left.severity is Severity.ERROR
    assert "a tensor cannot take a numpy operand (`x + np.exp(x)` fails at LAX and in PyNative)" in left.message
    assert right.severity is Severity.WARNING


def test_math_result_is_not_called_a_numpy_array() -> None:
    [finding] = analyze(net("import math", "return x * math.exp(x.sum())"), LAX)
    assert finding.severity is Severity.WARNING
    assert "its result carries no gradient" in finding.message
    assert finding.message.endswith("use MindSpore operations")
    assert finding.fixes == ()


def test_discarded_result_is_a_hint_at_lax() -> None:
    text = net("import logging", 'logging.info("x = %s", x)\nreturn x')
    [strict] = analyze(text, STRICT)
    [lax] = analyze(text, LAX)
    assert strict.severity is Severity.ERROR
    assert lax.severity is Severity.HINT
    assert "runs on the host through JIT Fallback at every call" in lax.message


def test_clock_is_frozen_at_compile_time() -> None:
    for imports, call in (("import time", "time.time()"), ("from time import perf_counter", "perf_counter()")):
        [finding] = analyze(net(imports, f"return x * ({call} % 7)"), LAX)
        assert finding.severity is Severity.WARNING
        assert finding.message == (
            f"`{call[:-2]}()` in Net.construct is evaluated once, at compile time: every call of the graph sees "
            "the same value"
        )


def test_name_that_is_numpy_or_mindspore_numpy_is_a_hint_without_fix() -> None:
    text = """
    try:
        import mindspore.numpy as np
    except ImportError:
        import numpy as np
    from mindspore import nn


    class Net(nn.Cell):
        def construct(self, x):
            return np.sin(x) * 2
    """
    for level in (STRICT, LAX):
        [finding] = analyze(text, level)
        assert finding.severity is Severity.HINT
        assert "depending on which import ran" in finding.message
        assert finding.fixes == ()


def test_jit_function_compiles_at_lax_unless_fullgraph() -> None:
    text = """
    import numpy as np
    import mindspore as ms


    @ms.jit
    def plain(x):
        return np.sin(x)


    @ms.jit(fullgraph=True)
    def full(x):
        return np.sin(x)
    """
    plain, full = analyze(text, STRICT)
    assert plain.severity is Severity.WARNING
    assert full.severity is Severity.ERROR
    assert [finding.severity for finding in analyze(text, LAX)] == [Severity.WARNING, Severity.ERROR]


def test_pynative_file_caps_construct_but_not_jit_functions() -> None:
    text = """
    import numpy as np
    import mindspore as ms
    from mindspore import nn

    ms.set_context(mode=ms.PYNATIVE_MODE)


    class Net(nn.Cell):
        def construct(self, x):
            return np.sin(x)


    @ms.jit
    def step(x):
        return np.sin(x)
    """
    construct, jit_function = analyze(text, STRICT)
    assert construct.severity is Severity.HINT
    assert construct.message.endswith("(hint only: this file runs in PYNATIVE_MODE)")
    assert jit_function.severity is Severity.WARNING


def test_span_counts_code_points() -> None:
    text = net("import numpy as np", 'label = "é😀"; y = np.sin(x)\nreturn y')
    [finding] = analyze(text)
    line = text.splitlines()[finding.span.line - 1]
    column = line.index("np.sin")
    assert finding.span == Span(finding.span.line, column, finding.span.line, column + len("np.sin(x)"))


# -- fixes ------------------------------------------------------------------------------------------------
def test_fix_drops_the_tensor_wrapper_and_keeps_the_dtype_and_comments() -> None:
    text = textwrap.dedent(
        """\
        import numpy as np
        import mindspore as ms
        from mindspore import nn


        class Net(nn.Cell):
            def construct(self, x):
                # the comment above stays
                return ms.Tensor(np.sin(x), ms.float32) * 2  # and the one after
        """
    )
    [finding] = analyze(text)
    [offer] = finding.fixes
    assert offer.safety is FixSafety.SAFE
    assert offer.title == "Use `ops.sin` and drop the `Tensor(...)` wrapper"
    assert fixed(text, finding) == textwrap.dedent(
        """\
        import numpy as np
        import mindspore as ms
        from mindspore import nn


        class Net(nn.Cell):
            def construct(self, x):
                # the comment above stays
                return ms.ops.sin(x).astype(ms.float32) * 2  # and the one after
        """
    )


def test_fix_uses_an_existing_ops_import_and_a_dtype_keyword() -> None:
    text = textwrap.dedent(
        """\
        import numpy as np
        from mindspore import Tensor, nn, ops
        import mindspore


        class Net(nn.Cell):
            def construct(self, x):
                return Tensor(np.exp(x), dtype=mindspore.float16)
        """
    )
    [finding] = analyze(text)
    assert "        return ops.exp(x).astype(mindspore.float16)\n" in fixed(text, finding)


def test_fix_adds_the_ops_import_when_missing() -> None:
    text = textwrap.dedent(
        """\
        from numpy import tanh
        from mindspore import nn


        class Net(nn.Cell):
            def construct(self, x):
                return tanh(x)
        """
    )
    [finding] = analyze(text)
    assert fixed(text, finding) == textwrap.dedent(
        """\
        from numpy import tanh
        from mindspore import nn
        from mindspore import ops


        class Net(nn.Cell):
            def construct(self, x):
                return ops.tanh(x)
        """
    )


def test_fix_keeps_comments_inside_a_multiline_call() -> None:
    text = net(
        "import numpy as np",
        """
        y = np.maximum(
            x,  # activations
            0.0,
        )
        return y
        """,
    )
    [finding] = analyze(text)
    rewritten = "        y = ms.ops.maximum(\n            x,  # activations\n            0.0,\n        )\n"
    assert rewritten in fixed(text, finding)


@pytest.mark.parametrize(
    "imports,call,rewritten",
    [
        ("import numpy as np", "np.sum(x, axis=1, keepdims=True)", "ms.numpy.sum(x, axis=1, keepdims=True)"),
        ("import numpy as np", "np.max(x, 1)", "ms.numpy.amax(x, 1)"),
        ("import numpy as np", "np.prod(x, axis=0, keepdims=True)", "ms.ops.prod(x, axis=0, keep_dims=True)"),
        ("import numpy as np", "np.clip(x, a_min=0.0, a_max=1.0)", "ms.ops.clip(x, min=0.0, max=1.0)"),
        ("import numpy as np", "np.tril(x, k=1)", "ms.ops.tril(x, diagonal=1)"),
        ("import numpy as np", "np.arctan2(x, x)", "ms.ops.atan2(x, x)"),
        ("import numpy.linalg as la", "la.norm(x, axis=1)", "ms.numpy.norm(x, axis=1)"),
    ],
)
def test_fix_renames_function_and_keywords(imports: str, call: str, rewritten: str) -> None:
    text = net(imports, f"return {call}")
    [finding] = analyze(text)
    assert f"        return {rewritten}\n" in fixed(text, finding)


def test_no_wrapper_fix_where_it_would_drop_a_comment() -> None:
    text = net("import numpy as np", "return ms.Tensor(\n    np.sin(x),  # the data\n    ms.float32,\n)")
    [finding] = analyze(text)
    assert finding.fixes == ()
    inside = net("import numpy as np", "return ms.Tensor(np.sin(\n    x,  # the data\n))")
    [finding] = analyze(inside)
    assert "        return ms.ops.sin(\n            x,  # the data\n        )\n" in fixed(inside, finding)


def test_fix_imports_mindspore_numpy_as_mnp_not_as_numpy() -> None:
    text = textwrap.dedent(
        """\
        import numpy
        from mindspore import nn


        class Net(nn.Cell):
            def construct(self, x):
                return numpy.mean(x, axis=0)
        """
    )
    [finding] = analyze(text)
    result = fixed(text, finding)
    assert "import numpy\nfrom mindspore import nn\nimport mindspore.numpy as mnp\n" in result
    assert "        return mnp.mean(x, axis=0)\n" in result


@pytest.mark.parametrize(
    "body",
    [
        "return np.sin(x, out=None)",  # a keyword the counterpart lacks
        "return np.where(x > 1)",  # one-argument `where` is `nonzero`
        "return ms.Tensor(np.sin(x), ms.float32, (2, 3))",  # a wrapper argument the fix would lose
        "return scipy.special.expit(x)",  # no counterpart in the data
        "return np.sin(*[x])",
    ],
)
def test_no_fix_where_the_rewrite_would_lose_something(body: str) -> None:
    [finding] = analyze(net("import numpy as np\nimport scipy.special", body))
    assert finding.fixes == ()


def test_unsafe_rewrites_say_why() -> None:
    unsafe = [mapping.name for mapping in numpy_mappings().functions.values() if mapping.target and not mapping.safe]
    safe = [mapping.name for mapping in numpy_mappings().functions.values() if mapping.target and mapping.safe]
    assert safe, "the data must hold measured safe rewrites"
    for name in unsafe:
        assert numpy_mappings().functions[name].note, f"{name}: an unsafe rewrite says why in `note`"


def test_mapping_targets_name_mindspore_submodules() -> None:
    for mapping in numpy_mappings().functions.values():
        assert mapping.name.startswith("numpy.")
        if mapping.target is not None:
            assert mapping.target_package in ("ops", "numpy"), mapping.name
            assert mapping.min_positional <= mapping.positional, mapping.name
