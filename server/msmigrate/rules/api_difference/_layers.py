"""What the layer rules (MSA001-MSA006) share: which MindSpore layer a call builds, and static values.

A layer call is recognised only when every qualified-name candidate of its callee is one of the rule's
MindSpore APIs: after `try: from torch import nn / except ImportError: from mindspore import nn` the
call may build a torch layer, whose arguments mean what the port wants, so the rules stay silent.

The torch twin and the parameter facts come from the mapping data (`mappings/`): the reverse index
gives the torch API, its legacy counterpart the transforms and defaults.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from msmigrate.analysis.calls import BoundArguments, bind_to_api
from msmigrate.analysis.findings import FixOffer, FixSafety
from msmigrate.mappings import Counterpart, load_mappings
from msmigrate.rules.base import RuleContext


@dataclass(frozen=True)
class LayerCall:
    """A call that builds one of a rule's MindSpore layers, bound to its installed signature."""

    call: ast.Call
    api: str
    arguments: BoundArguments

    @property
    def shown(self) -> str:
        """The callee as written (`nn.Conv2d`), for messages."""
        return ast.unparse(self.call.func)

    @property
    def counterpart(self) -> Counterpart | None:
        return legacy_counterpart(self.api)

    def given(self, *names: str) -> bool:
        """Any of the parameters is passed, or may be (the call spreads `*args` / `**kwargs`)."""
        return self.arguments.uncertain or any(self.arguments.given(name) for name in names)

    def keyword_given(self, name: str) -> bool:
        """A keyword the signature does not accept (a torch keyword such as `bias=`) is passed."""
        return any(keyword.arg == name for keyword in self.arguments.unknown_keywords)


def layer_call(call: ast.Call, context: RuleContext, apis: frozenset[str]) -> LayerCall | None:
    if not could_name(call.func, apis):
        return None
    names = context.qualified_names(call.func)
    if not names or not names <= apis or len(names) != 1:
        return None
    (api,) = names
    arguments = bind_to_api(call, api)
    if arguments is None:
        return None
    return LayerCall(call, api, arguments)


def could_name(func: ast.expr, apis: frozenset[str]) -> bool:
    """Whether `func` can resolve to one of `apis`: an attribute access keeps the API's last name.

    Resolving qualified names costs more than every other check of these rules together, and most calls
    (`self.conv1(x)`, `ops.add(a, b)`) are ruled out by their last name alone.
    """
    return not isinstance(func, ast.Attribute) or func.attr in last_names(apis)


@cache
def last_names(apis: frozenset[str]) -> frozenset[str]:
    return frozenset(api.rsplit(".", 1)[-1] for api in apis)


@cache
def legacy_counterpart(mindspore_api: str) -> Counterpart | None:
    """The r2.4.10 table's counterpart record for `mindspore_api` (its torch twin's legacy entry)."""
    mappings = load_mappings()
    for hit in mappings.torch_for(mindspore_api):
        entry = mappings.lookup(hit.torch)
        if entry is None:
            continue
        for counterpart in entry.legacy:
            if counterpart.api == mindspore_api:
                return counterpart
    return None


@cache
def torch_twin(mindspore_api: str) -> str | None:
    """The torch API the legacy table maps to `mindspore_api` (`torch.nn.Conv2d` for `mindspore.nn.Conv2d`)."""
    hits = [hit.torch for hit in load_mappings().torch_for(mindspore_api) if hit.role == "legacy"]
    return hits[0] if len(hits) == 1 else None


def mint_twin(mindspore_api: str) -> Counterpart | None:
    """The `mindspore.mint` counterpart of the layer's torch twin, when the data has one."""
    torch_api = torch_twin(mindspore_api)
    entry = load_mappings().lookup(torch_api) if torch_api else None
    return entry.mint if entry is not None else None


def binds_cleanly(call: ast.Call, api: str) -> bool:
    """The call's arguments, as written, fit `api`'s installed signature (for a callee switch)."""
    arguments = bind_to_api(call, api)
    return arguments is not None and not arguments.uncertain and arguments.problems == 0


def argument_text(layer: LayerCall, name: str) -> str:
    value = layer.arguments.get(name)
    return ast.unparse(value) if value is not None else ""


# -- static values ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaticNumber:
    value: float
    # Where the number comes from when the argument is a name: "the default of `momentum`".
    origin: str | None = None


def static_number(expr: ast.expr | None, context: RuleContext) -> StaticNumber | None:
    """The number `expr` certainly is: a literal, a module constant, or a parameter's default.

    A name counts only when nothing else in the function binds it: a module constant assigned once, or
    a parameter of the enclosing function whose default is a literal (`def __init__(self, momentum=0.1)`;
    a caller may pass another value, which the message says).
    """
    if expr is None:
        return None
    literal = literal_number(expr)
    if literal is not None:
        return StaticNumber(literal)
    if not isinstance(expr, ast.Name):
        return None
    function = context.function
    if function is not None:
        if expr.id in context.facts.index_of(function).bindings:
            return None
        if expr.id in _parameter_names(function):
            default = _parameter_defaults(function).get(expr.id)
            number = literal_number(default) if default is not None else None
            return StaticNumber(number, f"the default of `{expr.id}`") if number is not None else None
    assigned = context.facts.module_assignments.get(expr.id, [])
    if len(assigned) == 1:
        number = literal_number(assigned[0])
        if number is not None:
            return StaticNumber(number, f"`{expr.id}`")
    return None


