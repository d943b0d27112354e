"""MSG003 through the engine: import forms, generators, what is not flagged, messages, the PYNATIVE cap, fixes."""

from __future__ import annotations

import textwrap

import pytest

from msmigrate.analysis.engine import Engine
from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.analysis.findings import Finding, FixSafety, Severity
from msmigrate.analysis.settings import AnalysisSettings
from msmigrate.fixes import compute_edits
from msmigrate.fixes.core import apply_edits

STRICT, LAX = SyntaxLevel.STRICT, SyntaxLevel.LAX


def analyze(text: str, level: SyntaxLevel | None = STRICT, codes: tuple[str, ...] = ("MSG003",)) -> list[Finding]:
    result = Engine(AnalysisSettings(select=codes, jit_syntax_level=level)).analyze(textwrap.dedent(text))
    assert not result.rule_failures, result.rule_failures
    return result.findings


def net(imports: str, body: str, init: str = "") -> str:
    """A module with `imports` and a Cell whose `construct(self, x)` runs `body` (and `__init__`, `init`)."""
    indented = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
    constructor = ""
    if init:
        init_body = textwrap.indent(textwrap.dedent(init).strip("\n"), " " * 8)
        constructor = f"    def __init__(self):\n        super().__init__()\n{init_body}\n\n"
    return (
        f"{textwrap.dedent(imports).strip()}\nimport mindspore as ms\nfrom mindspore import nn\n\n\n"
        f"class Net(nn.Cell):\n{constructor}    def construct(self, x):\n{indented}\n"
    )


def fixed(text: str, finding: Finding) -> str:
    [offer] = finding.fixes
    return apply_edits(text, compute_edits(text, finding, offer))


@pytest.mark.parametrize(
    "imports,call",
    [
        ("import numpy as np", "np.random.normal(size=(2, 3))"),
        ("import numpy", "numpy.random.normal(size=(2, 3))"),
        ("import numpy.random as npr", "npr.normal(size=(2, 3))"),
        ("from numpy.random import normal", "normal(size=(2, 3))"),
        ("from numpy.random import normal as gaussian", "gaussian(size=(2, 3))"),
        ("from numpy import random", "random.normal(size=(2, 3))"),
        ("import numpy as np", "np.random.default_rng().normal(size=(2, 3))"),
        ("import numpy as np", "np.random.RandomState().rand(2, 3)"),
        ("import random", "random.random()"),
        ("import random as pyrandom", "pyrandom.uniform(0.5, 1.5)"),
        ("from random import gauss", "gauss(0.0, 1.0)"),
        ("import random", "random.Random().random()"),
        ("import numpy as np", "np.random.choice([1.0, 2.0])"),
    ],
)
def test_draw_is_reported_in_every_import_form(imports: str, call: str) -> None:
    text = net(imports, f"return x * ms.Tensor({call}, ms.float32)")
    for level in (STRICT, LAX):
        [finding] = analyze(text, level)
        assert finding.severity is Severity.WARNING
        line = text.splitlines()[finding.span.line - 1]
        assert line[finding.span.column : finding.span.end_column] == call


def test_generator_in_a_local_variable_is_reported_unless_seeded() -> None:
    unseeded = net("import numpy as np", "rng = np.random.default_rng()\nreturn x * ms.Tensor(rng.random((2, 3)))")
    seeded = net("import numpy as np", "rng = np.random.default_rng(42)\nreturn x * ms.Tensor(rng.random((2, 3)))")
    [finding] = analyze(unseeded)
    assert finding.message.startswith("`rng.random()` in Net.construct is drawn once, at compile time")
    assert analyze(seeded) == []


@pytest.mark.parametrize(
    "init",
    [
        "self.rng = np.random.default_rng(0)",
        "self.rng = np.random.RandomState(seed=1)",
        "self.rng = np.random.default_rng()",
    ],
)
def test_generator_kept_on_self_is_reported_seeded_or_not(init: str) -> None:
    text = net("import numpy as np", "return x * ms.Tensor(self.rng.uniform(0.5, 1.5, (2, 3)))", init=init)
    [finding] = analyze(text)
    assert finding.severity is Severity.WARNING


