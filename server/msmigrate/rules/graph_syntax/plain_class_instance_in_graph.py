"""MSG004: instances of classes defined in the file, built or changed in graph scope in ways graph mode breaks."""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass

from msmigrate.analysis.facts import FunctionNode, ModuleFacts, SyntaxLevel
from msmigrate.analysis.findings import Category, Severity
from msmigrate.analysis.values import ValueKind
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.graph_syntax._host_calls import argument_values
from msmigrate.rules.graph_syntax._local_objects import (
    assigned_values,
    init_values,
    self_attribute,
)

# Bases that keep a class "plain": graph mode treats its instances as ordinary Python objects.
PLAIN_BASES = frozenset({"typing.NamedTuple", "typing_extensions.NamedTuple", "abc.ABC"})
NAMED_TUPLE_FACTORIES = frozenset({"collections.namedtuple", "typing.NamedTuple", "typing_extensions.NamedTuple"})
NOT_INSTANCE_METHODS = frozenset({"staticmethod", "classmethod"})


class ClassKind(enum.Enum):
    PLAIN = "plain"
    JIT_CLASS = "jit_class"


@dataclass(frozen=True)
class Instance:
    """An expression known to hold an instance of an in-file class."""

    class_name: str
    kind: ClassKind
    on_self: bool  # `self.<attr>`, built in `__init__`; otherwise a local name built in this function


