"""Shared by the default-difference rules (MSA010-MSA018): is this file a port, literals, torch defaults.

A MindSpore default that differs from PyTorch's is a bug in code ported from PyTorch and a choice in code
written for MindSpore. The rules tell the two apart by the file: `ported_from_torch` says whether it
shows signs of a port. In a port, a left-out argument is read as the PyTorch author's default, its
finding is stronger, and the fix that restores PyTorch's value is safe (each is proven against PyTorch
by tests/oracle/test_msa_default_claims.py).
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache

from msmigrate.analysis.findings import FixOffer, FixSafety
from msmigrate.mappings.model import ParamDiff
from msmigrate.rules.api_difference._layers import (
    LayerCall,
    layer_call,
    legacy_counterpart,
    set_argument_offer,
    torch_twin,
)
from msmigrate.rules.base import RuleContext

# "torch" or "PyTorch" anywhere: an import, a `# torch: x.view(...)` note, a docstring that says what
# the file was ported from.
_TORCH_MENTION = re.compile(r"\b(?:py)?torch\b", re.IGNORECASE)
# A `forward` method is the PyTorch name of what MindSpore calls `construct`.
_FORWARD_METHOD = re.compile(r"^[ \t]+def forward\(\s*self\b", re.MULTILINE)


class NotLiteral:
    """The value of an expression that is not a literal (`kernel_size`, `2 * k`)."""


NOT_LITERAL = NotLiteral()


@lru_cache(maxsize=16)
def ported_from_torch(text: str) -> bool:
    """The file names PyTorch (import, comment, docstring) or defines a `forward` method."""
    return _TORCH_MENTION.search(text) is not None or _FORWARD_METHOD.search(text) is not None


def clean_call(call: ast.Call, context: RuleContext, apis: frozenset[str]) -> LayerCall | None:
    """The call as one of `apis`, bound to its installed signature; None unless it binds cleanly and surely.

    A call that spreads `*args`/`**kwargs` may pass anything; a call with a keyword the API does not
    take (`eps=`), an extra positional or a missing argument fails before any default matters, and
    MSA020 reports it with the rename.
    """
    layer = layer_call(call, context, apis)
    if layer is None or layer.arguments.uncertain or layer.arguments.problems:
        return None
    return layer


def literal_value(expr: ast.expr | None) -> object:
    """The Python value of a literal expression (`3`, `(2, 2)`, `-1`, `"pad"`), else NOT_LITERAL."""
    if expr is None:
        return NOT_LITERAL
    try:
        return ast.literal_eval(expr)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOT_LITERAL


def value_of_source(text: str | None) -> object:
    """The Python value of literal source text (a default as mappings/ records it), else NOT_LITERAL."""
    if text is None:
        return NOT_LITERAL
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOT_LITERAL


def default_value(layer: LayerCall, parameter: str) -> object:
    """The Python value of `parameter`'s installed default, else NOT_LITERAL."""
    return value_of_source(layer.arguments.default_of(parameter))


def parameter_difference(mindspore_api: str, parameter: str) -> ParamDiff | None:
    """What mappings/ records about the MindSpore `parameter` of `mindspore_api` against PyTorch."""
    counterpart = legacy_counterpart(mindspore_api)
    if counterpart is None:
        return None
    return next((diff for diff in counterpart.params if diff.mindspore == parameter), None)


def left_to_differing_default(
    call: ast.Call, context: RuleContext, apis: frozenset[str], parameter: str
) -> tuple[LayerCall, ParamDiff] | None:
    """The call, when it leaves `parameter` to a MindSpore default that mappings/ says differs from torch's."""
    layer = clean_call(call, context, apis)
    if layer is None or not layer.arguments.left_to_default(parameter):
        return None
    difference = parameter_difference(layer.api, parameter)
    if difference is None or not difference.defaults_differ or difference.torch_default is None:
        return None
    return layer, difference


def torch_name(mindspore_api: str) -> str:
    """What a port called the torch twin of `mindspore_api`: `nn.LeakyReLU`, `nn.functional.leaky_relu`."""
    return (torch_twin(mindspore_api) or mindspore_api).removeprefix("torch.")


def python_source(value: object) -> str:
    """Source text for a literal value, strings in double quotes (the project's formatting)."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def restore_torch_default(title: str, ported: bool, layer: LayerCall, parameter: str, value: str) -> FixOffer:
    """Pass torch's value for a parameter: safe in a port (proven by the oracle tests), else unsafe."""
    return set_argument_offer(title, FixSafety.SAFE if ported else FixSafety.UNSAFE, layer, parameter, value)


def source_of(expr: ast.expr, context: RuleContext) -> str:
    """The expression as written (formatting kept), cut from the document's lines.

    (`ast.get_source_segment` splits the whole text on every call: 38 ms a call on a 1,000-line file.)
    """
    span = context.source.span_of(expr)
    lines = context.source.lines
    if span.line == span.end_line:
        return lines[span.line - 1][span.column : span.end_column]
    middle = lines[span.line : span.end_line - 1]
    return "\n".join([lines[span.line - 1][span.column :], *middle, lines[span.end_line - 1][: span.end_column]])


def is_plain_reference(expr: ast.expr) -> bool:
    """A literal, a name, an attribute chain, or a tuple of those: evaluating it twice is harmless."""
    if literal_value(expr) is not NOT_LITERAL:
        return True
    if isinstance(expr, ast.Name):
        return True
    if isinstance(expr, ast.Attribute):
        return is_plain_reference(expr.value)
    if isinstance(expr, ast.Tuple | ast.List):
        return all(is_plain_reference(element) for element in expr.elts)
    return False
