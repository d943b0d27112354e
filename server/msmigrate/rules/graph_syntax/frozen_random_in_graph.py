"""MSG003: a numpy or Python random draw in graph scope, made once at compile time."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from msmigrate.analysis.facts import FunctionNode, SyntaxLevel
from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.analysis.values import ValueKind
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.graph_syntax._host_calls import (
    argument_values,
    arguments_of,
    comment_count,
    is_removable_wrapper,
    tensor_wrapper,
    wrapper_param,
)
from msmigrate.rules.graph_syntax._numpy_mappings import DrawMapping, NumpyMappings, numpy_mappings

FIX_ID = "random-draw-to-mindspore"
DRAW_PACKAGES = ("numpy.random.", "random.")
INTEGER_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)


@dataclass(frozen=True)
class Draw:
    name: str  # "numpy.random.normal", or "numpy.random.Generator.normal" for a generator's method
    through_generator: bool


class FrozenRandomInGraph(Rule):
    """numpy or Python randomness inside a graph-compiled function: drawn once, at compile time.

    **What it does**

    Flags random draws of numpy (`np.random.normal`, `np.random.rand`, a `default_rng()` or
    `RandomState` generator's methods) and of Python's `random` module (`random.random()`,
    `random.shuffle`, ...) inside `construct`, a `@mindspore.jit` function, or a function they call.

    **Why is this bad?**

    Graph mode evaluates host randomness while it compiles. Measured on MindSpore 2.10, at STRICT and
    LAX alike: `np.random.normal(size=x.shape)`, `np.random.rand`, `randn`, `uniform`, `randint`,
    `permutation`, `default_rng().normal`, a generator kept on `self`, `random.random()`,
    `random.randint`, `random.gauss`, `random.choice` and `random.shuffle` are drawn once, and every
    call of the network returns the same "random" values: noise, dropout masks and augmentations are
    frozen, silently. A draw whose arguments are tensors does not compile at STRICT; at LAX it runs
    on the host at every call (fresh values, but the network cannot be exported to MindIR).

    A draw from a generator seeded in the same call (`np.random.default_rng(0).normal(...)`), or after
    `np.random.seed(...)` in the same function, is not flagged: it gives the same values at every call
    in PyNative too.

    **Example**

    ```python
    class Noise(nn.Cell):
        def construct(self, x):
            return x + ms.Tensor(np.random.normal(size=x.shape), ms.float32)
    ```

    **Use instead**

    ```python
    class Noise(nn.Cell):
        def construct(self, x):
            return x + ops.standard_normal(x.shape)
    ```

    **Fix safety**

    Unsafe. The fix draws with MindSpore's random operations (`ops.standard_normal`, `ops.rand`,
    `ops.randn`, `ops.randint`, `ops.randperm`), as listed in `mappings/numpy_to_mindspore.toml`: the
    values come from another random stream (seeded by `mindspore.set_seed`), results are tensors rather
    than numpy arrays or Python numbers, and integer dtypes may differ. Measured: the rewritten
    examples draw fresh values at every call, at both levels.

    **References**

    https://www.mindspore.cn/tutorials/en/r2.6.0/compile/static_graph.html
    """

    code = "MSG003"
    category = Category.GRAPH_SYNTAX
    node_types = (ast.Call,)
    graph_scope_only = True

    def __init__(self) -> None:
        self._seeded: dict[FunctionNode, frozenset[str]] = {}
        self._generators = _Generators()

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        data = numpy_mappings()
        draw, ambiguous = _draw_of(node, context, data, self._generators)
        if draw is None:
            return
        if not draw.through_generator and self._seeded_package(draw.name, context, data):
            return
        values = context.values
        if values is None:
            return
        shown = f"`{ast.unparse(node.func)}()`"
        where = context.scope_description()
        mapping = data.draws.get(draw.name)
        variant = _variant_for(node, mapping)
        advice = _advice(mapping, variant)
        if ambiguous:
            message = (
                f"{shown} {where} is a host random draw or MindSpore's, depending on which import ran; "
                "a host draw is made once, at compile time"
            )
            context.report(node, message, Severity.HINT)
            return
        if any(values.kind_of(argument) is ValueKind.TENSOR for argument in argument_values(node)):
            if context.level is SyntaxLevel.STRICT:
                message = (
                    f"{shown} on a tensor {where} does not compile at jit_syntax_level STRICT, where host-library "
                    f"calls take constants only; {advice}"
                )
                context.report(node, message, Severity.ERROR)
            else:
                message = (
                    f"{shown} on a tensor {where} runs on the host through JIT Fallback at every call, "
                    f"and the network cannot be exported to MindIR; {advice}"
                )
                context.report(node, message, Severity.HINT)
            return
        message = (
            f"{shown} {where} is drawn once, at compile time: every call of the graph returns the same values; {advice}"
        )
        wrapper = tensor_wrapper(node, context.parent_of(node), context)
        fixes = _fixes(node, draw, mapping, variant, wrapper, context)
        context.report(node, message, Severity.WARNING, fixes=fixes)

    def _seeded_package(self, name: str, context: RuleContext, data: NumpyMappings) -> bool:
        """Whether the function seeds the package `name` draws from (`np.random.seed(0)`) itself."""
        function = context.function
        if function is None:
            return False
        seeded = self._seeded.get(function)
        if seeded is None:
            seeded = frozenset(
                seeding.rsplit(".", 1)[0]
                for call in context.facts.index_of(function).nodes
                if isinstance(call, ast.Call)
                for seeding in context.qualified_names(call.func) & data.random.seeding
            )
            self._seeded[function] = seeded
        return name.rsplit(".", 1)[0] in seeded


def _draw_of(
    node: ast.Call, context: RuleContext, data: NumpyMappings, generators: _Generators
) -> tuple[Draw | None, bool]:
    """The draw `node` makes (numpy's first, if its name is both), and whether the name may be MindSpore's."""
    names = context.qualified_names(node.func)
    draws = sorted(name for name in names if name.startswith(DRAW_PACKAGES) and name not in data.random.not_draws)
    if draws:
        return Draw(draws[0], through_generator=False), any(name.startswith("mindspore.") for name in names)
    if isinstance(node.func, ast.Attribute):
        generator = generators.class_of(node.func.value, context, data)
        if generator is not None:
            name = f"{generator}.{node.func.attr}"
            if name not in data.random.not_draws:
                return Draw(name, through_generator=True), False
    return None, False


class _Generators:
    """numpy / Python generator objects whose state does not carry over from call to call of the graph.

    A generator made and seeded in the same call (`default_rng(0)`, inline or in a local variable) draws
    the same values at every call in PyNative too, so it does not count; a generator kept on `self` does,
    seeded or not. Each function's assignments are read once.
    """

    def __init__(self) -> None:
        self._locals: dict[FunctionNode, dict[str, str]] = {}
        self._attributes: dict[FunctionNode, dict[str, str]] = {}

    def class_of(self, receiver: ast.expr, context: RuleContext, data: NumpyMappings) -> str | None:
        function = context.function
        if isinstance(receiver, ast.Call):
            constructor = _constructed_generator(receiver, context, data)
            return constructor if constructor is not None and not _is_seeded(receiver) else None
        if function is None:
            return None
        if isinstance(receiver, ast.Name):
            return self._assigned(self._locals, function, context, data, local=True).get(receiver.id)
        if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name) and receiver.value.id == "self":
            owner = context.facts.class_of_method(function)
            init = owner.methods.get("__init__") if owner is not None else None
            if init is not None:
                return self._assigned(self._attributes, init, context, data, local=False).get(receiver.attr)
        return None

    @staticmethod
    def _assigned(
        cache: dict[FunctionNode, dict[str, str]],
        function: FunctionNode,
        context: RuleContext,
        data: NumpyMappings,
        local: bool,
    ) -> dict[str, str]:
        """Local names (or `self.` attributes) that `function` binds to a generator, with its class."""
        found = cache.get(function)
        if found is not None:
            return found
        found = {}
        for node in context.facts.index_of(function).nodes:
            if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Call):
                continue
            constructor = _constructed_generator(node.value, context, data)
            if constructor is None or (local and _is_seeded(node.value)):
                continue
            for target in node.targets:
                if local and isinstance(target, ast.Name):
                    found[target.id] = constructor
                elif (
                    not local
                    and isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    found[target.attr] = constructor
        cache[function] = found
        return found


def _constructed_generator(value: ast.Call, context: RuleContext, data: NumpyMappings) -> str | None:
    for name in sorted(context.qualified_names(value.func)):
        generator = data.random.generators.get(name)
        if generator is not None:
            return generator
    return None


def _is_seeded(constructor: ast.Call) -> bool:
    seeds = [*constructor.args, *(keyword.value for keyword in constructor.keywords if keyword.arg == "seed")]
    return any(not (isinstance(seed, ast.Constant) and seed.value is None) for seed in seeds)


def _variant_for(node: ast.Call, mapping: DrawMapping | None) -> int | None:
    """The index of the mapping's template that rewrites `node`, if one does."""
    if mapping is None:
        return None
    bound = mapping.bind(arguments_of(node))
    if bound is None:
        return None
    for parameter in mapping.int_parameters & set(bound):
        if not all(_is_integer_expression(_argument_at(node, index)) for index in bound[parameter]):
            return None
    return mapping.choose_variant(bound)


def _advice(mapping: DrawMapping | None, variant: int | None) -> str:
    if mapping is not None and mapping.advice:
        return mapping.advice
    if mapping is None or not mapping.variants:
        return "draw with a MindSpore random operation (`mindspore.ops`) instead"
    operations = mapping.operations(variant)
    return "draw with " + " or ".join(f"`ops.{operation}`" for operation in operations) + " instead"


def _fixes(
    node: ast.Call,
    draw: Draw,
    mapping: DrawMapping | None,
    variant: int | None,
    wrapper: ast.Call | None,
    context: RuleContext,
) -> tuple[FixOffer, ...]:
    if mapping is None or variant is None or (wrapper is not None and not is_removable_wrapper(wrapper)):
        return ()
    # The draw is rebuilt from its template: comments inside it (or its wrapper) would be lost.
    if comment_count(wrapper or node, context):
        return ()
    operations = ", ".join(f"`ops.{operation}`" for operation in mapping.operations(variant))
    title = f"Draw with {operations} at every call (another random stream)"
    params: list[tuple[str, Any]] = [("draw", draw.name), ("variant", variant)]
    if wrapper is not None:
        params.append(wrapper_param(wrapper, context))
        title += " and drop the `Tensor(...)` wrapper"
    return (FixOffer(title, FixSafety.UNSAFE, FIX_ID, tuple(params)),)


def _argument_at(node: ast.Call, index: int) -> ast.expr:
    if index < len(node.args):
        argument = node.args[index]
        return argument.value if isinstance(argument, ast.Starred) else argument
    return node.keywords[index - len(node.args)].value


def _is_integer_expression(expr: ast.expr) -> bool:
    """An integer literal or shape arithmetic (`x.shape[0]`, `len(x)`, `n * 2`): `randperm(n)`, not a list."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, int) and not isinstance(expr.value, bool)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return _is_integer_expression(expr.operand)
    if isinstance(expr, ast.Subscript):
        return isinstance(expr.value, ast.Attribute) and expr.value.attr == "shape"
    if isinstance(expr, ast.Call):
        return isinstance(expr.func, ast.Name) and expr.func.id == "len"
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, INTEGER_ARITHMETIC):
        return _is_integer_expression(expr.left) and _is_integer_expression(expr.right)
    return False
