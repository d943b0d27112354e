"""MSG008: Parameters created, initialized, or changed through their Python API in graph scope."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import ClassInfo
from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.analysis.names import ImportTable
from msmigrate.analysis.values import ValueKind
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.graph_syntax._local_objects import init_values, self_attribute

FIX_ID = "parameter-set-data-to-assign"
PARAMETER_CONSTRUCTORS = frozenset(
    {
        "mindspore.Parameter",
        "mindspore.common.Parameter",
        "mindspore.common.parameter.Parameter",
        "mindspore.ParameterTuple",
        "mindspore.common.ParameterTuple",
        "mindspore.common.parameter.ParameterTuple",
    }
)
INITIALIZERS = frozenset({"mindspore.common.initializer.initializer"})
# Parameter methods graph mode rejects at both levels (measured); only `set_data` has a graph form.
PARAMETER_METHODS = frozenset({"set_data", "init_data", "set_dtype"})
METHOD_ADVICE = {
    "init_data": "initialize Parameters in `__init__`",
    "set_dtype": "give the Parameter its dtype in `__init__`, or cast the value where it is used (`.astype`)",
}
# numpy functions whose first argument is the shape of the array they build.
NUMPY_SHAPED = frozenset({"numpy.ones", "numpy.zeros", "numpy.full", "numpy.empty"})
NUMPY_VECTORS = frozenset({"numpy.arange", "numpy.linspace"})
TENSOR_CONSTRUCTORS = frozenset({"mindspore.Tensor", "mindspore.common.tensor.Tensor", "mindspore.tensor"})


class ParameterMutationInGraph(Rule):
    """A Parameter created, initialized or changed through its Python API inside a compiled function.

    **What it does**

    Inside `construct`, a `@mindspore.jit` function, or a function they call, flags:

    - `param.set_data(value)`, `param.init_data()` and `param.set_dtype(dtype)`;
    - creating a `Parameter` or `ParameterTuple`, or calling `initializer(...)`;
    - setting an attribute of a Parameter of the Cell (`self.w.requires_grad = False`);
    - binding a Parameter of the Cell to `None`, or to a Python number when the Parameter is not 0-d.

    Binding a Parameter to a tensor (`self.w = self.w + x`) is not flagged: graph mode compiles it to an
    in-place assignment, and the values match PyNative (measured, for a value of the Parameter's shape).

    **Why is this bad?**

    These are Python-side operations on the Parameter object, and the graph holds no such object.
    Measured on MindSpore 2.10, none of them compiles, at STRICT or LAX: `set_data`, `init_data` and
    `set_dtype` are rejected as unsupported methods, `Parameter(...)` and `initializer(...)` as
    unsupported constructors, an attribute set on a Parameter as unsupported, and `self.w = None` or
    `self.w = 2.0` (for a 2-D `w`) become an assignment whose value does not fit the Parameter.

    **Example**

    ```python
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = ms.Parameter(ms.Tensor(np.ones((2, 3), np.float32)), name="w")

        def construct(self, x):
            self.w.set_data(self.w + x)
            return self.w * x
    ```

    **Use instead**

    ```python
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = ms.Parameter(ms.Tensor(np.ones((2, 3), np.float32)), name="w")

        def construct(self, x):
            ops.assign(self.w, self.w + x)
            return self.w * x
    ```

    Create and initialize Parameters in `__init__`; change their flags outside the network.

    **Fix safety**

    `param.set_data(value)` becomes `ops.assign(param, value)` (importing `ops` if needed): safe. The
    original does not compile in graph mode; the rewritten examples compile at both levels and give the
    values PyNative gives for the original, over repeated calls on one network (accumulating updates
    included). Where `value` has another shape than the Parameter (PyNative's `set_data` may reshape
    a Parameter) `ops.assign` does not compile either: the fix then leaves a compile error, never a
    wrong value. The other operations have no graph form and no automatic fix.

    **References**

    https://www.mindspore.cn/tutorials/en/r2.6.0/compile/static_graph.html
    """

    code = "MSG008"
    category = Category.GRAPH_SYNTAX
    node_types = (ast.Call, ast.Assign)
    graph_scope_only = True

    def __init__(self) -> None:
        # A rule object lives for one analysis: the ranks of the Parameters of that module's Cells.
        self._ranks: dict[tuple[str, str], str | None] = {}

    def check(self, node: ast.AST, context: RuleContext) -> None:
        if isinstance(node, ast.Call):
            self._check_call(node, context)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                self._check_assignment(target, node.value, context)

    # -- calls --------------------------------------------------------------------------------------
    def _check_call(self, call: ast.Call, context: RuleContext) -> None:
        where = context.scope_description()
        names = context.qualified_names(call.func)
        if names & PARAMETER_CONSTRUCTORS:
            created = "a `ParameterTuple`" if any(name.endswith("Tuple") for name in names) else "a `Parameter`"
            message = (
                f"creating {created} {where} does not compile at either syntax level: create Parameters in `__init__`"
            )
            context.report(call, message, Severity.ERROR)
            return
        if names & INITIALIZERS:
            if self._inside_parameter_creation(call, context):
                return
            message = (
                f"`initializer(...)` {where} does not compile at either syntax level: initialize Parameters "
                "in `__init__`, or build the tensor with `ops` (e.g. `ops.ones`)"
            )
            context.report(call, message, Severity.ERROR)
            return
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in PARAMETER_METHODS:
            return
        values = context.values
        if values is None or values.kind_of(func.value) is ValueKind.STATIC:
            return
        shown = f"`{ast.unparse(func)}()`"
        if func.attr == "set_data":
            receiver = ast.unparse(func.value)
            message = (
                f"{shown} {where} does not compile at either syntax level: graph mode has no `set_data`; "
                f"use `ops.assign({receiver}, value)`"
            )
            fixes = ()
            if _single_data_argument(call):
                fixes = (FixOffer(f"Replace with `ops.assign({receiver}, ...)`", FixSafety.SAFE, FIX_ID),)
            context.report(call, message, Severity.ERROR, fixes=fixes)
            return
        message = f"{shown} {where} does not compile at either syntax level: {METHOD_ADVICE[func.attr]}"
        context.report(call, message, Severity.ERROR)

    def _inside_parameter_creation(self, call: ast.Call, context: RuleContext) -> bool:
        """`Parameter(initializer(...))`: the Parameter's finding covers both."""
        if context.function is None:
            return False
        parents = context.facts.index_of(context.function).parents
        parent = parents.get(call)
        if isinstance(parent, ast.keyword):
            parent = parents.get(parent)
        return isinstance(parent, ast.Call) and bool(context.qualified_names(parent.func) & PARAMETER_CONSTRUCTORS)

    # -- assignments --------------------------------------------------------------------------------
    def _check_assignment(self, target: ast.expr, value: ast.expr, context: RuleContext) -> None:
        if not isinstance(target, ast.Attribute):
            return
        where = context.scope_description()
        if self._parameter_rank(target.value, context) is not None:
            message = (
                f"setting `{ast.unparse(target)}` {where} does not compile at either syntax level: graph mode "
                "cannot set attributes of a Parameter; set them outside the network"
            )
            context.report(target, message, Severity.ERROR)
            return
        rank = self._parameter_rank(target, context)
        if rank is None:
            return
        shown = ast.unparse(target)
        if isinstance(value, ast.Constant) and value.value is None:
            message = (
                f"binding the Parameter `{shown}` to None {where} does not compile at either syntax level: graph "
                "mode assigns the Parameter in place, and None is no value for it"
            )
            context.report(target, message, Severity.ERROR)
        elif _is_number(value) and rank != "0-d":
            if rank == "n-d":
                message = (
                    f"binding the Parameter `{shown}` to a number {where} does not compile at either syntax "
                    "level: graph mode assigns it in place, and a number does not have the Parameter's rank; "
                    f"assign a tensor of its shape (`ops.full_like({shown}, value)`)"
                )
                context.report(target, message, Severity.ERROR)
            else:
                message = (
                    f"binding the Parameter `{shown}` to a number {where} compiles only if the Parameter is 0-d "
                    "(graph mode assigns it in place), and PyNative rejects it; assign a tensor"
                )
                context.report(target, message, Severity.HINT)

    def _parameter_rank(self, expr: ast.expr, context: RuleContext) -> str | None:
        """For `self.<attr>` holding a Parameter built in `__init__`: "0-d", "n-d" or "unknown"; else None."""
        attribute = self_attribute(expr)
        function = context.function
        if attribute is None or function is None:
            return None
        owner: ClassInfo | None = context.facts.class_of_method(function)
        if owner is None:
            return None
        key = (owner.node.name, attribute)
        if key not in self._ranks:
            values = init_values(owner, attribute, context.facts)
            self._ranks[key] = _rank_of_parameter(values, context.facts.imports)
        return self._ranks[key]


def _rank_of_parameter(values: list[ast.expr], imports: ImportTable) -> str | None:
    """The rank class of the Parameter `values` all create, or None when they are not all Parameters."""
    creations = [
        value
        for value in values
        if isinstance(value, ast.Call) and imports.qualified_names(value.func) & PARAMETER_CONSTRUCTORS
    ]
    if not creations or len(creations) != len(values):
        return None
    ranks = {_rank_of_data(_parameter_data(creation), imports) for creation in creations}
    return ranks.pop() if len(ranks) == 1 else "unknown"


def _single_data_argument(call: ast.Call) -> bool:
    """`set_data(value)` or `set_data(data=value)`: what `ops.assign(param, value)` means the same as."""
    if len(call.args) + len(call.keywords) != 1:
        return False
    if call.args:
        return not isinstance(call.args[0], ast.Starred)
    return call.keywords[0].arg == "data"


def _is_number(expr: ast.expr) -> bool:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub | ast.UAdd):
        expr = expr.operand
    return isinstance(expr, ast.Constant) and type(expr.value) in (int, float)


def _parameter_data(creation: ast.Call) -> ast.expr | None:
    if creation.args:
        return creation.args[0]
    return next((keyword.value for keyword in creation.keywords if keyword.arg == "default_input"), None)


def _rank_of_data(data: ast.expr | None, imports: ImportTable) -> str:
    """The rank class ("0-d", "n-d") that the literal shape of a Parameter's initial data shows, or "unknown"."""
    if data is None:
        return "unknown"
    if _is_number(data):
        return "0-d"
    if not isinstance(data, ast.Call) or not data.args:
        return "unknown"
    names = imports.qualified_names(data.func)
    first = data.args[0]
    if names & TENSOR_CONSTRUCTORS:
        if isinstance(first, ast.List | ast.Tuple):
            return "n-d"
        return _rank_of_data(first, imports)
    if names & NUMPY_VECTORS:
        return "n-d"
    if names & (NUMPY_SHAPED | INITIALIZERS):
        shape = first if names & NUMPY_SHAPED else (data.args[1] if len(data.args) > 1 else None)
        if isinstance(shape, ast.Tuple | ast.List):
            return "n-d" if shape.elts else "0-d"
        if isinstance(shape, ast.Constant) and isinstance(shape.value, int):
            return "n-d"
    return "unknown"