@pytest.mark.parametrize(
    "imports,body",
    [
        ("import numpy as np", "return x + ms.Tensor(np.random.default_rng(0).normal(size=(2, 3)))"),
        ("import numpy as np", "return x + ms.Tensor(np.random.RandomState(seed=3).rand(2, 3))"),
        ("import numpy as np", "np.random.seed(0)\nreturn x + ms.Tensor(np.random.rand(2, 3))"),
        ("import random", "random.seed(0)\nreturn x * random.random()"),
        ("import numpy as np", "np.random.seed(0)\nreturn x"),
        ("import numpy as np", "state = np.random.get_state()\nreturn x"),
        ("from mindspore import ops", "return x + ops.standard_normal(x.shape) * ops.rand(())"),
        ("from mindspore.ops import uniform", "return x * uniform((1,), ms.Tensor(0.0), ms.Tensor(1.0))"),
        ("import torch", "return x * torch.rand(1)"),
    ],
)
def test_not_reported(imports: str, body: str) -> None:
    assert analyze(net(imports, body)) == []


def test_numpy_seed_does_not_cover_python_random_nor_generators() -> None:
    text = net(
        "import random\nimport numpy as np",
        "np.random.seed(0)\nrng = np.random.default_rng()\nreturn x * random.random() * ms.Tensor(rng.random(3))",
    )
    assert [finding.message.split("`")[1] for finding in analyze(text)] == ["random.random()", "rng.random()"]


def test_not_reported_outside_graph_scope() -> None:
    text = """
    import numpy as np
    import mindspore as ms
    from mindspore import nn


    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.noise = ms.Tensor(np.random.normal(size=(2, 3)), ms.float32)

        def construct(self, x):
            return x + self.noise


    def augment(x):
        return x + np.random.normal(size=x.shape)
    """
    assert analyze(text) == []


def test_callee_draw_names_the_chain() -> None:
    text = """
    import random
    from mindspore import nn


    class Net(nn.Cell):
        def construct(self, x):
            return x * self.scale()

        def scale(self):
            return random.uniform(0.5, 1.5)
    """
    [finding] = analyze(text, LAX)
    assert finding.message == (
        "`random.uniform()` in Net.construct → self.scale() is drawn once, at compile time: every call of the "
        "graph returns the same values; draw with `ops.rand` instead"
    )


def test_messages_advise_the_operation_of_the_rewrite() -> None:
    [normal] = analyze(net("import numpy as np", "return x + ms.Tensor(np.random.normal(size=x.shape))"))
    [shuffle] = analyze(net("import random", "order = [0, 1, 2]\nrandom.shuffle(order)\nreturn x[:, ms.Tensor(order)]"))
    assert normal.message == (
        "`np.random.normal()` in Net.construct is drawn once, at compile time: every call of the graph returns "
        "the same values; draw with `ops.standard_normal` instead"
    )
    assert shuffle.message.endswith("index with a permutation from `ops.randperm(n)` instead")
    assert shuffle.fixes == ()


def test_draw_on_a_tensor_fails_at_strict_and_runs_each_call_at_lax() -> None:
    text = net("import numpy as np", "return ms.Tensor(np.random.normal(x), ms.float32)")
    [strict] = analyze(text, STRICT)
    [lax] = analyze(text, LAX)
    assert strict.severity is Severity.ERROR
    assert "does not compile at jit_syntax_level STRICT" in strict.message
    assert lax.severity is Severity.HINT
    assert "runs on the host through JIT Fallback at every call" in lax.message
    assert strict.fixes == lax.fixes == ()


def test_draw_reported_by_msg003_only() -> None:
    text = net("import numpy as np\nimport random", "return x * np.random.uniform(0.5, 1.5) * random.random()")
    codes = [finding.code for finding in analyze(text, codes=("MSG001", "MSG003"))]
    assert codes == ["MSG003", "MSG003"]


def test_name_that_may_be_mindspore_is_a_hint_without_fix() -> None:
    text = """
    try:
        from mindspore.ops import standard_normal as normal
    except ImportError:
        from numpy.random import normal
    from mindspore import nn


    class Net(nn.Cell):
        def construct(self, x):
            return x + normal(x.shape)
    """
    [finding] = analyze(text)
    assert finding.severity is Severity.HINT
    assert "depending on which import ran" in finding.message
    assert finding.fixes == ()


def test_pynative_file_caps_construct_but_not_jit_functions() -> None:
    text = """
    import random
    import mindspore as ms
    from mindspore import nn

    ms.set_context(mode=ms.PYNATIVE_MODE)


    class Net(nn.Cell):
        def construct(self, x):
            return x * random.random()


    @ms.jit
    def step(x):
        return x * random.random()
    """
    construct, jit_function = analyze(text)
    assert construct.severity is Severity.HINT
    assert construct.message.endswith("(hint only: this file runs in PYNATIVE_MODE)")
    assert jit_function.severity is Severity.WARNING


