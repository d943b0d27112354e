"""Which API a name stands for: imports, aliases, scopes, tensors, positions, and the jedi fallback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from msmigrate.analysis.api_names import (
    ApiUse,
    JediFallback,
    Resolution,
    UseKind,
    api_at,
    module_apis,
    parse_module,
)

REPO = Path(__file__).resolve().parents[2]


def uses_of(source: str) -> list[ApiUse]:
    text = textwrap.dedent(source)
    tree = parse_module(text)
    assert tree is not None
    return module_apis(tree, text).uses


def names_on_line(source: str, line: int) -> list[frozenset[str]]:
    return [use.names for use in uses_of(source) if use.name_span.line == line]


def at(source: str, needle: str, offset: int = 0, jedi: JediFallback | None = None) -> ApiUse | None:
    """The use at the first `needle` (its first character plus `offset`)."""
    text = textwrap.dedent(source)
    index = text.index(needle) + offset
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1)
    return api_at(text, line, column, jedi)


def test_direct_attribute_through_a_from_import() -> None:
    use = at("from torch import nn\nlayer = nn.Dropout(0.2)\n", "Dropout")
    assert use is not None
    assert use.names == {"torch.nn.Dropout"}
    assert use.kind is UseKind.CALL and use.resolution is Resolution.IMPORTS
    # The whole reference is hovered, the name part is where the cursor may be.
    assert (use.span.column, use.span.end_column) == (8, 18)
    assert (use.name_span.column, use.name_span.end_column) == (11, 18)


@pytest.mark.parametrize(
    ("source", "needle", "expected"),
    [
        ("from torch import nn as tnn\nlayer = tnn.Conv2d\n", "Conv2d", "torch.nn.Conv2d"),
        ("import torch.nn.functional as F\ny = F.relu(x)\n", "relu", "torch.nn.functional.relu"),
        ("from torch.nn import functional as F\ny = F.relu(x)\n", "relu", "torch.nn.functional.relu"),
        ("import torch.nn as nn\nnn.BatchNorm2d(8)\n", "BatchNorm2d", "torch.nn.BatchNorm2d"),
        ("import torch\ntorch.nn.functional.gelu(x)\n", "gelu", "torch.nn.functional.gelu"),
        ("from mindspore import ops\nops.transpose(x, (1, 0))\n", "transpose", "mindspore.ops.transpose"),
        ("import mindspore as ms\nms.nn.Dense(2, 3)\n", "Dense", "mindspore.nn.Dense"),
        # An alias assigned at module level, and an alias of that alias inside a function.
        (
            "from torch import nn\nLinear = nn.Linear\ndef f():\n    L = Linear\n    return L(2, 3)\n",
            "L(2",
            "torch.nn.Linear",
        ),
    ],
)
def test_aliases_resolve_to_the_qualified_name(source: str, needle: str, expected: str) -> None:
    use = at(source, needle)
    assert use is not None and use.names == {expected}


def test_conditional_imports_give_every_candidate() -> None:
    source = """\
    try:
        import torch.nn as nn
    except ImportError:
        import mindspore.nn as nn
    if FAST:
        from torch.nn import functional as F
    else:
        from mindspore import ops as F
    layer = nn.Dropout(0.5)
    y = F.relu(x)
    """
    assert names_on_line(source, 9) == [{"torch.nn.Dropout", "mindspore.nn.Dropout"}]
    assert names_on_line(source, 10) == [{"torch.nn.functional.relu", "mindspore.ops.relu"}]
    use = at(source, "Dropout")
    assert use is not None and use.torch_names == ("torch.nn.Dropout",)
    assert use.mindspore_names == ("mindspore.nn.Dropout",)


def test_parameters_and_local_assignments_shadow_imports_in_their_function() -> None:
    source = """\
    from torch import nn
    import torch.nn.functional as F

    def takes_a_parameter(nn):
        return nn.Dropout(0.5)

    def assigns_later():
        result = F.relu(x)
        F = make_functions()
        return result

    def sees_the_import():
        return nn.Dropout(0.5)

    def lambda_parameter():
        return lambda F: F.relu(1)

    def comprehension_variable(modules):
        return [nn.train() for nn in modules]
    """
    lines = {use.name_span.line for use in uses_of(source)}
    assert lines == {13}, "only the function that does not rebind `nn` names torch.nn.Dropout"


def test_class_bodies_hide_their_names_from_methods() -> None:
    source = """\
    from torch import nn

    class Net(nn.Module):
        nn = None
        relu = nn.ReLU

        def forward(self, x):
            return nn.ReLU()(x)
    """
    found = {use.name_span.line: use.names for use in uses_of(source)}
    assert found == {3: {"torch.nn.Module"}, 8: {"torch.nn.ReLU"}}


def test_global_declaration_reads_the_module_binding() -> None:
    source = """\
    from torch import nn

    def reset():
        global nn
        nn = None

    def build():
        return nn.Linear(2, 3)
    """
    assert names_on_line(source, 8) == [{"torch.nn.Linear"}]


def test_modules_are_not_api_uses() -> None:
    source = """\
    import torch
    import torch.nn.functional as F
    from torch import nn
    activation = F
    module = nn
    library = torch
    """
    assert uses_of(source) == []
    assert at("from torch import nn\nx = nn.Dropout(0.1)\n", "nn.Dropout") is None


def test_star_import_resolves_only_names_the_mappings_know() -> None:
    source = """\
    from torch.nn import *
    layer = Conv2d(3, 8, 3)
    print(layer)
    """
    assert [use.names for use in uses_of(source)] == [{"torch.nn.Conv2d"}]


def test_use_kinds() -> None:
    source = """\
    import torch
    from torch import nn
    from torch.nn import Dropout

    class Net(nn.Module):
        @torch.no_grad()
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            act = torch.relu
            return act(x)
    """
    kinds = {(use.name_span.line, next(iter(use.names))): use.kind for use in uses_of(source)}
    assert kinds == {
        (3, "torch.nn.Dropout"): UseKind.IMPORT,
        (5, "torch.nn.Module"): UseKind.BASE,
        (6, "torch.no_grad"): UseKind.DECORATOR,
        (7, "torch.Tensor"): UseKind.ANNOTATION,
        (8, "torch.relu"): UseKind.REFERENCE,
        (9, "torch.relu"): UseKind.CALL,  # through the local alias `act`
    }


TENSORS = """\
import torch
from torch import nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.register_buffer("mask", torch.ones(4, 4))
        self.scale = dim ** -0.5

    def forward(self, x, training=False):
        q, k, v = self.qkv(x).split(8, dim=-1)
        scores = q @ k.transpose(-2, -1) * self.scale
        scores = scores.masked_fill(self.mask == 0, 0.0)
        batch, length = x.size()
        batch.transpose(0, 1)
        training.transpose(0, 1)
        self.qkv.weight.data.normal_()
        return F.softmax(scores, dim=-1).contiguous()


