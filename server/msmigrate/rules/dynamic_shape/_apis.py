"""The APIs whose output shape can depend on data, and how to find them in a call.

Each API is known by the names it is reached through: a function (`ops.masked_select`,
`mindspore.mint.masked_select`, `torch.masked_select`), a primitive class called on its inputs
(`ops.MaskedSelect()(x, mask)`, or an instance made in `__init__` and called in `construct`), or a
tensor method (`x.masked_select(mask)`). Signatures are those of the installed packages (MindSpore
2.10.0, torch 2.13.0); a tensor method's signature leaves out `self`, which is bound to `input`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property

from msmigrate.analysis.calls import BoundArguments, Signature, bind_call
from msmigrate.analysis.facts import Framework
from msmigrate.analysis.values import STATIC_BUILTINS, ValueKind
from msmigrate.rules.base import RuleContext

MINDSPORE_FUNCTION_MODULES = ("mindspore.ops.", "mindspore.mint.", "mindspore.ops.functional.")
MINDSPORE_PRIMITIVE_MODULES = ("mindspore.ops.", "mindspore.ops.operations.")
TORCH_FUNCTION_MODULES = ("torch.",)


@dataclass(frozen=True)
class Api:
    """One way to reach an operation: `name` is how messages show it (`ops.masked_select`, `ops.TopK()`,
    `masked_select` for a method)."""

    family: str
    name: str
    signature: str
    torch: bool = False
    method: bool = False

    @property
    def parsed(self) -> Signature:
        return _parse(self.signature)


@cache
def _parse(text: str) -> Signature:
    signature = Signature.parse(text)
    assert signature is not None, text
    return signature


@dataclass(frozen=True)
class ApiTable:
    """The names one family of operations is reached through."""

    functions: dict[str, Api]  # qualified name -> api
    primitives: dict[str, Api]  # qualified primitive class -> api of its `__call__`
    mindspore_methods: dict[str, Api]  # tensor method name -> api (MindSpore tensors)
    torch_methods: dict[str, Api]  # tensor method name -> api (torch tensors)

    @cached_property
    def last_names(self) -> frozenset[str]:
        """The attribute names an `a.b.<name>(...)` call must end with to reach one of these APIs."""
        qualified = [*self.functions, *self.primitives]
        return (
            frozenset(name.rsplit(".", 1)[-1] for name in qualified)
            | self.mindspore_methods.keys()
            | (self.torch_methods.keys())
        )

    @cached_property
    def primitive_names(self) -> frozenset[str]:
        return frozenset(name.rsplit(".", 1)[-1] for name in self.primitives)

    def merged(self, other: ApiTable) -> ApiTable:
        return ApiTable(
            {**self.functions, **other.functions},
            {**self.primitives, **other.primitives},
            {**self.mindspore_methods, **other.mindspore_methods},
            {**self.torch_methods, **other.torch_methods},
        )


def table(
    family: str,
    *,
    mindspore: dict[str, str] | None = None,
    mint: dict[str, str] | None = None,
    primitives: dict[str, str] | None = None,
    mindspore_methods: dict[str, str] | None = None,
    torch: dict[str, str] | None = None,
    torch_methods: dict[str, str] | None = None,
) -> ApiTable:
    """Build a family's table from `name -> signature` maps, one per way of reaching it."""
    functions: dict[str, Api] = {}
    for name, signature in (mindspore or {}).items():
        for module in ("mindspore.ops.", "mindspore.ops.functional."):
            functions[module + name] = Api(family, f"ops.{name}", signature)
    for name, signature in (mint or {}).items():
        functions["mindspore.mint." + name] = Api(family, f"mint.{name}", signature)
    for name, signature in (torch or {}).items():
        functions["torch." + name] = Api(family, f"torch.{name}", signature, torch=True)
    primitive_apis: dict[str, Api] = {}
    for name, signature in (primitives or {}).items():
        for module in MINDSPORE_PRIMITIVE_MODULES:
            primitive_apis[module + name] = Api(family, f"ops.{name}()", signature)
    methods = {name: Api(family, name, signature, method=True) for name, signature in (mindspore_methods or {}).items()}
    torch_method_apis = {
        name: Api(family, name, signature, torch=True, method=True) for name, signature in (torch_methods or {}).items()
    }
    return ApiTable(functions, primitive_apis, methods, torch_method_apis)


@dataclass(frozen=True)
class ResolvedCall:
    api: Api
    call: ast.Call
    arguments: BoundArguments
    receiver: ast.expr | None  # the tensor a method is called on (bound to `input` as well)

    def argument(self, name: str) -> ast.expr | None:
        if name == "input" and self.receiver is not None:
            return self.receiver
        return self.arguments.get(name)

    @property
    def shown(self) -> str:
        """`ops.topk(...)`, `ops.TopK()(...)` or `scores.topk(...)`, for messages."""
        if self.receiver is not None:
            return f"`{short(self.receiver)}.{self.api.name}(...)`"
        return f"`{self.api.name}(...)`"


def short(expr: ast.expr) -> str:
    """Source of a (small) expression for a message; long ones are elided."""
    text = ast.unparse(expr)
    return text if len(text) <= 40 else text[:37] + "..."


