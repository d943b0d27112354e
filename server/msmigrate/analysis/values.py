"""A small, conservative tensor-ness and constness analysis for graph-scope functions.

Intra-procedural and flow-insensitive: a name is TENSOR when any assignment may give it a tensor, and
STATIC only when every assignment gives it a value known at compile time. Everything else is UNKNOWN,
and rules treat UNKNOWN as "do not claim at warning severity".
"""

from __future__ import annotations

import ast
import enum

from msmigrate.analysis.facts import ClassInfo, FunctionNode, ModuleFacts, ScopeKind, target_names
from msmigrate.analysis.names import ImportTable


class ValueKind(enum.IntEnum):
    # Ordered so that `max` joins two kinds: a value that may be a tensor is a tensor for our purposes.
    STATIC = 0
    UNKNOWN = 1
    TENSOR = 2


# Attributes of a tensor that are known at compile time (shape and type information).
STATIC_TENSOR_ATTRIBUTES = frozenset({"shape", "ndim", "dtype", "size", "itemsize", "nbytes", "strides"})
STATIC_BUILTINS = frozenset(
    {"len", "int", "float", "bool", "str", "range", "isinstance", "tuple", "list", "min", "max", "abs", "round"}
)
# Built-ins whose result is static whatever the argument: the length of a tensor is its static first dimension
# (a tensor whose shape depends on data has its own finding where that shape arises).
SHAPE_BUILTINS = frozenset({"len"})
# Tensor methods that return shape information (static), not data.
STATIC_TENSOR_METHODS = frozenset({"dim", "ndimension", "numel", "nelement", "size"})
# Rounds of the assignment analysis; chains longer than this are cut off (their ends stay UNKNOWN).
MAX_ROUNDS = 8
# Packages whose calls return tensors when given tensors (or create tensors).
TENSOR_PACKAGES = ("mindspore.", "torch.")
# `forward` of a torch Module subclass takes tensors, as `construct` does.
TORCH_MODULE_BASES = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module"})
TENSOR_CONSTRUCTORS = frozenset(
    {"mindspore.Tensor", "mindspore.Parameter", "mindspore.common.tensor.Tensor", "mindspore.tensor"}
)


