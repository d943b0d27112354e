"""Module facts: framework, imports, execution mode, syntax level and graph scope.

Everything here is derived from one `ast` tree with a few cheap passes: module and class bodies are
read statement by statement, and only functions that are compiled in graph mode are walked in full
(to follow the calls they make).
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass, field
from functools import cached_property

from msmigrate.analysis.names import ImportTable

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


class Framework(enum.Enum):
    TORCH = "torch"
    MINDSPORE = "mindspore"
    BOTH = "both"
    NEITHER = "neither"


class SyntaxLevel(enum.Enum):
    STRICT = "strict"
    LAX = "lax"


class ExecutionMode(enum.Enum):
    GRAPH = "graph"
    PYNATIVE = "pynative"


# MindSpore 2.10's default `jit_syntax_level`.
DEFAULT_SYNTAX_LEVEL = SyntaxLevel.LAX
# Measured on MindSpore 2.10: a `@jit` function ignores the context's `jit_syntax_level`; it compiles
# at LAX unless decorated `@jit(fullgraph=True)`, which behaves as STRICT.
JIT_FUNCTION_LEVEL = SyntaxLevel.LAX

CELL_BASES = frozenset({"mindspore.nn.Cell", "mindspore.nn.cell.Cell", "mindspore.Cell"})
JIT_DECORATORS = frozenset(
    {"mindspore.jit", "mindspore.common.api.jit", "mindspore.ms_function", "mindspore.common.api.ms_function"}
)
JIT_CLASS_DECORATORS = frozenset(
    {
        "mindspore.jit_class",
        "mindspore.common.api.jit_class",
        "mindspore.ms_class",
        "mindspore.common.api.ms_class",
    }
)
SET_CONTEXT = frozenset({"mindspore.set_context", "mindspore.context.set_context"})
PYNATIVE_CONSTANTS = frozenset({"mindspore.PYNATIVE_MODE", "mindspore.context.PYNATIVE_MODE"})
GRAPH_CONSTANTS = frozenset({"mindspore.GRAPH_MODE", "mindspore.context.GRAPH_MODE"})
# `mindspore.GRAPH_MODE == 0`, `mindspore.PYNATIVE_MODE == 1`.
MODE_INTEGERS = {0: ExecutionMode.GRAPH, 1: ExecutionMode.PYNATIVE}
JIT_CONFIG = frozenset({"mindspore.JitConfig", "mindspore.common.jit_config.JitConfig"})
# Methods of a Cell that MindSpore compiles besides `construct`: a custom backward.
COMPILED_CELL_METHODS = ("construct", "bprop")


class ScopeKind(enum.Enum):
    CONSTRUCT = "construct"  # `construct` (or `bprop`) of an nn.Cell subclass
    JIT_FUNCTION = "jit"  # decorated with / wrapped by `mindspore.jit`
    CALLEE = "callee"  # called, directly or not, from one of the above


@dataclass
class GraphScope:
    """Why a function is compiled in graph mode, and under which syntax level."""

    kind: ScopeKind
    level: SyntaxLevel
    # Graph-syntax problems are at most hints where the file runs `construct` in PYNATIVE_MODE.
    # A `@jit` function is compiled whatever the mode, so its scope is never capped.
    capped_to_hint: bool
    root: str  # the qualified-ish name of the root: `Net.construct`, `train_step`
    via: tuple[str, ...] = ()  # call chain from the root, for messages


@dataclass(frozen=True)
class CallSite:
    caller: FunctionNode
    call: ast.Call
    through_self: bool


@dataclass
class ClassInfo:
    node: ast.ClassDef
    base_names: list[frozenset[str]]  # qualified-name candidates of each base
    local_bases: list[str]  # bases that are classes defined in this module
    methods: dict[str, FunctionNode]
    is_cell: bool = False
    is_jit_class: bool = False


class FunctionIndex:
    """One walk of a function, shared by the engine, the value analysis and every rule.

    Rules that need parents, bindings or `self.x = ...` assignments ask here instead of walking the
    function again: on a 1,000-line model file, repeated walks cost more than all the rules' logic.
    """

    def __init__(self, function: FunctionNode) -> None:
        self.function = function
        self.nodes: list[ast.AST] = list(ast.walk(function))

    @cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        return {child: node for node in self.nodes for child in ast.iter_child_nodes(node)}

    @cached_property
    def assignments(self) -> list[tuple[ast.expr, ast.expr | None]]:
        """(target, value) for every binding; the value is None where it is not an expression (loops)."""
        found: list[tuple[ast.expr, ast.expr | None]] = []
        for node in self.nodes:
            if isinstance(node, ast.Assign):
                found.extend((target, node.value) for target in node.targets)
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                if node.value is not None:
                    found.append((node.target, node.value))
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                found.append((node.target, None))
            elif isinstance(node, ast.NamedExpr):
                found.append((node.target, node.value))
            elif isinstance(node, ast.With | ast.AsyncWith):
                found.extend((item.optional_vars, None) for item in node.items if item.optional_vars is not None)
        return found

    @cached_property
    def bindings(self) -> dict[str, list[ast.expr | None]]:
        """Local name -> every value assigned to it (None for loop targets and the like)."""
        found: dict[str, list[ast.expr | None]] = {}
        for target, value in self.assignments:
            if isinstance(target, ast.Name):
                found.setdefault(target.id, []).append(value)
            else:
                for name in target_names(target):
                    found.setdefault(name, []).append(None)
        return found

    @cached_property
    def self_attribute_values(self) -> dict[str, list[ast.expr]]:
        """`self.<attr> = value` in this function: attribute -> values."""
        found: dict[str, list[ast.expr]] = {}
        for target, value in self.assignments:
            if (
                value is not None
                and isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                found.setdefault(target.attr, []).append(value)
        return found


def target_names(target: ast.expr) -> list[str]:
    """Names bound by an assignment target (`a`, `a, (b, *c)`)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in target_names(element)]
    if isinstance(target, ast.Starred):
        return target_names(target.value)
    return []