def literal_number(expr: ast.expr) -> float | None:
    """An int or float literal, possibly signed; None for anything else (bools included)."""
    sign = 1.0
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub | ast.UAdd):
        sign = -1.0 if isinstance(expr.op, ast.USub) else 1.0
        expr = expr.operand
    if isinstance(expr, ast.Constant) and type(expr.value) in (int, float):
        return sign * float(expr.value)
    return None


def literal_ints(expr: ast.expr | None) -> tuple[int, ...] | None:
    """`3` → (3,), `(3, 5)` → (3, 5); None unless every element is an int literal."""
    if expr is None:
        return None
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return (expr.value,)
    if isinstance(expr, ast.Tuple | ast.List) and expr.elts:
        values = [element.value for element in expr.elts if isinstance(element, ast.Constant)]
        if len(values) == len(expr.elts) and all(type(value) is int for value in values):
            return tuple(values)
    return None


def _parameter_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    arguments = function.args
    names = {arg.arg for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    names.update(arg.arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None)
    return names


def _parameter_defaults(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr]:
    arguments = function.args
    positional = [arg.arg for arg in (*arguments.posonlyargs, *arguments.args)]
    defaults = dict(zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True))
    for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        if default is not None:
            defaults[arg.arg] = default
    return defaults


# -- value transforms from the mapping data ---------------------------------------------------------------

_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class _NotStatic(Exception):
    """The transform uses something the small evaluator below does not evaluate."""


def transformed_value(transform: str, value: object) -> object:
    """`transform` (an expression in `x`, from the mapping data) evaluated at `value`.

    Only what the data's transforms use is evaluated — literals, `x`, arithmetic, `not` and `a if c else b`
    (`1 - x`, `None if x else True`); anything else raises ValueError.
    """
    try:
        return _evaluate(ast.parse(transform, mode="eval").body, value)
    except (SyntaxError, _NotStatic, ArithmeticError, TypeError) as error:
        raise ValueError(f"cannot evaluate the transform {transform!r}") from error


def transformed_number(transform: str, value: float) -> float | None:
    try:
        result = transformed_value(transform, value)
    except ValueError:
        return None
    return float(result) if type(result) in (int, float) else None


def _evaluate(node: ast.expr, x: object) -> object:
    if isinstance(node, ast.Name) and node.id == "x":
        return x
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand, x)  # type: ignore[operator]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _evaluate(node.operand, x)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left, x), _evaluate(node.right, x))
    if isinstance(node, ast.IfExp):
        return _evaluate(node.body, x) if _evaluate(node.test, x) else _evaluate(node.orelse, x)
    raise _NotStatic(ast.unparse(node))


def transformed_text(transform: str, value: ast.expr) -> str | None:
    """`transform` with `x` replaced by the expression `value`, as source (`1 - m`; `1 - (1 - m)` → `m`)."""
    try:
        tree = ast.parse(transform, mode="eval").body
    except SyntaxError:
        return None
    substituted = _Substitute(value).visit(tree)
    return ast.unparse(_simplify_double_complement(substituted))


class _Substitute(ast.NodeTransformer):
    def __init__(self, value: ast.expr) -> None:
        self.value = value

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.value if node.id == "x" else node


def _simplify_double_complement(node: ast.expr) -> ast.expr:
    """`1 - (1 - y)` is `y`: undoing a conversion the code already wrote gives back its operand."""
    if _is_complement(node) and _is_complement(node.right):  # type: ignore[attr-defined]
        return node.right.right  # type: ignore[attr-defined]
    return node


def _is_complement(node: ast.expr) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and literal_number(node.left) == 1.0


def format_number(value: float) -> str:
    """0.8999999999999999 → `0.9`: what a person writes, to 12 significant digits."""
    text = f"{value:.12g}"
    return text if any(char in text for char in ".e") else f"{text}.0"


def percent(value: float) -> str:
    return f"{value * 100:.4g} %"


# -- the argument fix shared by the layer rules -------------------------------------------------------------

SET_ARGUMENT = "set-argument-value"


def set_argument_offer(
    title: str, safety: FixSafety, layer: LayerCall, parameter: str, value: str, replaces: str | None = None
) -> FixOffer:
    """Pass `value` (source text) for `parameter` of the reported layer call, in place or as a new keyword.

    With `replaces`, the keyword argument of that (torch) name is replaced by `parameter=value`.
    """
    params: tuple[tuple[str, str], ...] = (("api", layer.api), ("parameter", parameter), ("value", value))
    if replaces is not None:
        params = (*params, ("replaces", replaces))
    return FixOffer(title, safety, SET_ARGUMENT, params)


DROP_KEYWORD = "drop-keyword"


def drop_keyword_offer(title: str, safety: FixSafety, keyword: str) -> FixOffer:
    """Remove the keyword argument `keyword=` of the reported call (or of the reported keyword argument)."""
    return FixOffer(title, safety, DROP_KEYWORD, (("keyword", keyword),))