# -- fixes ------------------------------------------------------------------------------------------------
def test_fix_drops_the_wrapper_keeps_comments_and_adds_the_ops_import() -> None:
    text = textwrap.dedent(
        """\
        import numpy as np
        import mindspore
        from mindspore import nn


        class Noise(nn.Cell):
            def construct(self, x):
                # noise, fresh at every step
                return x + mindspore.Tensor(np.random.normal(size=x.shape), mindspore.float32)  # keep
        """
    )
    [finding] = analyze(text)
    [offer] = finding.fixes
    assert offer.safety is FixSafety.UNSAFE
    assert offer.title == (
        "Draw with `ops.standard_normal` at every call (another random stream) and drop the `Tensor(...)` wrapper"
    )
    assert fixed(text, finding) == textwrap.dedent(
        """\
        import numpy as np
        import mindspore
        from mindspore import nn


        class Noise(nn.Cell):
            def construct(self, x):
                # noise, fresh at every step
                return x + mindspore.ops.standard_normal(x.shape).astype(mindspore.float32)  # keep
        """
    )


@pytest.mark.parametrize(
    "imports,expression,rewritten",
    [
        (
            "import numpy as np",
            "2 * np.random.normal(1.0, 0.5, (2, 3))",
            "2 * (1.0 + 0.5 * ms.ops.standard_normal((2, 3)))",
        ),
        (
            "import numpy as np",
            "np.random.normal(scale=0.1, size=4) + 1",
            "(0.0 + 0.1 * ms.ops.standard_normal((4,))) + 1",
        ),
        ("import numpy as np", "np.random.randn(*x.shape)", "ms.ops.randn(*x.shape)"),
        ("import numpy as np", "np.random.rand()", "ms.ops.rand(())"),
        ("import numpy as np", "np.random.uniform(-1, 1, x.shape)", "((-1) + (1 - (-1)) * ms.ops.rand(x.shape))"),
        ("import numpy as np", "np.random.randint(10, size=3)", "ms.ops.randint(0, 10, (3,))"),
        ("import numpy as np", "np.random.randint(2, 9)", "ms.ops.randint(2, 9, ())"),
        ("import numpy as np", "np.random.permutation(x.shape[0])", "ms.ops.randperm(x.shape[0])"),
        ("import numpy as np", "np.random.default_rng().integers(0, 4, (2,))", "ms.ops.randint(0, 4, (2,))"),
        ("import random", "random.randint(1, 6)", "ms.ops.randint(1, 6 + 1, ())"),
        ("import random", "random.randrange(n)", None),
        ("import random", "random.gauss(mu=0.0, sigma=2.0)", "(0.0 + 2.0 * ms.ops.standard_normal(()))"),
        ("import random", "random.uniform(low, low + 1)", "(low + ((low + 1) - low) * ms.ops.rand(()))"),
    ],
)
def test_fix_output(imports: str, expression: str, rewritten: str | None) -> None:
    text = net(imports, f"n, low = 3, 0.5\nreturn x * {expression}")
    [finding] = analyze(text)
    if rewritten is None:
        assert finding.fixes == ()
        return
    assert f"        return x * {rewritten}\n" in fixed(text, finding)


def test_multiline_draw_is_rewritten_whole() -> None:
    text = net(
        "import numpy as np",
        """
        noise = ms.Tensor(
            np.random.normal(
                0.0,
                0.1,
                x.shape,
            )
        )
        return x + noise
        """,
    )
    [finding] = analyze(text)
    assert "        noise = 0.0 + 0.1 * ms.ops.standard_normal(x.shape)\n        return x + noise\n" in fixed(
        text, finding
    )


def test_no_fix_where_it_would_drop_a_comment() -> None:
    inside_draw = net("import numpy as np", "return x + ms.Tensor(np.random.normal(\n    0.0,  # centred\n    0.1,\n))")
    inside_wrapper = net("import random", "return x * ms.Tensor(\n    random.random(),  # a factor\n)")
    for text in (inside_draw, inside_wrapper):
        [finding] = analyze(text)
        assert finding.fixes == ()


@pytest.mark.parametrize(
    "call",
    [
        "np.random.permutation([0, 1, 2])",  # permutes a list, not range(n)
        "np.random.randint(low, 9)",  # not known to be an integer
        "np.random.normal(0.0, 1.0, size=(2, 3), extra=1)",
        "np.random.normal(**options)",
        "np.random.choice(3)",
    ],
)
def test_no_fix_where_the_template_does_not_fit(call: str) -> None:
    text = net("import numpy as np", f"low, options = 1, {{}}\nreturn x * ms.Tensor({call})")
    [finding] = analyze(text)
    assert finding.fixes == ()