@dataclass
class ModuleFacts:
    imports: ImportTable
    framework: Framework
    classes: dict[str, ClassInfo]
    functions: dict[str, FunctionNode]
    execution_mode: ExecutionMode | None
    file_syntax_level: SyntaxLevel | None
    effective_level: SyntaxLevel
    graph_scopes: dict[FunctionNode, GraphScope] = field(default_factory=dict)
    # Functions that hold their own `import` statements get a layered table.
    local_imports: dict[FunctionNode, ImportTable] = field(default_factory=dict)
    # Where each graph-scope callee is called from: (calling function, call, called through `self.`).
    call_sites: dict[FunctionNode, list[CallSite]] = field(default_factory=dict)
    # Per-function value analyses, shared by every rule (built lazily by `values.value_kinds_of`).
    value_cache: dict[FunctionNode, object] = field(default_factory=dict)
    # Simple module-level assignments `NAME = value` (imports and aliases are in `imports`).
    module_assignments: dict[str, list[ast.expr]] = field(default_factory=dict)
    function_indexes: dict[FunctionNode, FunctionIndex] = field(default_factory=dict)

    def index_of(self, function: FunctionNode) -> FunctionIndex:
        index = self.function_indexes.get(function)
        if index is None:
            index = self.function_indexes[function] = FunctionIndex(function)
        return index

    def init_attribute_values(self, owner: ClassInfo) -> dict[str, list[ast.expr]]:
        """`self.<attr> = value` in the class's `__init__` (not its bases')."""
        init = owner.methods.get("__init__")
        return self.index_of(init).self_attribute_values if init is not None else {}

    def imports_for(self, function: FunctionNode | None) -> ImportTable:
        if function is not None:
            table = self.local_imports.get(function)
            if table is not None:
                return table
        return self.imports

    def class_of_method(self, function: FunctionNode) -> ClassInfo | None:
        return self._method_owners.get(function)

    @cached_property
    def _method_owners(self) -> dict[FunctionNode, ClassInfo]:
        return {method: info for info in self.classes.values() for method in info.methods.values()}

    def find_method(self, info: ClassInfo, name: str) -> tuple[FunctionNode, ClassInfo] | None:
        """A method by name on an in-file class or its in-file bases (breadth first), and its class."""
        seen: set[str] = set()
        queue = [info]
        while queue:
            current = queue.pop(0)
            if current.node.name in seen:
                continue
            seen.add(current.node.name)
            method = current.methods.get(name)
            if method is not None:
                return method, current
            queue.extend(self.classes[base] for base in current.local_bases if base in self.classes)
        return None