class PlainClassInstanceInGraph(Rule):
    """Instance of a class defined in this file, built from tensors or mutated inside a compiled function.

    **What it does**

    For classes defined in the same file that are neither `nn.Cell`s nor other MindSpore classes
    (plain classes, dataclasses, `typing.NamedTuple` classes and `namedtuple(...)` types, and
    `@jit_class` classes), flags, inside
    `construct`, a `@mindspore.jit` function, or a function they call:

    - building an instance from a tensor (`Box(x)`);
    - setting an attribute of an instance (`box.value = x`, `self.box.value = x`);
    - calling a method that sets attributes of its instance (`counter.add(x)`).

    Instances built from constants and used through methods that only read them are not flagged:
    they compile at both levels and give PyNative's values and gradients (measured).

    **Why is this bad?**

    Measured on MindSpore 2.10, in GRAPH_MODE:

    - A plain instance built from a tensor does not compile at `jit_syntax_level=STRICT`. At LAX it
      compiles through JIT Fallback, but no gradient flows through the instance: it is silently zero.
      A `@jit_class` instance built from a tensor does not compile at either level: graph mode builds
      those from constants only. So decorating the class with `@jit_class` does not help.
    - Setting an attribute of an instance does not compile at STRICT (only Parameters of the Cell may
      be assigned). At LAX it compiles but computes wrong values: an assigned tensor keeps its first
      value on later calls, a `@jit_class` instance ignores the assignment, and no gradient flows.
    - A method that sets attributes does not compile at STRICT either. At LAX, an instance built in the
      graph is built once, while compiling, so its state carries over from call to call (wrong
      values). An instance built in `__init__` and kept on `self` behaves as in PyNative at LAX, where
      the call runs on the host at every step.

    Classes imported from other modules are not flagged: what they are is not known here.

    **Example**

    ```python
    class Box:
        def __init__(self, value):
            self.value = value

    class Net(nn.Cell):
        def construct(self, x):
            box = Box(x * 2)
            return box.value + 1
    ```

    **Use instead**

    ```python
    class Scale:
        def __init__(self, factor):
            self.factor = factor

        def apply(self, t):
            return t * self.factor

    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.scale = Scale(2.0)

        def construct(self, x):
            return self.scale.apply(x) + 1
    ```

    **Fix safety**

    No automatic fix. Adding `@mindspore.jit_class` was measured and does not help: instances built
    from tensors then fail at LAX too, and attribute changes are still lost. Keep tensors out of
    constructors and attributes: pass them to methods, or carry them in tuples.

    **References**

    https://www.mindspore.cn/tutorials/en/r2.6.0/compile/static_graph.html
    """

    code = "MSG004"
    category = Category.GRAPH_SYNTAX
    node_types = (ast.Call, ast.Assign, ast.AugAssign)
    graph_scope_only = True

    def __init__(self) -> None:
        # A rule object lives for one analysis: this holds what it learns about that module's classes.
        self._module: _ModuleClasses | None = None

    def check(self, node: ast.AST, context: RuleContext) -> None:
        function = context.function
        if function is None:
            return
        if self._module is None:
            self._module = _ModuleClasses(context.facts)
        module = self._module
        if not module.constructors:
            return
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in module.constructors:
                self._check_construction(node, func.id, context)
            elif isinstance(func, ast.Attribute) and func.attr in module.mutating_method_names:
                self._check_method_call(node, func, context)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                self._check_attribute_set(target, context)
        elif isinstance(node, ast.AugAssign):
            self._check_attribute_set(node.target, context)

    # -- building an instance from a tensor ---------------------------------------------------------
    def _check_construction(self, call: ast.Call, name: str, context: RuleContext) -> None:
        values = context.values
        if values is None or not any(values.kind_of(value) is ValueKind.TENSOR for value in argument_values(call)):
            return
        function, module = context.function, self._module
        assert function is not None and module is not None
        # A local name or an import of the same name hides the class.
        if name in context.facts.index_of(function).bindings or context.imports.lookup(name):
            return
        kind = module.constructors[name]
        where = context.scope_description()
        if kind is ClassKind.JIT_CLASS:
            message = (
                f"`{name}(...)` {where} builds a `@jit_class` instance from a tensor: this does not compile at "
                "either syntax level, as graph mode builds such instances from constants only; build it from "
                "constants and pass the tensor to its methods"
            )
            context.report(call, message, Severity.ERROR)
        elif context.level is SyntaxLevel.STRICT:
            message = (
                f"`{name}(...)` {where} builds an instance of the plain class `{name}` from a tensor: this does "
                "not compile at jit_syntax_level STRICT; pass the tensor to a method instead, or use a tuple"
            )
            context.report(call, message, Severity.ERROR)
        else:
            message = (
                f"`{name}(...)` {where} builds an instance of the plain class `{name}` from a tensor: it compiles "
                "through JIT Fallback, but no gradient flows through the instance (it is silently zero)"
            )
            context.report(call, message, Severity.WARNING)

    # -- changing an instance -----------------------------------------------------------------------
    def _check_attribute_set(self, target: ast.expr, context: RuleContext) -> None:
        # `self.x = ...` sets an attribute of the Cell itself, which is not this rule's business.
        if not isinstance(target, ast.Attribute) or (isinstance(target.value, ast.Name) and target.value.id == "self"):
            return
        instance = self._instance_of(target.value, context)
        if instance is None:
            return
        shown = ast.unparse(target)
        where = context.scope_description()
        if context.level is SyntaxLevel.STRICT:
            message = (
                f"setting `{shown}` {where} does not compile at jit_syntax_level STRICT: in a graph only "
                "Parameters of the Cell may be assigned"
            )
            context.report(target, message, Severity.ERROR)
            return
        message = (
            f"setting `{shown}`, an attribute of a `{instance.class_name}` instance, {where} compiles through "
            "JIT Fallback but computes wrong values: the assigned value does not follow later inputs and "
            "carries no gradient"
        )
        context.report(target, message, Severity.WARNING)

    def _check_method_call(self, call: ast.Call, func: ast.Attribute, context: RuleContext) -> None:
        instance = self._instance_of(func.value, context)
        if instance is None:
            return
        assert self._module is not None
        changed = self._module.attributes_set_by(instance.class_name, func.attr)
        if not changed:
            return
        shown = f"`{ast.unparse(func)}()`"
        where = context.scope_description()
        attributes = ", ".join(f"`self.{name}`" for name in changed)
        if context.level is SyntaxLevel.STRICT:
            message = (
                f"{shown} {where} sets {attributes} of its `{instance.class_name}` instance: this does not "
                "compile at jit_syntax_level STRICT, where only Parameters of the Cell may be assigned"
            )
            context.report(call, message, Severity.ERROR)
        elif instance.on_self:
            message = (
                f"{shown} {where} sets {attributes} of a `{instance.class_name}` instance: at LAX this runs on "
                "the host through JIT Fallback at every call, and the network cannot be exported to MindIR"
            )
            context.report(call, message, Severity.HINT)
        else:
            message = (
                f"{shown} {where} sets {attributes} of a `{instance.class_name}` instance built in the graph: "
                "the instance is built once, while compiling, so its state carries over from call to call "
                "(wrong values), and no gradient flows through it"
            )
            context.report(call, message, Severity.WARNING)

    def _instance_of(self, expr: ast.expr, context: RuleContext) -> Instance | None:
        """The in-file class instance `expr` holds: a local name built here, or `self.<attr>` built in `__init__`."""
        function = context.function
        module = self._module
        assert function is not None and module is not None
        if isinstance(expr, ast.Name):
            values = assigned_values(function, expr.id, context.facts)
            on_self = False
        else:
            attribute = self_attribute(expr)
            owner = context.facts.class_of_method(function) if attribute is not None else None
            if attribute is None or owner is None:
                return None
            values = init_values(owner, attribute, context.facts)
            on_self = True
        if not values:
            return None
        called = {_called_name(value) for value in values}
        if len(called) != 1:
            return None
        (name,) = called
        if name is None:
            return None
        kind = module.kinds.get(name)
        if kind is None or context.imports.lookup(name):
            return None
        return Instance(name, kind, on_self)


