"""Which torch or MindSpore API a name stands for: under a position, and at every use in a module.

Names resolve through the module's imports and aliases (`ImportTable`, set semantics: after
conditional imports `nn.Dropout` may be both `torch.nn.Dropout` and `mindspore.nn.Dropout`), scope by
scope as Python looks them up: a parameter or local assignment shadows an import in its whole
function, and a class body's names are not seen by its methods.

A method or attribute of a value (`x.transpose(0, 1)`) names a tensor API (`torch.Tensor.transpose`)
only when the receiver is known to hold a tensor: a `forward` / `construct` input, a parameter
annotated as a tensor, the result of a framework function, of calling a layer, of another tensor
method, or of arithmetic on tensors; and the same through `self.<attribute>` assignments of the class.
Where that is not enough (the receiver's type comes from code this module cannot see, or the text does
not parse while it is being typed), `JediFallback` asks jedi, within a time budget.

Pure: imports neither torch nor mindspore (jedi reads their sources; it does not import them here).
"""

from __future__ import annotations

import ast
import bisect
import enum
import hashlib
import logging
import queue
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from msmigrate.analysis.facts import target_names
from msmigrate.analysis.findings import Span
from msmigrate.analysis.names import EMPTY, ImportTable
from msmigrate.analysis.source import SourceText

log = logging.getLogger(__name__)

TORCH_ROOTS = ("torch", "torchvision", "torchaudio", "torchtext")
MINDSPORE_ROOT = "mindspore"
TORCH = "torch"
MINDSPORE = "mindspore"

# What a value may be, as far as API names care: a tensor, or a layer (calling it gives a tensor).
_TENSOR = {TORCH: "tensor:torch", MINDSPORE: "tensor:mindspore"}
_LAYER = {TORCH: "layer:torch", MINDSPORE: "layer:mindspore"}
Kinds = frozenset[str]
NOTHING: Kinds = frozenset()

TENSOR_CLASSES = {
    "torch.Tensor": TORCH,
    "torch.nn.Parameter": TORCH,
    "torch.nn.parameter.Parameter": TORCH,
    "torch.nn.parameter.Buffer": TORCH,
    "torch.nn.Buffer": TORCH,
    "mindspore.Tensor": MINDSPORE,
    "mindspore.Parameter": MINDSPORE,
    "mindspore.common.tensor.Tensor": MINDSPORE,
    "mindspore.common.parameter.Parameter": MINDSPORE,
}
TENSOR_FACTORIES = {
    "torch.tensor": TORCH,
    "torch.as_tensor": TORCH,
    "torch.from_numpy": TORCH,
    "mindspore.tensor": MINDSPORE,
}
# Modules whose lowercase functions take and return tensors (the exceptions are listed below).
TENSOR_FUNCTION_MODULES = {
    "torch": TORCH,
    "torch.nn.functional": TORCH,
    "torch.linalg": TORCH,
    "torch.special": TORCH,
    "torch.fft": TORCH,
    "mindspore.ops": MINDSPORE,
    "mindspore.ops.functional": MINDSPORE,
    "mindspore.mint": MINDSPORE,
    "mindspore.mint.nn.functional": MINDSPORE,
    "mindspore.mint.linalg": MINDSPORE,
    "mindspore.mint.special": MINDSPORE,
}
NOT_TENSOR_RESULTS = frozenset(
    {
        "torch.allclose",
        "torch.broadcast_shapes",
        "torch.can_cast",
        "torch.compile",
        "torch.device",
        "torch.enable_grad",
        "torch.equal",
        "torch.finfo",
        "torch.get_default_dtype",
        "torch.get_num_threads",
        "torch.iinfo",
        "torch.inference_mode",
        "torch.initial_seed",
        "torch.is_complex",
        "torch.is_floating_point",
        "torch.is_grad_enabled",
        "torch.is_tensor",
        "torch.load",
        "torch.manual_seed",
        "torch.no_grad",
        "torch.numel",
        "torch.promote_types",
        "torch.result_type",
        "torch.save",
        "torch.seed",
        "torch.set_default_dtype",
        "torch.set_grad_enabled",
        "torch.set_num_threads",
        "torch.set_printoptions",
        "torch.use_deterministic_algorithms",
        "mindspore.ops.rank",
        "mindspore.ops.shape",
        "mindspore.ops.is_tensor",
    }
)
# Layer classes live here: calling an instance gives a tensor (`nn.Linear(4, 2)(x)`, `ops.Transpose()(x, p)`).
LAYER_MODULE_PREFIXES = {
    "torch.nn.": TORCH,
    "mindspore.nn.": MINDSPORE,
    "mindspore.mint.nn.": MINDSPORE,
    "mindspore.ops.": MINDSPORE,
}
NOT_LAYER_CLASSES = frozenset(
    {
        "torch.nn.ModuleList",
        "torch.nn.ModuleDict",
        "torch.nn.ParameterList",
        "torch.nn.ParameterDict",
        "mindspore.nn.CellList",
        "mindspore.nn.CellDict",
    }
)
# Tensor methods and attributes whose result is not a tensor (sizes, Python numbers, arrays, flags).
NOT_TENSOR_METHODS = frozenset(
    {
        "asnumpy",
        "backward",
        "data_ptr",
        "dim",
        "element_size",
        "equal",
        "get_device",
        "is_complex",
        "is_contiguous",
        "is_floating_point",
        "is_pinned",
        "is_shared",
        "is_signed",
        "item",
        "ndimension",
        "nelement",
        "numel",
        "numpy",
        "register_hook",
        "size",
        "storage",
        "stride",
        "tolist",
        "type",
        "untyped_storage",
    }
)
TENSOR_ATTRIBUTES = frozenset({"T", "mT", "H", "mH", "data", "grad", "real", "imag"})
LAYER_TENSOR_ATTRIBUTES = frozenset({"weight", "bias"})
# Methods whose inputs are what the caller feeds: tensors.
INPUT_METHODS = {TORCH: ("forward",), MINDSPORE: ("construct",)}
FIXPOINT_ROUNDS = 6
BUFFER_REGISTRATIONS = frozenset({"register_buffer", "register_parameter"})