def mentions_a_framework(text: str) -> bool:
    """The cheap pre-parse test: a file that names neither framework is skipped."""
    return "torch" in text or "mindspore" in text


def collect_facts(tree: ast.Module, text: str, setting_level: SyntaxLevel | None = None) -> ModuleFacts:
    imports = ImportTable()
    classes: dict[str, ClassInfo] = {}
    functions: dict[str, FunctionNode] = {}
    module_calls: list[ast.Call] = []
    module_assignments: dict[str, list[ast.expr]] = {}
    _read_module_body(tree.body, imports, classes, functions, module_calls, module_assignments)

    facts = ModuleFacts(
        imports=imports,
        framework=_framework_of(imports.bound_roots()),
        classes=classes,
        functions=functions,
        execution_mode=None,
        file_syntax_level=None,
        effective_level=DEFAULT_SYNTAX_LEVEL,
        module_assignments=module_assignments,
    )
    # Searching every function for `set_context` costs a walk each; the text says whether it can pay off.
    searched_functions = list(functions.values()) if "set_context" in text else []
    facts.execution_mode, facts.file_syntax_level = _read_set_context(module_calls, searched_functions, facts)
    facts.effective_level = setting_level or facts.file_syntax_level or DEFAULT_SYNTAX_LEVEL
    if facts.framework in (Framework.MINDSPORE, Framework.BOTH):
        _mark_cells(facts)
        _find_graph_scopes(facts, module_calls)
    return facts


# -- module body --------------------------------------------------------------------------------------
def _read_module_body(
    body: list[ast.stmt],
    imports: ImportTable,
    classes: dict[str, ClassInfo],
    functions: dict[str, FunctionNode],
    module_calls: list[ast.Call],
    module_assignments: dict[str, list[ast.expr]],
) -> None:
    """Module-level statements, descending into if/try/with blocks (conditional imports) but not defs."""
    for stmt in body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            imports.add_import(stmt)
        elif isinstance(stmt, ast.ClassDef):
            classes[stmt.name] = ClassInfo(
                node=stmt,
                base_names=[imports.qualified_names(base) for base in stmt.bases],
                local_bases=[base.id for base in stmt.bases if isinstance(base, ast.Name)],
                methods={
                    item.name: item for item in stmt.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                },
            )
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            functions[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                for name in target_names(target):
                    module_assignments.setdefault(name, []).append(stmt.value)
            if len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                if isinstance(stmt.value, ast.Name | ast.Attribute):
                    imports.add_alias_assignment(stmt.targets[0].id, stmt.value)
                elif isinstance(stmt.value, ast.Call):
                    module_calls.append(stmt.value)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            module_calls.append(stmt.value)
        elif isinstance(stmt, ast.If | ast.Try | ast.With | ast.For | ast.While):
            for block in _blocks_of(stmt):
                _read_module_body(block, imports, classes, functions, module_calls, module_assignments)


def _blocks_of(stmt: ast.stmt) -> list[list[ast.stmt]]:
    blocks: list[list[ast.stmt]] = []
    for attribute in ("body", "orelse", "finalbody"):
        block = getattr(stmt, attribute, None)
        if block:
            blocks.append(block)
    for handler in getattr(stmt, "handlers", ()):
        blocks.append(handler.body)
    return blocks


def _framework_of(roots: set[str]) -> Framework:
    torch = "torch" in roots or "torchvision" in roots or "torchaudio" in roots
    mindspore = "mindspore" in roots
    if torch and mindspore:
        return Framework.BOTH
    if torch:
        return Framework.TORCH
    if mindspore:
        return Framework.MINDSPORE
    return Framework.NEITHER


# -- execution mode and syntax level ------------------------------------------------------------------
def _read_set_context(
    module_calls: list[ast.Call], functions: list[FunctionNode], facts: ModuleFacts
) -> tuple[ExecutionMode | None, SyntaxLevel | None]:
    """`set_context(mode=..., jit_syntax_level=...)` at module level or in a module-level function.

    Scripts usually call it in `main()`, so top-level functions are searched too. When the file sets
    contradicting values (say, from a command-line flag), the answer is "unknown" (None).
    """
    imports = facts.imports
    calls = list(module_calls)
    for function in functions:
        for node in facts.index_of(function).nodes:
            if isinstance(node, ast.Call) and _callee_name(node.func) == "set_context":
                calls.append(node)
    modes: set[ExecutionMode | None] = set()
    levels: set[SyntaxLevel | None] = set()
    for call in calls:
        if not (imports.qualified_names(call.func) & SET_CONTEXT):
            continue
        for keyword in call.keywords:
            if keyword.arg == "mode":
                modes.add(_mode_value(keyword.value, imports))
            elif keyword.arg == "jit_syntax_level":
                levels.add(syntax_level_value(keyword.value, imports))
    mode = modes.pop() if len(modes) == 1 else None
    level = levels.pop() if len(levels) == 1 else None
    return mode, level


def _callee_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _mode_value(expr: ast.expr, imports: ImportTable) -> ExecutionMode | None:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, int) and not isinstance(expr.value, bool):
        return MODE_INTEGERS.get(expr.value)
    names = imports.qualified_names(expr)
    if names & PYNATIVE_CONSTANTS:
        return ExecutionMode.PYNATIVE
    if names & GRAPH_CONSTANTS:
        return ExecutionMode.GRAPH
    return None


