"""What local names and `self` attributes are bound to: shared by MSG004, MSG005 and MSG008.

These rules ask "is `p` here an instance of class X?" or "is `self.pool` an executor?". The answers come
from plain assignments only: a local name holds what a call made when every binding of it in the function
assigns such a call, and a `self` attribute when every assignment in `__init__` (of the class or its
in-file bases) does. Any other binding (a parameter, a loop target, `with ... as`) makes the answer
"unknown". The function walks are the engine's shared `FunctionIndex`.
"""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import ClassInfo, FunctionNode, ModuleFacts


def assigned_values(function: FunctionNode, name: str, facts: ModuleFacts) -> list[ast.expr] | None:
    """Every value assigned to the local `name` in `function`; None if it is a parameter or bound otherwise."""
    arguments = function.args
    parameters = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
    if any(parameter is not None and parameter.arg == name for parameter in parameters):
        return None
    bound = facts.index_of(function).bindings.get(name)
    if not bound or any(value is None for value in bound):
        return None
    return [value for value in bound if value is not None]


def init_values(owner: ClassInfo, attribute: str, facts: ModuleFacts) -> list[ast.expr]:
    """The values the `__init__` of `owner` or of its in-file bases assign to `self.<attribute>`."""
    found: list[ast.expr] = []
    pending = [owner]
    seen: set[str] = set()
    while pending:
        info = pending.pop(0)
        if info.node.name in seen:
            continue
        seen.add(info.node.name)
        found.extend(facts.init_attribute_values(info).get(attribute, ()))
        pending.extend(facts.classes[base] for base in info.local_bases if base in facts.classes)
    return found


def self_attribute(expr: ast.expr) -> str | None:
    """`attr` for `self.attr`, else None."""
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self":
        return expr.attr
    return None