def helper(t: torch.Tensor, plain):
    plain.view(-1)
    return t.view(-1)


x = torch.randn(2, 3)
y = x.T.flip(0)
"""


def test_tensor_methods_only_on_values_known_to_be_tensors() -> None:
    found = sorted(
        (use.name_span.line, name)
        for use in uses_of(TENSORS)
        if use.resolution is Resolution.TENSOR_METHOD
        for name in use.names
    )
    assert found == [
        (14, "torch.Tensor.split"),  # the result of calling a layer stored on self
        (15, "torch.Tensor.transpose"),  # an element of an unpacked tensor result
        (16, "torch.Tensor.masked_fill"),  # a name assigned a tensor expression
        (17, "torch.Tensor.size"),  # an input of forward
        (20, "torch.Tensor.normal_"),  # the data of a layer's Parameter (`.data` itself is not in the tables)
        (21, "torch.Tensor.contiguous"),  # the result of a torch.nn.functional call
        (26, "torch.Tensor.view"),  # a parameter annotated as a tensor
        (30, "torch.Tensor.T"),  # a module-level tensor
        (30, "torch.Tensor.flip"),
    ], "not: sizes from x.size(), a defaulted argument, an unannotated parameter, self.scale"


def test_mindspore_construct_inputs_are_mindspore_tensors() -> None:
    source = """\
    import mindspore as ms
    from mindspore import nn, ops

    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.dense = nn.Dense(3, 4)

        def construct(self, x):
            y = ops.transpose(x, (1, 0))
            return self.dense(y).swapaxes(0, 1), x.asnumpy()
    """
    found = {name for use in uses_of(source) for name in use.names}
    assert {"mindspore.ops.transpose", "mindspore.Tensor.swapaxes", "mindspore.Tensor.asnumpy"} <= found
    assert not any(name.startswith("torch.") for name in found)


def test_import_statement_names_are_hoverable() -> None:
    use = at("from torch.nn import Dropout as Drop\n", "Dropout", 2)
    assert use is not None and use.names == {"torch.nn.Dropout"} and use.kind is UseKind.IMPORT
    assert at("import torch.nn.functional as F\n", "functional") is None


def test_columns_count_code_points() -> None:
    source = 'from torch import nn\nlabel = "é😀"; layer = nn.Dropout(0.1)\n'
    (use,) = uses_of(source)
    line = source.splitlines()[1]
    assert use.name_span.column == line.index("Dropout")
    assert at(source, "Dropout") == use


@pytest.mark.parametrize("name", sorted(path.name for path in (REPO / "tests/workspaces/pytorch_project").glob("*.py")))
def test_focused_lookup_agrees_with_the_whole_module(name: str) -> None:
    text = (REPO / "tests/workspaces/pytorch_project" / name).read_text(encoding="utf-8")
    tree = parse_module(text)
    assert tree is not None
    uses = module_apis(tree, text).uses
    assert len(uses) > 20
    for use in uses:
        focused = module_apis(tree, text, focus_line=use.name_span.line).at(use.name_span.line, use.name_span.column)
        assert focused == use, f"line {use.name_span.line}"


def test_syntax_error_without_jedi_gives_nothing() -> None:
    assert api_at("from torch import nn\nlayer = nn.Dropout(\n", 2, 12) is None


JEDI_SOURCE = """\
import torch
from torch import nn as tnn


