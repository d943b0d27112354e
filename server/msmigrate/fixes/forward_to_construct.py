"""`forward-to-construct` (MSA023): rename a Cell's `forward` method to `construct`.

The finding's span is the method's name in `def forward(`. Inside the class, `super().forward(...)` and
`self.forward(...)` are renamed with it, so the class keeps calling what it called before. Subclasses in
the same module that override `forward` (and have no `construct`) are renamed too: otherwise their
`super().forward(...)` would fail and MindSpore would run the base's `construct` instead of their method.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.rules.api_difference.forward_without_construct import CELL_METHOD, FIX_ID, TORCH_METHOD

_CALLS_TO_FORWARD = m.Attribute(
    value=m.Call(func=m.Name("super")) | m.Name("self"),
    attr=m.Name(TORCH_METHOD),
)


class _RenameForward(cst.CSTTransformer):
    """Renames the given `forward` methods, and `self.forward` / `super().forward` in the given classes."""

    def __init__(self, classes: list[cst.ClassDef], methods: list[cst.FunctionDef]) -> None:
        self.classes = classes
        self.methods = methods
        self.depth = 0  # > 0 inside one of `classes`, outside any class nested in it

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if any(node is cls for cls in self.classes):
            self.depth += 1
            return True
        # A class nested in a renamed one has its own `self` and `super()`.
        return self.depth == 0

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        if any(original_node is cls for cls in self.classes):
            self.depth -= 1
        return updated_node

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        if any(original_node is method for method in self.methods):
            return updated_node.with_changes(name=updated_node.name.with_changes(value=CELL_METHOD))
        return updated_node

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        if self.depth > 0 and m.matches(original_node, _CALLS_TO_FORWARD):
            return updated_node.with_changes(attr=updated_node.attr.with_changes(value=CELL_METHOD))
        return updated_node


@register_fix(FIX_ID)
def forward_to_construct(target: FixTarget) -> cst.Module:
    name = target.node_at(cst.Name)
    if name.value != TORCH_METHOD:
        raise FixError("no `forward` at the finding's position; re-run the analysis")
    method = target.enclosing(cst.FunctionDef, name)
    if method.name is not name:
        raise FixError("the name is not the method's own")
    owner = target.enclosing(cst.ClassDef, method)
    classes = [owner]
    methods = [method]
    for cls in _with_local_subclasses(target.module, owner)[1:]:
        forward = _method(cls, TORCH_METHOD)
        if forward is not None and _method(cls, CELL_METHOD) is None:
            classes.append(cls)
            methods.append(forward)
    return target.module.visit(_RenameForward(classes, methods))


def _method(cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    return next((item for item in cls.body.body if isinstance(item, cst.FunctionDef) and item.name.value == name), None)


def _with_local_subclasses(module: cst.Module, owner: cst.ClassDef) -> list[cst.ClassDef]:
    """`owner` and the module-level classes that derive from it, directly or through each other."""
    classes = [statement for statement in module.body if isinstance(statement, cst.ClassDef)]
    found = [owner]
    for cls in found:
        for other in classes:
            bases = {arg.value.value for arg in other.bases if isinstance(arg.value, cst.Name)}
            if cls.name.value in bases and other not in found:
                found.append(other)
    return found