class ValueKinds:
    """Kinds of the local names of one function, and of expressions built from them."""

    def __init__(self, function: FunctionNode, facts: ModuleFacts, imports: ImportTable) -> None:
        self.function = function
        self.facts = facts
        self.imports = imports
        self.owner: ClassInfo | None = facts.class_of_method(function)
        self._names: dict[str, ValueKind] = {}
        self._self_attributes: dict[str, ValueKind] | None = None
        # Kinds of expression nodes (ast nodes hash by identity), kept once the names are settled.
        self._memo: dict[ast.AST, ValueKind] = {}
        self._settled = False
        self._bind_parameters()
        self._bind_assignments()
        self._settled = True

    # -- setup --------------------------------------------------------------------------------------
    def _bind_parameters(self) -> None:
        scope = self.facts.graph_scopes.get(self.function)
        arguments = self.function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        is_method = self.owner is not None and positional and positional[0].arg in ("self", "cls")
        if is_method:
            positional = positional[1:]
        # Inputs of `construct` and of `@jit` functions are what the caller feeds: tensors. A callee's
        # parameters are what its in-graph call sites pass (UNKNOWN where that cannot be told).
        is_callee = scope is not None and scope.kind is ScopeKind.CALLEE
        is_root = (scope is not None and not is_callee) or self._is_torch_forward()
        root_kind = ValueKind.TENSOR if is_root else ValueKind.UNKNOWN
        passed = self._kinds_passed_by_callers(positional) if is_callee else {}
        defaults = arguments.defaults
        first_defaulted = len(positional) - len(defaults)
        for index, argument in enumerate(positional):
            kind = passed.get(argument.arg, root_kind)
            if index >= first_defaulted and _is_literal(defaults[index - first_defaulted]) and not is_callee:
                # A defaulted argument (`training=False`) is usually configuration, not data.
                kind = ValueKind.UNKNOWN if root_kind is ValueKind.TENSOR else ValueKind.STATIC
            self._names[argument.arg] = kind
        for argument in arguments.kwonlyargs:
            self._names[argument.arg] = ValueKind.UNKNOWN
        if arguments.vararg is not None:
            self._names[arguments.vararg.arg] = root_kind
        if arguments.kwarg is not None:
            self._names[arguments.kwarg.arg] = ValueKind.UNKNOWN

    def _is_torch_forward(self) -> bool:
        """`forward` of a class deriving (in this file or directly) from `torch.nn.Module`."""
        if self.owner is None or self.function.name != "forward":
            return False
        seen: set[str] = set()
        pending = [self.owner]
        while pending:
            info = pending.pop()
            if info.node.name in seen:
                continue
            seen.add(info.node.name)
            if any(names & TORCH_MODULE_BASES for names in info.base_names):
                return True
            pending.extend(self.facts.classes[base] for base in info.local_bases if base in self.facts.classes)
        return False

    def _kinds_passed_by_callers(self, parameters: list[ast.arg]) -> dict[str, ValueKind]:
        """Join, per parameter, the kinds of the arguments every in-graph call site passes."""
        passed: dict[str, ValueKind] = {}
        sites = self.facts.call_sites.get(self.function, [])
        names = [parameter.arg for parameter in parameters]
        for site in sites:
            caller_kinds = value_kinds_of(site.caller, self.facts, self.facts.imports_for(site.caller))
            given: dict[str, ValueKind] = {}
            for index, argument in enumerate(site.call.args):
                if isinstance(argument, ast.Starred):
                    break
                if index < len(names):
                    given[names[index]] = caller_kinds.kind_of(argument) if caller_kinds else ValueKind.UNKNOWN
            for keyword in site.call.keywords:
                if keyword.arg in names:
                    given[keyword.arg] = caller_kinds.kind_of(keyword.value) if caller_kinds else ValueKind.UNKNOWN
            for name in names:
                # A parameter a call site leaves to its default is not a tensor from that site.
                passed[name] = max(passed.get(name, ValueKind.STATIC), given.get(name, ValueKind.STATIC))
        return passed if sites else {}

    def _bind_assignments(self) -> None:
        assignments = self.facts.index_of(self.function).assignments
        # Each round recomputes every assignment from the previous round's kinds, so chains written in
        # any order (and loops) settle; a round moves a kind one link down a chain, and real model code
        # settles within a few (`probs -> best -> mask -> k` takes four).
        parameters = dict(self._names)
        for _ in range(MAX_ROUNDS):
            assigned: dict[str, ValueKind] = {}
            for target, value in assignments:
                kind = self.kind_of(value) if value is not None else ValueKind.UNKNOWN
                for name in target_names(target):
                    # A reassigned parameter keeps the join of what it was given and what it is assigned.
                    start = assigned.get(name, parameters.get(name, ValueKind.STATIC))
                    assigned[name] = max(start, kind)
            settled = {**parameters, **assigned}
            if settled == self._names:
                break
            self._names = settled

    # -- queries ------------------------------------------------------------------------------------
    def kind_of(self, expr: ast.expr) -> ValueKind:
        if self._settled:
            known = self._memo.get(expr)
            if known is not None:
                return known
        try:
            kind = self._kind_of(expr)
        except RecursionError:
            # Absurdly nested code (generated, or half-typed) is not worth a crash: say "unknown".
            kind = ValueKind.UNKNOWN
        if self._settled:
            self._memo[expr] = kind
        return kind

    def _kind_of(self, expr: ast.expr) -> ValueKind:
        if isinstance(expr, ast.Constant):
            return ValueKind.STATIC
        if isinstance(expr, ast.Name):
            if expr.id in self._names:
                return self._names[expr.id]
            # Module-level names: imported modules/functions or constants. Not tensors by themselves.
            return ValueKind.STATIC if expr.id.isupper() else ValueKind.UNKNOWN
        if isinstance(expr, ast.Attribute):
            if expr.attr in STATIC_TENSOR_ATTRIBUTES:
                return ValueKind.STATIC
            if isinstance(expr.value, ast.Name) and expr.value.id == "self":
                return self.self_attribute_kind(expr.attr)
            return ValueKind.UNKNOWN
        if isinstance(expr, ast.Subscript):
            base = self.kind_of(expr.value)
            # `x.shape[i]` is static only while the index is; a tensor's element is a tensor.
            return max(base, self.kind_of(expr.slice)) if base is ValueKind.STATIC else base
        if isinstance(expr, ast.Tuple | ast.List):
            return max((self.kind_of(element) for element in expr.elts), default=ValueKind.STATIC)
        if isinstance(expr, ast.BinOp):
            # Long sums (`a + b + ... + z`) nest as deep as they are long: walk them without recursion.
            kind = ValueKind.STATIC
            pending: list[ast.expr] = [expr]
            while pending:
                node = pending.pop()
                if isinstance(node, ast.BinOp):
                    pending.append(node.left)
                    pending.append(node.right)
                else:
                    kind = max(kind, self.kind_of(node))
            return kind
        if isinstance(expr, ast.UnaryOp):
            return self.kind_of(expr.operand)
        if isinstance(expr, ast.BoolOp):
            return max(self.kind_of(value) for value in expr.values)
        if isinstance(expr, ast.Compare):
            return max(self.kind_of(expr.left), *(self.kind_of(c) for c in expr.comparators))
        if isinstance(expr, ast.IfExp):
            return max(self.kind_of(expr.body), self.kind_of(expr.orelse))
        if isinstance(expr, ast.Slice):
            parts = [part for part in (expr.lower, expr.upper, expr.step) if part is not None]
            return max((self.kind_of(part) for part in parts), default=ValueKind.STATIC)
        if isinstance(expr, ast.Call):
            return self._call_kind(expr)
        return ValueKind.UNKNOWN

    def is_tensor(self, expr: ast.expr) -> bool:
        return self.kind_of(expr) is ValueKind.TENSOR

    def involves_tensor(self, expr: ast.expr) -> bool:
        """Whether any sub-expression may be a tensor (`np.sum(x * 2)`, `np.array([x, 1])`)."""
        if self.kind_of(expr) is ValueKind.TENSOR:
            return True
        return any(
            isinstance(node, ast.Name | ast.Attribute | ast.Call) and self.kind_of(node) is ValueKind.TENSOR
            for node in ast.walk(expr)
        )

    def self_attribute_kind(self, attribute: str) -> ValueKind:
        if self._self_attributes is None:
            self._self_attributes = self._read_init_attributes()
        return self._self_attributes.get(attribute, ValueKind.UNKNOWN)

    # -- helpers ------------------------------------------------------------------------------------
    def _call_kind(self, call: ast.Call) -> ValueKind:
        func = call.func
        if isinstance(func, ast.Name) and func.id in SHAPE_BUILTINS and func.id not in self._names:
            return ValueKind.STATIC
        if isinstance(func, ast.Name) and func.id in STATIC_BUILTINS and func.id not in self._names:
            arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
            return max((self.kind_of(argument) for argument in arguments), default=ValueKind.STATIC)
        names = self.imports.qualified_names(func)
        if names & TENSOR_CONSTRUCTORS or any(name.startswith(TENSOR_PACKAGES) for name in names):
            return ValueKind.TENSOR
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if isinstance(receiver, ast.Name) and receiver.id == "self":
                # `self.conv(x)`: a sub-Cell or a helper; with a tensor argument, a tensor comes back.
                arguments_kind = max((self.kind_of(argument) for argument in call.args), default=ValueKind.UNKNOWN)
                return ValueKind.TENSOR if arguments_kind is ValueKind.TENSOR else ValueKind.UNKNOWN
            if self.kind_of(receiver) is ValueKind.TENSOR:
                # Tensor methods return tensors, except the few that return Python values.
                if func.attr in STATIC_TENSOR_METHODS:
                    return ValueKind.STATIC
                if func.attr in ("asnumpy", "numpy", "tolist", "item"):
                    return ValueKind.UNKNOWN
                return ValueKind.TENSOR
        return ValueKind.UNKNOWN

    def _read_init_attributes(self) -> dict[str, ValueKind]:
        kinds: dict[str, ValueKind] = {}
        if self.owner is None:
            return kinds
        for attribute, values in self.facts.init_attribute_values(self.owner).items():
            kinds[attribute] = max(self._init_value_kind(value) for value in values)
        return kinds

    def _init_value_kind(self, value: ast.expr) -> ValueKind:
        if _is_literal(value):
            return ValueKind.STATIC
        if isinstance(value, ast.Call):
            names = self.imports.qualified_names(value.func)
            if names & TENSOR_CONSTRUCTORS or any(
                name.startswith(("mindspore.ops.", "mindspore.numpy.", "mindspore.mint.")) for name in names
            ):
                return ValueKind.TENSOR
        return ValueKind.UNKNOWN


_IN_PROGRESS = object()


def value_kinds_of(function: FunctionNode, facts: ModuleFacts, imports: ImportTable) -> ValueKinds | None:
    """The (cached) value analysis of `function`; None while it is being built (a recursive call chain)."""
    cached = facts.value_cache.get(function)
    if cached is _IN_PROGRESS:
        return None
    if isinstance(cached, ValueKinds):
        return cached
    facts.value_cache[function] = _IN_PROGRESS
    try:
        kinds = ValueKinds(function, facts, imports)
    finally:
        facts.value_cache.pop(function, None)
    facts.value_cache[function] = kinds
    return kinds


def _is_literal(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.Tuple | ast.List):
        return all(_is_literal(element) for element in expr.elts)
    return isinstance(expr, ast.UnaryOp) and isinstance(expr.operand, ast.Constant)
