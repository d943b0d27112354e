"""What MSG001 and MSG003 need to know about a host-library call's surroundings in its function."""

from __future__ import annotations

import ast
import io
import tokenize

from msmigrate.analysis.values import TENSOR_CONSTRUCTORS
from msmigrate.rules.base import RuleContext
from msmigrate.rules.graph_syntax._numpy_mappings import Argument

# `Tensor(array, dtype)`: the wrapper a fix can drop (a dtype becomes `.astype(dtype)`).
WRAPPER_KEYWORDS = frozenset({"dtype"})


def tensor_wrapper(node: ast.Call, parent: ast.AST | None, context: RuleContext) -> ast.Call | None:
    """The `Tensor(...)` call whose data argument is `node`, if there is one."""
    if (
        isinstance(parent, ast.Call)
        and parent.args
        and parent.args[0] is node
        and context.qualified_names(parent.func) & TENSOR_CONSTRUCTORS
    ):
        return parent
    return None


def is_removable_wrapper(wrapper: ast.Call) -> bool:
    """`Tensor(array)`, `Tensor(array, dtype)` or `Tensor(array, dtype=...)`: nothing a fix would lose.

    A fix must drop the wrapper with the host call: `Tensor(<tensor>)` does not compile at STRICT
    either, and has no gradient at LAX (measured on MindSpore 2.10).
    """
    if len(wrapper.args) > 2 or any(isinstance(argument, ast.Starred) for argument in wrapper.args):
        return False
    keywords = {keyword.arg for keyword in wrapper.keywords}
    if not keywords <= WRAPPER_KEYWORDS:
        return False
    return not (len(wrapper.args) == 2 and keywords)


def wrapper_param(wrapper: ast.Call, context: RuleContext) -> tuple[str, tuple[int, int, int, int]]:
    """The fix parameter that tells the fix where the wrapper is."""
    span = context.source.span_of(wrapper)
    return ("wrapper", (span.line, span.column, span.end_line, span.end_column))


def argument_values(call: ast.Call) -> list[ast.expr]:
    """Every argument expression of `call` (the value under a `*` or `**`)."""
    values = [argument.value if isinstance(argument, ast.Starred) else argument for argument in call.args]
    values.extend(keyword.value for keyword in call.keywords)
    return values


def arguments_of(call: ast.Call) -> list[Argument]:
    """The shape of `call`'s arguments, for binding them to a mapping's parameters."""
    arguments = [Argument(None, starred=isinstance(argument, ast.Starred)) for argument in call.args]
    arguments.extend(Argument(keyword.arg, double_starred=keyword.arg is None) for keyword in call.keywords)
    return arguments


def comment_count(node: ast.AST, context: RuleContext) -> int:
    """How many comments lie inside `node`'s source: a fix that rebuilds it must not drop them.

    Source that does not tokenise on its own counts as commented, so that no fix is offered.
    """
    span = context.source.span_of(node)
    if span.line == span.end_line:
        return 0  # a comment runs to the end of its line, past any expression that ends on it
    lines = [context.source.line(number) for number in range(span.line, span.end_line + 1)]
    lines[-1] = lines[-1][: span.end_column]
    lines[0] = lines[0][span.column :]
    segment = "\n".join(lines)
    if "#" not in segment:
        return 0
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(segment).readline))
    except (tokenize.TokenError, SyntaxError):
        return 1
    return sum(token.type == tokenize.COMMENT for token in tokens)