def syntax_level_value(expr: ast.expr, imports: ImportTable) -> SyntaxLevel | None:
    """`mindspore.STRICT`, `ms.LAX`, or the strings "STRICT" / "LAX"."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        text = expr.value.upper()
    else:
        names = imports.qualified_names(expr)
        text = next((name.rsplit(".", 1)[-1] for name in names if name.startswith("mindspore.")), "")
    if text == "STRICT":
        return SyntaxLevel.STRICT
    if text == "LAX":
        return SyntaxLevel.LAX
    return None


# -- cells and graph scope ----------------------------------------------------------------------------
def is_cell_base(names: frozenset[str]) -> bool:
    """A base from `mindspore.nn` that is a Cell: `nn.Cell` itself, or a Cell class such as `nn.Dense`."""
    for name in names:
        if name in CELL_BASES:
            return True
        if name.startswith("mindspore.nn.") and name.rsplit(".", 1)[-1][:1].isupper():
            return True
    return False


def _mark_cells(facts: ModuleFacts) -> None:
    for info in facts.classes.values():
        info.is_cell = any(is_cell_base(names) for names in info.base_names)
        info.is_jit_class = any(
            facts.imports.qualified_names(_decorator_callee(decorator)) & JIT_CLASS_DECORATORS
            for decorator in info.node.decorator_list
        )
    # A subclass of an in-file Cell is a Cell: iterate to a fixpoint (class order in a file is free).
    changed = True
    while changed:
        changed = False
        for info in facts.classes.values():
            if info.is_cell:
                continue
            if any(base in facts.classes and facts.classes[base].is_cell for base in info.local_bases):
                info.is_cell = True
                changed = True


def _decorator_callee(decorator: ast.expr) -> ast.expr:
    return decorator.func if isinstance(decorator, ast.Call) else decorator


@dataclass
class _JitOptions:
    level: SyntaxLevel | None
    compiled: bool  # False for `capture_mode="bytecode"`: unsupported code then runs eagerly, no error


def _jit_options(decorator: ast.expr, imports: ImportTable) -> _JitOptions | None:
    """Options of a `@jit` / `@jit(...)` decorator, or None when the decorator is not `jit`."""
    callee = _decorator_callee(decorator)
    if not (imports.qualified_names(callee) & JIT_DECORATORS):
        return None
    level: SyntaxLevel | None = None
    compiled = True
    if isinstance(decorator, ast.Call):
        for keyword in decorator.keywords:
            value = keyword.value
            if keyword.arg == "fullgraph" and isinstance(value, ast.Constant) and value.value is True:
                # MindSpore 2.6 replaced `jit_config=JitConfig(jit_syntax_level="STRICT")` by `fullgraph=True`.
                level = SyntaxLevel.STRICT
            elif (keyword.arg == "capture_mode" and isinstance(value, ast.Constant) and value.value == "bytecode") or (
                keyword.arg == "mode" and isinstance(value, ast.Constant) and value.value == "PIJit"
            ):
                compiled = False
            elif (
                keyword.arg == "jit_config"
                and isinstance(value, ast.Call)
                and imports.qualified_names(value.func) & JIT_CONFIG
            ):
                for config_keyword in value.keywords:
                    if config_keyword.arg == "jit_syntax_level":
                        level = syntax_level_value(config_keyword.value, imports) or level
    return _JitOptions(level=level, compiled=compiled)


def _find_graph_scopes(facts: ModuleFacts, module_calls: list[ast.Call]) -> None:
    capped = facts.execution_mode is ExecutionMode.PYNATIVE
    pending: list[tuple[FunctionNode, GraphScope, ClassInfo | None]] = []

    def add_root(function: FunctionNode, scope: GraphScope, owner: ClassInfo | None) -> None:
        if function not in facts.graph_scopes:
            facts.graph_scopes[function] = scope
            pending.append((function, scope, owner))

    for info in facts.classes.values():
        for method in info.methods.values():
            options = _first_jit_options(method, facts.imports)
            if options is not None:
                if options.compiled:
                    level = options.level or JIT_FUNCTION_LEVEL
                    scope = GraphScope(ScopeKind.JIT_FUNCTION, level, False, f"{info.node.name}.{method.name}")
                    add_root(method, scope, info)
            elif info.is_cell and method.name in COMPILED_CELL_METHODS:
                scope = GraphScope(
                    ScopeKind.CONSTRUCT, facts.effective_level, capped, f"{info.node.name}.{method.name}"
                )
                add_root(method, scope, info)
    for function in facts.functions.values():
        options = _first_jit_options(function, facts.imports)
        if options is not None and options.compiled:
            scope = GraphScope(ScopeKind.JIT_FUNCTION, options.level or JIT_FUNCTION_LEVEL, False, function.name)
            add_root(function, scope, None)
    # `fast = ms.jit(slow)` wraps a module-level function without decorating it.
    for call in module_calls:
        if (
            call.args
            and isinstance(call.args[0], ast.Name)
            and facts.imports.qualified_names(call.func) & JIT_DECORATORS
        ):
            target = facts.functions.get(call.args[0].id)
            if target is not None:
                options = _jit_options(call, facts.imports)
                if options is not None and options.compiled:
                    level = options.level or JIT_FUNCTION_LEVEL
                    add_root(target, GraphScope(ScopeKind.JIT_FUNCTION, level, False, target.name), None)

    # Follow calls to functions and methods defined in this file, transitively.
    while pending:
        function, scope, owner = pending.pop()
        for callee, callee_owner, label, call in _in_file_callees(function, owner, facts):
            facts.call_sites.setdefault(callee, []).append(CallSite(function, call, label.startswith("self.")))
            if callee in facts.graph_scopes:
                continue
            callee_scope = GraphScope(
                ScopeKind.CALLEE, scope.level, scope.capped_to_hint, scope.root, (*scope.via, label)
            )
            facts.graph_scopes[callee] = callee_scope
            pending.append((callee, callee_scope, callee_owner))


def _first_jit_options(function: FunctionNode, imports: ImportTable) -> _JitOptions | None:
    for decorator in function.decorator_list:
        options = _jit_options(decorator, imports)
        if options is not None:
            return options
    return None


def _in_file_callees(
    function: FunctionNode, owner: ClassInfo | None, facts: ModuleFacts
) -> list[tuple[FunctionNode, ClassInfo | None, str, ast.Call]]:
    found: list[tuple[FunctionNode, ClassInfo | None, str, ast.Call]] = []
    for node in facts.index_of(function).nodes:
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            target = facts.functions.get(func.id)
            if target is not None and target is not function:
                found.append((target, None, f"{func.id}()", node))
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "self"
            and owner is not None
        ):
            resolved = facts.find_method(owner, func.attr)
            if resolved is not None and resolved[0] is not function:
                found.append((resolved[0], resolved[1], f"self.{func.attr}()", node))
    return found