class UseKind(enum.Enum):
    CALL = "call"  # `nn.Dropout(0.2)`, `x.transpose(0, 1)`
    REFERENCE = "reference"  # stored or passed: `act = F.relu`, `isinstance(m, nn.Conv2d)`
    BASE = "base"  # `class Net(nn.Module)`
    DECORATOR = "decorator"  # `@torch.no_grad()`
    ANNOTATION = "annotation"  # `x: torch.Tensor`
    IMPORT = "import"  # `from torch.nn import Dropout`


class Resolution(enum.Enum):
    IMPORTS = "imports"  # through the module's imports and aliases
    TENSOR_METHOD = "tensor-method"  # an attribute of a value known to be a tensor
    JEDI = "jedi"  # jedi inferred it


@dataclass(frozen=True, slots=True)
class ApiUse:
    """One place that names an API: every qualified name it may stand for, and where it is."""

    names: frozenset[str]
    span: Span  # the whole reference (`nn.Dropout`, `x.transpose`)
    name_span: Span  # the part that names the API (`Dropout`, `transpose`)
    kind: UseKind
    resolution: Resolution

    @property
    def torch_names(self) -> tuple[str, ...]:
        return tuple(sorted(name for name in self.names if is_torch_name(name)))

    @property
    def mindspore_names(self) -> tuple[str, ...]:
        return tuple(sorted(name for name in self.names if is_mindspore_name(name)))

    @property
    def hover_span(self) -> Span:
        """A tensor method is shown on its name alone; a dotted API on the whole reference."""
        return self.name_span if self.resolution is not Resolution.IMPORTS else self.span


def is_torch_name(name: str) -> bool:
    return name.split(".", 1)[0] in TORCH_ROOTS


def is_mindspore_name(name: str) -> bool:
    return name.split(".", 1)[0] == MINDSPORE_ROOT


@dataclass(frozen=True, slots=True)
class UnresolvedAttribute:
    """An attribute of a value of unknown type: jedi may tell what its receiver is."""

    name_span: Span
    attribute: str
    receiver_end: tuple[int, int]  # 1-based line, code-point column just after the receiver
    called: bool


