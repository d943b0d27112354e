"""MSA013: `nn.LayerNorm(768)`: MindSpore's `normalized_shape` must be a tuple or list, PyTorch's may be an int."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, FixSafety, Severity
from msmigrate.rules.api_difference._layers import last_names, set_argument_offer
from msmigrate.rules.api_difference._ported_defaults import (
    NOT_LITERAL,
    clean_call,
    literal_value,
    ported_from_torch,
    source_of,
)
from msmigrate.rules.base import Rule, RuleContext

LAYER_NORMS = frozenset({"mindspore.nn.LayerNorm"})


class LayerNormShapeNotSequence(Rule):
    """`nn.LayerNorm` given an int for `normalized_shape`: MindSpore raises TypeError.

    **What it does**

    Flags `nn.LayerNorm(n)` where `n` is an int: a literal, a parameter annotated `int`, or a local name
    only ever bound to int literals. In a port (the file names PyTorch or a Cell defines `forward`) it
    also flags a name or attribute that is not known to be a tuple (`nn.LayerNorm(config.n_embd)`),
    at information severity.

    **Why is this bad?**

    PyTorch accepts `LayerNorm(768)` for `LayerNorm((768,))`. MindSpore 2.10 does not: the constructor
    raises `TypeError: For 'LayerNorm', the type of 'normalized_shape' must be tuple[int] or
    list[int]` (measured).

    **Example**

    ```python
    self.norm = nn.LayerNorm(768)
    ```

    **Use instead**

    ```python
    self.norm = nn.LayerNorm((768,))
    ```

    **Fix safety**

    The fix wraps the value in a one-element tuple, the transform mappings/ records
    (`(x,) if isinstance(x, int) else tuple(x)`). For a value known to be an int it is safe: it removes a
    certain TypeError and changes nothing else (`(768,)` and `[768]` give the same layer, measured).
    For a value whose type is not known it is unsafe: wrapping a tuple would break it.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/LayerNorm.html
    """

    code = "MSA013"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(LAYER_NORMS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        layer = clean_call(node, context, LAYER_NORMS)
        shape = layer.arguments.get("normalized_shape") if layer is not None else None
        if layer is None or shape is None:
            return
        text = source_of(shape, context)
        wrapped = f"({text},)"
        if _is_int(shape, context):
            message = (
                f"`{layer.shown}({text})` raises TypeError in MindSpore: `normalized_shape` must be a tuple or "
                f"list (torch accepts an int); use `{wrapped}`"
            )
            fix = set_argument_offer(f"Use `{wrapped}`", FixSafety.SAFE, layer, "normalized_shape", wrapped)
            context.report(node, message, Severity.ERROR, fixes=(fix,))
        elif _may_be_int(shape, context) and ported_from_torch(context.source.text):
            message = (
                f"`{layer.shown}({text})` raises TypeError in MindSpore if `{text}` is an int: "
                f"`normalized_shape` must be a tuple or list (torch accepts an int); use `{wrapped}` if it is one"
            )
            title = f"Use `{wrapped}` (if `{text}` is an int)"
            fix = set_argument_offer(title, FixSafety.UNSAFE, layer, "normalized_shape", wrapped)
            context.report(node, message, Severity.INFORMATION, fixes=(fix,))


def _is_int(expr: ast.expr, context: RuleContext) -> bool:
    value = literal_value(expr)
    if value is not NOT_LITERAL:
        return type(value) is int
    return _declared_kind(expr, context) == "int"


def _declared_kind(expr: ast.expr, context: RuleContext) -> str | None:
    """For a local name: "int" (annotated `int`, or bound only to int literals), "other", or None (unknown)."""
    if not isinstance(expr, ast.Name) or context.function is None:
        return None
    arguments = context.function.args
    for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
        if argument.arg == expr.id:
            annotation = argument.annotation
            if annotation is None:
                return None
            return "int" if isinstance(annotation, ast.Name) and annotation.id == "int" else "other"
    values = context.facts.index_of(context.function).bindings.get(expr.id)
    if not values or any(value is None for value in values):
        return None
    kinds = {"int" if type(literal_value(value)) is int else "other" for value in values if value is not None}
    return kinds.pop() if len(kinds) == 1 else None


def _may_be_int(expr: ast.expr, context: RuleContext) -> bool:
    """A name, an attribute or arithmetic on them, whose type is not visible here."""
    if isinstance(expr, ast.Name):
        return _declared_kind(expr, context) is None
    if isinstance(expr, ast.Attribute):
        return True
    if isinstance(expr, ast.BinOp):
        return all(_may_be_int(side, context) or type(literal_value(side)) is int for side in (expr.left, expr.right))
    return False