def resolve(
    call: ast.Call,
    context: RuleContext,
    apis: ApiTable,
    worth_checking: Callable[[ResolvedCall], bool] | None = None,
) -> ResolvedCall | None:
    """Which API of `apis` the call reaches, with its arguments bound; None when it is none of them.

    Most calls reach none: the callee's last name rules them out before any name resolution. A
    tensor method needs its receiver to be a tensor, which costs the function's value analysis, so
    `worth_checking` (given the binding) can rule the call out first (`x.sum()` without an axis).
    """
    func = call.func
    if isinstance(func, ast.Call):  # `ops.TopK()(x, k)`
        primitive = _primitive_class(func, context, apis)
        return ResolvedCall(primitive, call, bind_call(call, primitive.parsed), None) if primitive else None
    if isinstance(func, ast.Name):
        return _function_call(call, context.qualified_names(func), apis)
    if not isinstance(func, ast.Attribute):
        return None
    primitive = _primitive_from_init(func, context, apis)
    if primitive is not None:
        return ResolvedCall(primitive, call, bind_call(call, primitive.parsed), None)
    if func.attr not in apis.last_names:
        return None
    names = context.qualified_names(func)
    if names:
        return _function_call(call, names, apis)
    methods = apis.torch_methods if is_torch_file(context) else apis.mindspore_methods
    api = methods.get(func.attr)
    if api is None:
        return None
    resolved = ResolvedCall(api, call, bind_call(call, api.parsed), func.value)
    if worth_checking is not None and not worth_checking(resolved):
        return None
    return resolved if is_tensor(func.value, context) else None


def _function_call(call: ast.Call, names: frozenset[str], apis: ApiTable) -> ResolvedCall | None:
    for name in sorted(names):
        api = apis.functions.get(name)
        if api is not None:
            return ResolvedCall(api, call, bind_call(call, api.parsed), None)
    return None


def _is_self_attribute(func: ast.Attribute) -> bool:
    return isinstance(func.value, ast.Name) and func.value.id == "self"


def _primitive_from_init(func: ast.Attribute, context: RuleContext, apis: ApiTable) -> Api | None:
    """`self.topk(...)` where `__init__` sets `self.topk = ops.TopK()`."""
    if not apis.primitives or not _is_self_attribute(func) or context.function is None:
        return None
    owner = context.facts.class_of_method(context.function)
    if owner is None:
        return None
    created = context.facts.init_attribute_values(owner).get(func.attr, [])
    if not created or not all(
        isinstance(value, ast.Call) and _last_name(value.func) in apis.primitive_names for value in created
    ):
        return None
    found = {_primitive_class(value, context, apis) for value in created if isinstance(value, ast.Call)}
    return found.pop() if len(found) == 1 else None


def _last_name(expr: ast.expr) -> str:
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return expr.id if isinstance(expr, ast.Name) else ""


def _primitive_class(creation: ast.Call, context: RuleContext, apis: ApiTable) -> Api | None:
    callee = creation.func
    if isinstance(callee, ast.Attribute) and callee.attr not in apis.primitive_names:
        return None
    for name in sorted(context.qualified_names(callee)):
        api = apis.primitives.get(name)
        if api is not None:
            return api
    return None


def is_torch_file(context: RuleContext) -> bool:
    return context.facts.framework is Framework.TORCH


def is_tensor(expr: ast.expr | None, context: RuleContext) -> bool:
    values = context.values
    return expr is not None and values is not None and values.kind_of(expr) is ValueKind.TENSOR


def is_literal(expr: ast.expr | None) -> bool:
    """`3`, `-1`, `None`, `(0, 1)`: known without any analysis (so never computed from tensors)."""
    if expr is None or isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.UnaryOp):
        return isinstance(expr.operand, ast.Constant)
    if isinstance(expr, ast.Tuple | ast.List):
        return all(is_literal(element) for element in expr.elts)
    return False


def is_computed_tensor(expr: ast.expr | None, context: RuleContext) -> bool:
    """A tensor value computed in this function (`(x > 0).sum()`, `int(mask.sum())`, a name bound to one).

    An input or an attribute used as it is (`topk(x, k)` with `k` a parameter, `self.k`) is not: the
    caller may pass a Python number, which graph mode treats as a constant, so nothing can be claimed.
    """
    return is_tensor(expr, context) and _computed(expr, context, set())  # type: ignore[arg-type]


def _computed(expr: ast.expr, context: RuleContext, visiting: set[str]) -> bool:
    if isinstance(expr, ast.Name):
        if context.function is None or expr.id in visiting:
            return False
        bound = context.facts.index_of(context.function).bindings.get(expr.id, [])
        visiting.add(expr.id)
        try:
            return any(value is not None and _computed(value, context, visiting) for value in bound)
        finally:
            visiting.discard(expr.id)
    if isinstance(expr, ast.Attribute) and _is_self_attribute(expr):
        return False
    if isinstance(expr, ast.Constant):
        return False
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in STATIC_BUILTINS:
        # `int(k)`, `min(4, k)`: as computed as their arguments.
        arguments = [*expr.args, *(keyword.value for keyword in expr.keywords)]
        return any(_computed(argument, context, visiting) for argument in arguments)
    if isinstance(expr, ast.BinOp | ast.UnaryOp | ast.BoolOp | ast.Compare | ast.IfExp | ast.Tuple | ast.List):
        return any(
            _computed(child, context, visiting) for child in ast.iter_child_nodes(expr) if isinstance(child, ast.expr)
        )
    # A tensor operation, an element of a tensor, a tensor method: computed from tensor values.
    return is_tensor(expr, context)