@dataclass
class ModuleApis:
    """Every API use of one module, in source order."""

    uses: list[ApiUse]
    unresolved: list[UnresolvedAttribute] = field(default_factory=list)
    _starts: list[tuple[int, int]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.uses.sort(key=lambda use: (use.name_span.line, use.name_span.column))
        self._starts = [(use.name_span.line, use.name_span.column) for use in self.uses]

    def at(self, line: int, column: int) -> ApiUse | None:
        """The use whose name covers (line, column), ends included; 1-based line, code-point column."""
        index = bisect.bisect_right(self._starts, (line, column))
        for candidate in reversed(self.uses[max(0, index - 2) : index]):
            if _covers(candidate.name_span, line, column):
                return candidate
        return None

    def unresolved_at(self, line: int, column: int) -> UnresolvedAttribute | None:
        return next((item for item in self.unresolved if _covers(item.name_span, line, column)), None)


def _covers(span: Span, line: int, column: int) -> bool:
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


def module_apis(
    tree: ast.Module, text: str, *, focus_line: int | None = None, keep_unresolved: bool = False
) -> ModuleApis:
    """Every torch and MindSpore API the module names, with the names each use may stand for.

    With `focus_line`, only what that line needs is read: the module's own statements, and the bodies
    of the functions and classes around the line (a hover asks about one line; this keeps it fast on
    long files). `keep_unresolved` also lists attributes of values of unknown type, for jedi.
    """
    return _ModuleResolver(tree, SourceText(text), focus_line, keep_unresolved).run()


def parse_module(text: str) -> ast.Module | None:
    """The module's tree, or None when it does not parse (being typed, or not Python)."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def api_at(
    text: str, line: int, column: int, jedi: JediFallback | None = None, path: str | None = None
) -> ApiUse | None:
    """The API named at (1-based line, code-point column): ast first, then jedi if given and needed."""
    tree = parse_module(text)
    if tree is not None:
        apis = module_apis(tree, text, focus_line=line, keep_unresolved=jedi is not None)
        return resolve_at(apis, text, line, column, jedi, path)
    return jedi.chain_at(text, line, column, path) if jedi is not None else None


def resolve_at(
    apis: ModuleApis, text: str, line: int, column: int, jedi: JediFallback | None = None, path: str | None = None
) -> ApiUse | None:
    use = apis.at(line, column)
    if use is not None or jedi is None:
        return use
    unresolved = apis.unresolved_at(line, column)
    if unresolved is None:
        return None
    return jedi.tensor_attribute(text, unresolved, path)


# -- mapping-derived name facts -----------------------------------------------------------------------


@cache
def _module_paths() -> frozenset[str]:
    """Dotted prefixes of the mapped APIs that name modules (`torch.nn`, `mindspore.ops`), not classes."""
    from msmigrate.mappings import MappingDataError, load_mappings

    try:
        mappings = load_mappings()
        names = [*mappings.torch_names(), *mappings.mindspore_apis()]
    except MappingDataError:
        names = []
    modules = {*TORCH_ROOTS, MINDSPORE_ROOT}
    for name in names:
        parts = name.split(".")
        for end in range(1, len(parts)):
            if not parts[end - 1][:1].isupper():
                modules.add(".".join(parts[:end]))
            else:
                break
    return frozenset(modules)


def is_module_path(name: str) -> bool:
    return name in _module_paths()


@lru_cache(maxsize=8192)
def _is_mapped(name: str) -> bool:
    from msmigrate.mappings import MappingDataError, load_mappings

    try:
        mappings = load_mappings()
    except MappingDataError:
        return False
    return mappings.lookup(name) is not None or bool(mappings.torch_for(name))


def _framework_of(name: str) -> str | None:
    if is_torch_name(name):
        return TORCH
    if is_mindspore_name(name):
        return MINDSPORE
    return None


# -- scopes ---------------------------------------------------------------------------------------------


class _ScopeTable(ImportTable):
    """The import table of one scope; aliases assigned in the scope are bound to resolved names."""

    def bind_names(self, local: str, names: frozenset[str]) -> None:
        for name in names:
            self._bind(local, name)


class _ScopeKind(enum.Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    COMPREHENSION = "comprehension"


@dataclass(eq=False)
class _Scope:
    node: ast.AST
    kind: _ScopeKind
    parent: _Scope | None
    table: _ScopeTable = field(default_factory=_ScopeTable)
    bound: set[str] = field(default_factory=set)
    module_aliases: set[str] = field(default_factory=set)  # bound by `import a.b [as c]`: a module
    globals: set[str] = field(default_factory=set)
    # name -> (value, element): `name = value`, or one element of an unpacked `a, b = value` (element=True)
    values: dict[str, list[tuple[ast.expr, bool]]] = field(default_factory=dict)
    owner: _ClassFacts | None = None  # the class of a method
    self_name: str | None = None  # a method's first parameter
    # A method's `self.x = value` and `self.register_buffer("x", value)`, in nested functions too.
    self_values: list[tuple[str, ast.expr]] = field(default_factory=list)
    env: dict[str, Kinds] | None = None  # the kinds of local names, once computed

    def bind(self, name: str) -> None:
        self.bound.add(name)


@dataclass(eq=False)
class _ClassFacts:
    node: ast.ClassDef
    scope: _Scope  # where the class statement is
    methods: list[_Scope] = field(default_factory=list)
    frameworks: frozenset[str] | None = None  # torch / mindspore when it is a Module / Cell; computed lazily
    attributes: dict[str, Kinds] | None = None  # `self.<attribute>` kinds, once computed
    partial_attributes: dict[str, Kinds] = field(default_factory=dict)  # while they are being computed
    computing: bool = False


@dataclass
class _Reference:
    node: ast.expr
    scope: _Scope
    kind: UseKind


class _ModuleResolver:
    """Two passes: bind every scope's names (the module's whole text first), then resolve references."""

    def __init__(self, tree: ast.Module, source: SourceText, focus_line: int | None, keep_unresolved: bool) -> None:
        self.tree = tree
        self.source = source
        self.focus_line = focus_line
        self.keep_unresolved = keep_unresolved
        self.module = _Scope(tree, _ScopeKind.MODULE, None)
        self.scopes: list[_Scope] = [self.module]
        self.references: list[_Reference] = []
        self.import_aliases: list[tuple[ast.alias, str]] = []  # `from m import name`: (alias, "m.name")
        self.classes: dict[ast.ClassDef, _ClassFacts] = {}
        self.class_named: dict[tuple[int, str], _ClassFacts] = {}  # (id of the defining scope, name)
        self.uses: list[ApiUse] = []
        self.unresolved: list[UnresolvedAttribute] = []

    def run(self) -> ModuleApis:
        self._visit_block(self.tree.body, self.module)
        self._bind_aliases()
        for alias, qualified in self.import_aliases:
            self._import_use(alias, qualified)
        for reference in self.references:
            self._resolve_reference(reference)
        return ModuleApis(self.uses, self.unresolved)

    # -- pass 1: bindings and references -----------------------------------------------------------------

    def _new_scope(self, node: ast.AST, kind: _ScopeKind, parent: _Scope) -> _Scope:
        scope = _Scope(node, kind, parent)
        self.scopes.append(scope)
        return scope

    def _visit_block(self, statements: list[ast.stmt], scope: _Scope) -> None:
        for statement in statements:
            self._visit_statement(statement, scope)

    def _visit_statement(self, node: ast.stmt, scope: _Scope) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            self._visit_import(node, scope)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self._visit_function(node, scope)
        elif isinstance(node, ast.ClassDef):
            self._visit_class(node, scope)
        elif isinstance(node, ast.Global):
            scope.globals.update(node.names)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                self._record_assignment(target, node.value, scope)
            self._visit_children(node, scope)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self._record_assignment(node.target, node.value, scope)
            self._visit_expression(node.target, scope)
            self._visit_annotation(node.annotation, scope)
            if node.value is not None:
                self._visit_expression(node.value, scope)
        elif isinstance(node, ast.AugAssign):
            # `x += t` makes x whatever `x + t` is: record `t` as one more value of x.
            self._record_assignment(node.target, node.value, scope)
            self._visit_children(node, scope)
        else:
            self._visit_children(node, scope)

    def _visit_children(self, node: ast.AST, scope: _Scope) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self._visit_statement(child, scope)
            elif isinstance(child, ast.expr):
                self._visit_expression(child, scope)
            elif isinstance(child, ast.ExceptHandler):
                if child.name:
                    scope.bind(child.name)
                self._visit_children(child, scope)
            elif isinstance(child, ast.MatchAs | ast.MatchStar) and child.name:
                scope.bind(child.name)
                self._visit_children(child, scope)
            elif isinstance(child, ast.MatchMapping) and child.rest:
                scope.bind(child.rest)
                self._visit_children(child, scope)
            else:
                self._visit_children(child, scope)

    def _visit_import(self, node: ast.Import | ast.ImportFrom, scope: _Scope) -> None:
        scope.table.add_import(node)
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname or alias.name.split(".", 1)[0]
            scope.bind(local)
            if isinstance(node, ast.Import):
                scope.module_aliases.add(local)
            elif not node.level and node.module:
                self.import_aliases.append((alias, f"{node.module}.{alias.name}"))

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope) -> None:
        scope.bind(node.name)
        for decorator in node.decorator_list:
            self._visit_reference_root(decorator, scope, UseKind.DECORATOR)
        self._visit_arguments_outside(node.args, scope)
        if node.returns is not None:
            self._visit_annotation(node.returns, scope)
        inner = self._new_scope(node, _ScopeKind.FUNCTION, scope)
        self._bind_parameters(node.args, inner)
        if scope.kind is _ScopeKind.CLASS:
            owner = self.classes.get(scope.node)  # type: ignore[arg-type]
            positional = [*node.args.posonlyargs, *node.args.args]
            is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
            if owner is not None and positional and not is_static:
                inner.owner = owner
                inner.self_name = positional[0].arg
                owner.methods.append(inner)
        # The methods of a class around the focus are all read: they assign its `self.` attributes.
        if scope.kind is _ScopeKind.CLASS or not self._out_of_focus(node):
            self._visit_block(node.body, inner)

    def _out_of_focus(self, node: ast.stmt) -> bool:
        if self.focus_line is None:
            return False
        return not node.lineno <= self.focus_line <= (node.end_lineno or node.lineno)

    def _visit_arguments_outside(self, arguments: ast.arguments, scope: _Scope) -> None:
        """Defaults and annotations are evaluated where the function is defined."""
        for default in [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]:
            self._visit_expression(default, scope)
        for argument in _all_arguments(arguments):
            if argument.annotation is not None:
                self._visit_annotation(argument.annotation, scope)

    def _bind_parameters(self, arguments: ast.arguments, scope: _Scope) -> None:
        for argument in _all_arguments(arguments):
            scope.bind(argument.arg)

    def _visit_class(self, node: ast.ClassDef, scope: _Scope) -> None:
        scope.bind(node.name)
        for decorator in node.decorator_list:
            self._visit_reference_root(decorator, scope, UseKind.DECORATOR)
        for base in node.bases:
            self._visit_reference_root(base, scope, UseKind.BASE)
        for keyword in node.keywords:
            self._visit_expression(keyword.value, scope)
        inner = self._new_scope(node, _ScopeKind.CLASS, scope)
        facts = _ClassFacts(node, scope)
        self.classes[node] = facts
        self.class_named[(id(scope), node.name)] = facts
        if not self._out_of_focus(node):
            self._visit_block(node.body, inner)

    def _visit_annotation(self, node: ast.expr, scope: _Scope) -> None:
        self._visit_reference_root(node, scope, UseKind.ANNOTATION)

    def _visit_reference_root(self, node: ast.expr, scope: _Scope, kind: UseKind) -> None:
        """A decorator, base or annotation: its own chain gets `kind`; what it contains is visited as usual."""
        if isinstance(node, ast.Call) and kind is UseKind.DECORATOR:
            self._visit_expression(node.func, scope, kind)
            for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                self._visit_expression(argument, scope)
            return
        if kind is UseKind.ANNOTATION and isinstance(node, ast.Constant):
            return  # a string annotation is not evaluated
        self._visit_expression(node, scope, kind)

    def _visit_expression(self, node: ast.expr, scope: _Scope, kind: UseKind | None = None) -> None:
        # Inside an annotation everything is annotation; elsewhere nested expressions get their own kind.
        nested = UseKind.ANNOTATION if kind is UseKind.ANNOTATION else None
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                scope.bind(node.id)
            elif isinstance(node.ctx, ast.Load):
                self.references.append(_Reference(node, scope, kind or UseKind.REFERENCE))
            return
        if isinstance(node, ast.Attribute):
            if isinstance(node.ctx, ast.Load):
                self.references.append(_Reference(node, scope, kind or UseKind.REFERENCE))
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if not isinstance(root, ast.Name):
                self._visit_expression(root, scope, nested)
            return
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in BUFFER_REGISTRATIONS
                and isinstance(func.value, ast.Name)
                and len(node.args) >= 2
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                self._record_self_value(func.value.id, node.args[0].value, node.args[1], scope)
            self._visit_expression(func, scope, nested or UseKind.CALL)
            for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                self._visit_expression(argument, scope, nested)
            return
        if isinstance(node, ast.Lambda):
            self._visit_arguments_outside(node.args, scope)
            inner = self._new_scope(node, _ScopeKind.FUNCTION, scope)
            self._bind_parameters(node.args, inner)
            self._visit_expression(node.body, inner)
            return
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            self._visit_comprehension(node, scope)
            return
        if isinstance(node, ast.NamedExpr):
            target_scope = scope
            while target_scope.kind is _ScopeKind.COMPREHENSION and target_scope.parent is not None:
                target_scope = target_scope.parent
            self._record_assignment(node.target, node.value, target_scope)
            target_scope.bind(node.target.id)
            self._visit_expression(node.value, scope)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self._visit_expression(child, scope, nested)
            else:
                self._visit_children(child, scope)

    def _visit_comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, scope: _Scope
    ) -> None:
        generators = node.generators
        # The first iterable is evaluated in the enclosing scope; the rest inside the comprehension.
        self._visit_expression(generators[0].iter, scope)
        inner = self._new_scope(node, _ScopeKind.COMPREHENSION, scope)
        for index, generator in enumerate(generators):
            if index:
                self._visit_expression(generator.iter, inner)
            self._visit_expression(generator.target, inner)
            for condition in generator.ifs:
                self._visit_expression(condition, inner)
        if isinstance(node, ast.DictComp):
            self._visit_expression(node.key, inner)
            self._visit_expression(node.value, inner)
        else:
            self._visit_expression(node.elt, inner)

    def _record_assignment(self, target: ast.expr, value: ast.expr, scope: _Scope) -> None:
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            self._record_self_value(target.value.id, target.attr, value, scope)
        elif isinstance(target, ast.Name):
            scope.values.setdefault(target.id, []).append((value, False))
        elif isinstance(target, ast.Tuple | ast.List):
            if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
                for element_target, element_value in zip(target.elts, value.elts, strict=True):
                    self._record_assignment(element_target, element_value, scope)
                return
            for name in target_names(target):
                scope.values.setdefault(name, []).append((value, True))
        elif isinstance(target, ast.Starred):
            self._record_assignment(target.value, value, scope)

    def _record_self_value(self, receiver: str, attribute: str, value: ast.expr, scope: _Scope) -> None:
        method = _enclosing_method(scope)
        if method is not None and receiver == method.self_name:
            method.self_values.append((attribute, value))

    def _bind_aliases(self) -> None:
        """`Linear = nn.Linear`, `F = torch.nn.functional` in any scope become aliases like imports would."""
        for _ in range(2):  # an alias of an alias
            for scope in self.scopes:
                for name, values in scope.values.items():
                    for value, element in values:
                        if element or not isinstance(value, ast.Name | ast.Attribute):
                            continue
                        names = self._qualified_names(value, scope)
                        if names:
                            scope.table.bind_names(name, names)

    # -- name resolution ---------------------------------------------------------------------------------

    def _binding_scope(self, name: str, scope: _Scope) -> _Scope | None:
        current: _Scope | None = scope
        first = True
        while current is not None:
            if current.kind is _ScopeKind.CLASS and not first:
                current = current.parent
                continue
            if name in current.globals:
                return self.module if name in self.module.bound else None
            if name in current.bound:
                return current
            first = False
            current = current.parent
        return None

    def _qualified_names(self, node: ast.expr, scope: _Scope) -> frozenset[str]:
        if isinstance(node, ast.Name):
            binding = self._binding_scope(node.id, scope)
            if binding is None:
                return frozenset(name for name in self.module.table.star_candidates(node.id) if _is_mapped(name))
            return binding.table.lookup(node.id)
        if isinstance(node, ast.Attribute):
            base = self._qualified_names(node.value, scope)
            return frozenset(f"{name}.{node.attr}" for name in base) if base else EMPTY
        return EMPTY

    def _is_module_alias(self, node: ast.expr, scope: _Scope) -> bool:
        if not isinstance(node, ast.Name):
            return False
        binding = self._binding_scope(node.id, scope)
        return binding is not None and node.id in binding.module_aliases

    # -- pass 2: uses ------------------------------------------------------------------------------------

    def _import_use(self, alias: ast.alias, qualified: str) -> None:
        if _framework_of(qualified) is None or is_module_path(qualified):
            return
        span = self.source.span_of(alias)
        name_end = span.column + len(alias.name)
        name_span = Span(span.line, span.column, span.line, name_end)
        self.uses.append(ApiUse(frozenset({qualified}), name_span, name_span, UseKind.IMPORT, Resolution.IMPORTS))

    def _resolve_reference(self, reference: _Reference) -> None:
        node = reference.node
        names = self._qualified_names(node, reference.scope)
        if names and not self._is_module_alias(node, reference.scope):
            api_names = frozenset(
                name
                for name in names
                if _framework_of(name) is not None and not is_module_path(name) and not _is_dunder(name)
            )
            if api_names:
                span = self.source.span_of(node)
                self.uses.append(
                    ApiUse(api_names, span, self._name_span(node, span), reference.kind, Resolution.IMPORTS)
                )
            return
        if names or not isinstance(node, ast.Attribute):
            return
        self._tensor_attribute_uses(node, reference)

    def _tensor_attribute_uses(self, node: ast.Attribute, reference: _Reference) -> None:
        """Each link of `x.view(...)`, `self.weight.data.normal_` whose receiver is known to be a tensor."""
        link: ast.expr = node
        kind = reference.kind
        while isinstance(link, ast.Attribute):
            if not link.attr.startswith("__"):
                self._tensor_attribute_use(link, kind, reference.scope)
            link = link.value
            kind = UseKind.REFERENCE

    def _tensor_attribute_use(self, link: ast.Attribute, kind: UseKind, scope: _Scope) -> None:
        called = kind is UseKind.CALL
        frameworks = _tensor_frameworks(self._kinds(link.value, scope))
        if frameworks:
            names = frozenset(f"{root}.Tensor.{link.attr}" for root in frameworks)
            if called or any(_is_mapped(name) for name in names):
                span = self.source.span_of(link)
                self.uses.append(ApiUse(names, span, self._name_span(link, span), kind, Resolution.TENSOR_METHOD))
        elif self.keep_unresolved and not self._is_self(link.value, scope):
            span = self.source.span_of(link)
            receiver = self.source.span_of(link.value)
            self.unresolved.append(
                UnresolvedAttribute(
                    self._name_span(link, span), link.attr, (receiver.end_line, receiver.end_column), called
                )
            )

    def _is_self(self, node: ast.expr, scope: _Scope) -> bool:
        method = _enclosing_method(scope)
        return isinstance(node, ast.Name) and method is not None and node.id == method.self_name

    def _name_span(self, node: ast.expr, span: Span) -> Span:
        if isinstance(node, ast.Attribute):
            return Span(span.end_line, max(span.end_column - len(node.attr), 0), span.end_line, span.end_column)
        return span

    # -- what values are: tensors and layers -------------------------------------------------------------

    def _kinds(self, node: ast.expr, scope: _Scope) -> Kinds:
        """What `node` may evaluate to: tensors and layers of which framework (empty: not known)."""
        if isinstance(node, ast.Name):
            return self._name_kinds(node.id, scope)
        if isinstance(node, ast.Attribute):
            return self._attribute_kinds(node, scope)
        if isinstance(node, ast.Call):
            return self._call_kinds(node, scope)
        if isinstance(node, ast.Subscript):
            return _tensors_only(self._kinds(node.value, scope))
        if isinstance(node, ast.BinOp):
            return _tensors_only(self._kinds(node.left, scope) | self._kinds(node.right, scope))
        if isinstance(node, ast.UnaryOp):
            return _tensors_only(self._kinds(node.operand, scope))
        if isinstance(node, ast.IfExp):
            return self._kinds(node.body, scope) | self._kinds(node.orelse, scope)
        if isinstance(node, ast.NamedExpr):
            return self._kinds(node.value, scope)
        return NOTHING

    def _name_kinds(self, name: str, scope: _Scope) -> Kinds:
        binding = self._binding_scope(name, scope)
        if binding is None or binding.kind is _ScopeKind.CLASS:
            return NOTHING
        return self._environment(binding).get(name, NOTHING)

    def _attribute_kinds(self, node: ast.Attribute, scope: _Scope) -> Kinds:
        method = _enclosing_method(scope)
        if (
            method is not None
            and method.owner is not None
            and isinstance(node.value, ast.Name)
            and node.value.id == method.self_name
            and self._binding_scope(node.value.id, scope) is method
        ):
            return self._class_attributes(method.owner).get(node.attr, NOTHING)
        receiver = self._kinds(node.value, scope)
        if node.attr in TENSOR_ATTRIBUTES:
            return _tensors_only(receiver)
        if node.attr in LAYER_TENSOR_ATTRIBUTES:
            return frozenset(_TENSOR[framework] for framework in _layer_frameworks(receiver))
        return NOTHING

    def _call_kinds(self, node: ast.Call, scope: _Scope) -> Kinds:
        func = node.func
        names = self._qualified_names(func, scope)
        if names:
            return _kinds_of_api_call(names)
        local_class = self._local_class(func, scope)
        if local_class is not None:
            return frozenset(_LAYER[framework] for framework in self._class_frameworks(local_class))
        # Calling a layer (`self.fc(x)`) gives a tensor; so does a tensor method, unless it gives a size or a number.
        found = frozenset(_TENSOR[framework] for framework in _layer_frameworks(self._kinds(func, scope)))
        if isinstance(func, ast.Attribute) and func.attr not in NOT_TENSOR_METHODS:
            found |= _tensors_only(self._kinds(func.value, scope))
        return found

    def _local_class(self, func: ast.expr, scope: _Scope) -> _ClassFacts | None:
        if not isinstance(func, ast.Name):
            return None
        binding = self._binding_scope(func.id, scope)
        return self.class_named.get((id(binding), func.id)) if binding is not None else None

    def _class_frameworks(self, facts: _ClassFacts) -> frozenset[str]:
        """torch for a Module subclass, mindspore for a Cell subclass (through classes of this module too)."""
        if facts.frameworks is not None:
            return facts.frameworks
        facts.frameworks = NOTHING  # a cycle of bases ends here
        found: set[str] = set()
        for base in facts.node.bases:
            for name in self._qualified_names(base, facts.scope):
                if not name.rsplit(".", 1)[-1][:1].isupper():
                    continue
                found.update(
                    framework for prefix, framework in LAYER_MODULE_PREFIXES.items() if name.startswith(prefix)
                )
            local = self._local_class(base, facts.scope)
            if local is not None:
                found |= self._class_frameworks(local)
        facts.frameworks = frozenset(found)
        return facts.frameworks

    def _environment(self, scope: _Scope) -> dict[str, Kinds]:
        if scope.env is not None:
            return scope.env
        if scope.owner is not None and not scope.owner.computing:
            self._class_attributes(scope.owner)  # computes the environments of all its methods
            if scope.env is not None:
                return scope.env
        return self._compute_environment(scope)

    def _compute_environment(self, scope: _Scope) -> dict[str, Kinds]:
        """The kinds of the scope's names: a fixpoint over its assignments (flow-insensitive).

        The environment is published before it is complete, so a name whose value refers back to
        itself (`x = self.fc(x)`) reads what is known so far instead of recursing.
        """
        env: dict[str, Kinds] = dict(self._parameter_kinds(scope))
        scope.env = env
        for _ in range(FIXPOINT_ROUNDS):
            changed = False
            for name, values in scope.values.items():
                kinds = env.get(name, NOTHING)
                for value, element in values:
                    found = self._kinds(value, scope)
                    kinds |= _tensors_only(found) if element else found
                if kinds != env.get(name, NOTHING):
                    env[name] = kinds
                    changed = True
            if not changed:
                break
        return env

    def _parameter_kinds(self, scope: _Scope) -> dict[str, Kinds]:
        node = scope.node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return {}
        kinds: dict[str, Kinds] = {}
        arguments = node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        input_frameworks: Kinds = NOTHING
        if scope.owner is not None and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            frameworks = self._class_frameworks(scope.owner)
            input_frameworks = frozenset(framework for framework in frameworks if node.name in INPUT_METHODS[framework])
            positional = positional[1:]
        first_defaulted = len(positional) - len(arguments.defaults)
        for index, argument in enumerate(positional):
            # A defaulted argument (`training=False`) is configuration, not data.
            defaulted = index >= first_defaulted and _is_literal(arguments.defaults[index - first_defaulted])
            if input_frameworks and not defaulted:
                kinds[argument.arg] = frozenset(_TENSOR[framework] for framework in input_frameworks)
        for argument in _all_arguments(arguments):
            if argument.annotation is not None:
                annotated = self._annotation_frameworks(argument.annotation, scope.parent or self.module)
                if annotated:
                    kinds[argument.arg] = kinds.get(argument.arg, NOTHING) | {_TENSOR[fw] for fw in annotated}
        return kinds

    def _annotation_frameworks(self, annotation: ast.expr, scope: _Scope) -> set[str]:
        found: set[str] = set()
        for node in ast.walk(annotation):
            if isinstance(node, ast.Name | ast.Attribute):
                for name in self._qualified_names(node, scope):
                    framework = TENSOR_CLASSES.get(name)
                    if framework is not None:
                        found.add(framework)
        return found

    def _class_attributes(self, facts: _ClassFacts) -> dict[str, Kinds]:
        """`self.<attribute>` kinds over every method of the class, computed with its methods' environments.

        The two depend on each other (`self.fc = layer` in `__init__`, `x = self.fc(x)` in `forward`),
        so both are recomputed together until the attributes settle.
        """
        if facts.attributes is not None:
            return facts.attributes
        if facts.computing:
            return facts.partial_attributes
        facts.computing = True
        attributes = facts.partial_attributes
        assignments = [
            (method, attribute, value) for method in facts.methods for attribute, value in method.self_values
        ]
        try:
            for _ in range(FIXPOINT_ROUNDS):
                for method in facts.methods:
                    self._compute_environment(method)
                changed = False
                for method, attribute, value in assignments:
                    kinds = attributes.get(attribute, NOTHING) | self._kinds(value, method)
                    if kinds != attributes.get(attribute, NOTHING):
                        attributes[attribute] = kinds
                        changed = True
                if not changed:
                    break
        finally:
            facts.computing = False
        facts.attributes = attributes
        return attributes


def _kinds_of_api_call(names: frozenset[str]) -> Kinds:
    found: set[str] = set()
    for name in names:
        framework = TENSOR_CLASSES.get(name) or TENSOR_FACTORIES.get(name)
        if framework is not None:
            found.add(_TENSOR[framework])
            continue
        module, _, last = name.rpartition(".")
        if last[:1].isupper():
            if name in NOT_LAYER_CLASSES:
                continue
            for prefix, layer_framework in LAYER_MODULE_PREFIXES.items():
                if name.startswith(prefix):
                    found.add(_LAYER[layer_framework])
        elif module in TENSOR_FUNCTION_MODULES and name not in NOT_TENSOR_RESULTS and not last.startswith("_"):
            found.add(_TENSOR[TENSOR_FUNCTION_MODULES[module]])
    return frozenset(found)


def _tensors_only(kinds: Kinds) -> Kinds:
    return frozenset(kind for kind in kinds if kind.startswith("tensor:"))


def _tensor_frameworks(kinds: Kinds) -> tuple[str, ...]:
    return tuple(sorted(kind.split(":", 1)[1] for kind in kinds if kind.startswith("tensor:")))


def _layer_frameworks(kinds: Kinds) -> tuple[str, ...]:
    return tuple(sorted(kind.split(":", 1)[1] for kind in kinds if kind.startswith("layer:")))


def _enclosing_method(scope: _Scope) -> _Scope | None:
    current: _Scope | None = scope
    while current is not None and current.kind is not _ScopeKind.CLASS:
        if current.owner is not None:
            return current
        current = current.parent
    return None


def _all_arguments(arguments: ast.arguments) -> list[ast.arg]:
    found = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    if arguments.vararg is not None:
        found.append(arguments.vararg)
    if arguments.kwarg is not None:
        found.append(arguments.kwarg)
    return found


def _is_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) or (isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant))


def _is_dunder(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last.startswith("__") and last.endswith("__")


# -- jedi, when the names are not enough ---------------------------------------------------------------

# What jedi calls the tensor classes: where they are defined, not their public names.
JEDI_TENSOR_CLASSES = {
    "torch.Tensor": TORCH,
    "torch._tensor.Tensor": TORCH,
    "torch._C.TensorBase": TORCH,
    "torch._C._TensorBase": TORCH,
    "torch.nn.parameter.Parameter": TORCH,
    "torch.nn.parameter.Buffer": TORCH,
    "mindspore.Tensor": MINDSPORE,
    "mindspore.common.tensor.Tensor": MINDSPORE,
    "mindspore.common.parameter.Parameter": MINDSPORE,
}
JEDI_BUDGET_SECONDS = 0.15
JEDI_KEPT_ANSWERS = 64
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_DOTTED_NAME = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*")


class JediFallback:
    """Asks jedi on one background thread, waiting at most `budget_seconds` for each answer.

    jedi needs a second or more the first time it reads torch's sources, longer than a hover can
    wait. An answer that comes late is kept, so hovering the same place again shows it at once.
    jedi introspects compiled modules in a subprocess of its own; this process imports no framework.
    """

    def __init__(self, budget_seconds: float = JEDI_BUDGET_SECONDS) -> None:
        self.budget_seconds = budget_seconds
        self._answers: OrderedDict[tuple[Any, ...], Future[Any]] = OrderedDict()
        self._questions: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = (
            queue.SimpleQueue()
        )
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()

    def tensor_attribute(self, text: str, unresolved: UnresolvedAttribute, path: str | None) -> ApiUse | None:
        """`receiver.attribute` when jedi infers the receiver to be a torch or MindSpore tensor."""
        line, column = unresolved.receiver_end
        frameworks = self._ask(_infer_tensor_frameworks, text, path, line, column)
        return _tensor_use(frameworks, unresolved.attribute, unresolved.name_span, unresolved.called)

    def chain_at(self, text: str, line: int, column: int, path: str | None) -> ApiUse | None:
        """In text that does not parse: the dotted name under the position, its first part resolved by jedi.

        Hovering `nn` in `nn.Dropout` asks about `nn`; hovering `Dropout`, about `nn.Dropout`. A method
        (`x.transpose`) is a tensor API when jedi infers its receiver to be a tensor.
        """
        line_text = SourceText(text).line(line)
        chain = next(
            (match for match in _DOTTED_NAME.finditer(line_text) if match.start() <= column <= match.end()), None
        )
        if chain is None:
            return None
        parts = [part for part in _IDENTIFIER.finditer(line_text, chain.start(), chain.end())]
        hovered = next(index for index, part in enumerate(parts) if column <= part.end())
        name = parts[hovered]
        name_span = Span(line, name.start(), line, name.end())
        whole = Span(line, chain.start(), line, name.end())
        roots = self._ask(_goto_root, text, path, line, chain.start()) or NOTHING
        rest = [part.group(0) for part in parts[1 : hovered + 1]]
        names = frozenset(".".join([root, *rest]) for root in roots)
        names = frozenset(name for name in names if _framework_of(name) is not None and not is_module_path(name))
        if names:
            return ApiUse(names, whole, name_span, UseKind.REFERENCE, Resolution.JEDI)
        if hovered == 0:
            return None
        frameworks = self._ask(_infer_tensor_frameworks, text, path, line, parts[hovered - 1].end())
        called = line_text[name.end() :].lstrip().startswith("(")
        return _tensor_use(frameworks, name.group(0), name_span, called)

    def _ask(self, function: Callable[..., Any], text: str, path: str | None, line: int, column: int) -> Any:
        key = (function.__name__, _digest(text), path, line, column)
        with self._lock:
            future = self._answers.get(key)
            if future is None:
                future = Future()
                self._questions.put((future, function, (text, path, line, column)))
                self._answers[key] = future
                while len(self._answers) > JEDI_KEPT_ANSWERS:
                    self._answers.popitem(last=False)
                if self._worker is None:
                    # A daemon thread: an inference still running must not hold up the server's exit.
                    self._worker = threading.Thread(target=self._answer_questions, name="msmigrate-jedi", daemon=True)
                    self._worker.start()
        try:
            return future.result(timeout=self.budget_seconds)
        except FutureTimeout:
            return None

    def _answer_questions(self) -> None:
        while True:
            future, function, arguments = self._questions.get()
            if future.set_running_or_notify_cancel():
                future.set_result(_guarded(function, *arguments))


def _tensor_use(frameworks: frozenset[str] | None, attribute: str, name_span: Span, called: bool) -> ApiUse | None:
    if not frameworks:
        return None
    names = frozenset(f"{framework}.Tensor.{attribute}" for framework in frameworks)
    if not called and not any(_is_mapped(name) for name in names):
        return None
    kind = UseKind.CALL if called else UseKind.REFERENCE
    return ApiUse(names, name_span, name_span, kind, Resolution.JEDI)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", errors="surrogatepass"), digest_size=16).hexdigest()


def _guarded(function: Callable[..., Any], *arguments: Any) -> Any:
    try:
        return function(*arguments)
    except Exception:  # jedi on half-typed code can fail in many ways; the hover goes without it
        log.debug("jedi failed", exc_info=True)
        return None


def _script(text: str, path: str | None) -> Any:
    import jedi

    return jedi.Script(text, path=path)


def _infer_tensor_frameworks(text: str, path: str | None, line: int, column: int) -> frozenset[str]:
    """Frameworks whose tensor jedi infers the expression ending at (line, column) to be."""
    found = set()
    for name in _script(text, path).infer(line, column):
        framework = JEDI_TENSOR_CLASSES.get(name.full_name or "")
        if framework is not None and name.type == "instance":
            found.add(framework)
    return frozenset(found)


def _goto_root(text: str, path: str | None, line: int, column: int) -> frozenset[str]:
    """What the name at (line, column) was imported as: jedi's answer without following the import."""
    found = set()
    for name in _script(text, path).goto(line, column, follow_imports=False):
        if name.full_name and _framework_of(name.full_name) is not None:
            found.add(name.full_name)
    return frozenset(found)