class _ModuleClasses:
    """The in-file classes this rule knows, and their methods that set attributes of their instance."""

    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self.kinds = {name: kind for name in facts.classes if (kind := class_kind(name, facts)) is not None}
        # `Point = namedtuple(...)` makes a plain class too (measured: built from a tensor, it does not
        # compile at STRICT and has no gradient at LAX). Its instances are immutable: only building counts.
        self.constructors = dict(self.kinds)
        for name, values in facts.module_assignments.items():
            if (
                name not in facts.classes
                and len(values) == 1
                and isinstance(values[0], ast.Call)
                and facts.imports.qualified_names(values[0].func) & NAMED_TUPLE_FACTORIES
            ):
                self.constructors[name] = ClassKind.PLAIN
        self._set_by: dict[tuple[str, str], list[str]] = {}
        self.mutating_method_names = frozenset(
            method_name
            for class_name in self.kinds
            for method_name in facts.classes[class_name].methods
            if method_name != "__init__" and _attributes_set_by(facts.classes[class_name].methods[method_name])
        )

    def attributes_set_by(self, class_name: str, method_name: str) -> list[str]:
        key = (class_name, method_name)
        if key not in self._set_by:
            found = self.facts.find_method(self.facts.classes[class_name], method_name)
            method = found[0] if found is not None else None
            self._set_by[key] = _attributes_set_by(method) if method is not None else []
        return self._set_by[key]


def class_kind(name: str, facts: ModuleFacts, seen: frozenset[str] = frozenset()) -> ClassKind | None:
    """PLAIN or JIT_CLASS for an in-file class whose bases are all known; None for Cells and the rest."""
    info = facts.classes.get(name)
    if info is None or info.is_cell or info.node.keywords:
        return None
    if info.is_jit_class:
        return ClassKind.JIT_CLASS
    kind = ClassKind.PLAIN
    for base, names in zip(info.node.bases, info.base_names, strict=True):
        if isinstance(base, ast.Name) and base.id in facts.classes and base.id not in seen:
            base_kind = class_kind(base.id, facts, seen | {name})
            if base_kind is None:
                return None
            # `@jit_class` marks the class with an attribute its subclasses inherit.
            if base_kind is ClassKind.JIT_CLASS:
                kind = ClassKind.JIT_CLASS
        elif isinstance(base, ast.Name) and base.id == "object" and not names:
            continue
        elif not names & PLAIN_BASES:
            return None
    return kind


def _called_name(value: ast.expr) -> str | None:
    """`Box` for `Box(...)`; None for any other expression."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return value.func.id
    return None


def _attributes_set_by(method: FunctionNode) -> list[str]:
    """Attributes of its instance that a method assigns (`self.total = ...`), in order of appearance."""
    decorators = {decorator.id for decorator in method.decorator_list if isinstance(decorator, ast.Name)}
    positional = [*method.args.posonlyargs, *method.args.args]
    if decorators & NOT_INSTANCE_METHODS or not positional:
        return []
    receiver = positional[0].arg
    changed: list[str] = []
    for node in ast.walk(method):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for element in _flatten(target):
                if (
                    isinstance(element, ast.Attribute)
                    and isinstance(element.value, ast.Name)
                    and element.value.id == receiver
                    and element.attr not in changed
                ):
                    changed.append(element.attr)
    return changed


def _flatten(target: ast.expr) -> list[ast.expr]:
    if isinstance(target, ast.Tuple | ast.List):
        return [leaf for element in target.elts for leaf in _flatten(element)]
    if isinstance(target, ast.Starred):
        return _flatten(target.value)
    return [target]