def make() -> torch.Tensor:
    return torch.zeros(3, 4)


weights = make()
swapped = weights.transpose(0, 1)
"""


def test_jedi_infers_a_receiver_the_names_cannot() -> None:
    text = JEDI_SOURCE
    line = 10
    column = text.splitlines()[line - 1].index("transpose")
    assert api_at(text, line, column) is None, "the ast does not know what make() returns"
    use = api_at(text, line, column, JediFallback(budget_seconds=120))
    assert use is not None
    assert use.names == {"torch.Tensor.transpose"}
    assert use.resolution is Resolution.JEDI and use.kind is UseKind.CALL


def test_jedi_resolves_names_in_text_that_does_not_parse() -> None:
    text = JEDI_SOURCE + "layer = tnn.Conv2d(3, 8,\n"
    line = text.count("\n")
    column = text.splitlines()[line - 1].index("Conv2d") + 2
    use = api_at(text, line, column, JediFallback(budget_seconds=120))
    assert use is not None and use.names == {"torch.nn.Conv2d"}
    assert use.hover_span.column == text.splitlines()[line - 1].index("Conv2d")
    on_alias = api_at(text, line, column - 5, JediFallback(budget_seconds=120))
    assert on_alias is None, "`tnn` is a module"


def test_a_late_jedi_answer_is_kept_for_the_next_question() -> None:
    fallback = JediFallback(budget_seconds=0.0)
    text = JEDI_SOURCE
    line = 10
    column = text.splitlines()[line - 1].index("transpose")
    first = api_at(text, line, column, fallback)
    fallback.budget_seconds = 120
    second = api_at(text, line, column, fallback)
    assert first is None
    assert second is not None and second.names == {"torch.Tensor.transpose"}


def test_jedi_does_not_import_the_frameworks_in_this_process() -> None:
    program = textwrap.dedent(
        f"""
        import sys
        from msmigrate.analysis.api_names import JediFallback, api_at
        text = {JEDI_SOURCE!r}
        use = api_at(text, 10, text.splitlines()[9].index("transpose"), JediFallback(budget_seconds=120))
        assert use is not None, "jedi answered"
        loaded = sorted(name for name in ("torch", "mindspore") if name in sys.modules)
        assert not loaded, loaded
        """
    )
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=180)
    assert completed.returncode == 0, completed.stderr
