"""MSG007: a Python built-in that graph mode evaluates differently from Python, in graph scope.

`BUILTINS` records, per built-in, how MindSpore 2.10 treats it (measured with the oracle runner on
constants and on tensors, at STRICT and LAX). Most of them are *folded*: MindSpore calls the Python
function while compiling, which works on constants (`sorted([3, 1, 2])`, `hash(3)`, `divmod(7, 2)` all
compile at both levels) and fails at STRICT as soon as an argument names a runtime value, even
through `x.shape` (`divmod(x.shape[1], 2)` fails, `h = x.shape[1]; divmod(h, 2)` compiles). At LAX
the call then runs in the Python interpreter at run time (JIT Fallback), and what happens next depends
on where the result goes: a `for` loop over it breaks the gradient's compilation (float32/float64
join), a comprehension over it computes wrong values, tensor arithmetic on it gets a zero gradient,
and a condition on it is fine.
"""

from __future__ import annotations

import ast
import builtins
import enum
import re
from dataclasses import dataclass

from msmigrate.analysis.facts import ClassInfo, FunctionNode, ModuleFacts, SyntaxLevel, target_names
from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.analysis.values import ValueKind
from msmigrate.rules.base import Rule, RuleContext


class Behaviour(enum.Enum):
    """How MindSpore 2.10's graph compiler treats a call of the built-in."""

    FOLDED = "folded"  # called while compiling: compiles when every argument is a constant
    FROZEN = "frozen"  # host I/O, called once while compiling and never again
    WRONG_RESULT = "wrong-result"  # compiles at both levels and returns something else than Python
    NO_NAMESPACE = "no-namespace"  # `eval` / `exec`: the code string sees no variable at all
    STRICT_ONLY = "strict-only"  # does not compile at STRICT, runs through JIT Fallback at LAX
    BYTES_AS_STR = "bytes-as-str"  # graph mode turns a bytes constant into a str


@dataclass(frozen=True)
class BuiltinFacts:
    behaviour: Behaviour
    advice: str
    # Measured: a local variable, parameter or nested `def` named `sorted`, `hex`, `id`, `reversed`,
    # `open`, `setattr`... does not shadow the built-in in a call: graph mode calls the built-in anyway.
    # Only the built-ins MindSpore implements itself (`next` here) honour the local name.
    local_name_shadows: bool = False


_HOST_VALUE = "compute it in `__init__` or outside the graph"
BUILTINS: dict[str, BuiltinFacts] = {
    # Folded (measured on tensor-derived arguments: STRICT compile error; LAX see the module docstring).
    "sorted": BuiltinFacts(Behaviour.FOLDED, "sort a tensor with `ops.sort(t)[0]`"),
    "reversed": BuiltinFacts(Behaviour.FOLDED, "slice with `[::-1]` (or count a `range` down)"),
    "set": BuiltinFacts(Behaviour.FOLDED, "use a tuple, or `ops.unique` on a tensor"),
    "frozenset": BuiltinFacts(Behaviour.FOLDED, "use a tuple, or `ops.unique` on a tensor"),
    "slice": BuiltinFacts(Behaviour.FOLDED, "write the slice `a[start:stop]` directly"),
    "divmod": BuiltinFacts(Behaviour.FOLDED, "use `//` and `%`, or bind the shape to a name first"),
    "hash": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "id": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "repr": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "dir": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "vars": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "callable": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "issubclass": BuiltinFacts(Behaviour.FOLDED, "test `isinstance(x, ms.Tensor)` instead"),
    "bin": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "hex": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "oct": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "chr": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "ord": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "ascii": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "format": BuiltinFacts(Behaviour.FOLDED, _HOST_VALUE),
    "complex": BuiltinFacts(Behaviour.FOLDED, "graph mode has no complex scalars; keep real and imaginary parts"),
    # Measured: a file opened in `construct` is read or written once, at compile time; `input()` the same.
    "open": BuiltinFacts(Behaviour.FROZEN, "do file I/O outside the graph and pass the data in"),
    "input": BuiltinFacts(Behaviour.FROZEN, "read input outside the graph and pass the value in"),
    # Measured: `next(it)` gives a pair (item, rest of the iterator); `locals()` / `vars()` an empty dict.
    "next": BuiltinFacts(Behaviour.WRONG_RESULT, "index the sequence (`seq[0]`) or loop over it", True),
    "locals": BuiltinFacts(Behaviour.WRONG_RESULT, "name the variables you need explicitly"),
    # Measured: NameError for every variable the string names, local or global, at both levels.
    "eval": BuiltinFacts(Behaviour.NO_NAMESPACE, "write the expression as code"),
    "exec": BuiltinFacts(Behaviour.NO_NAMESPACE, "write the statements as code"),
    "setattr": BuiltinFacts(Behaviour.STRICT_ONLY, "set attributes in `__init__`; use a Parameter for state"),
    "delattr": BuiltinFacts(Behaviour.STRICT_ONLY, "delete attributes outside the graph"),
    "memoryview": BuiltinFacts(Behaviour.BYTES_AS_STR, "convert bytes outside the graph"),
}


class Use(enum.Enum):
    """Where the result of a folded call goes: it decides what JIT Fallback does with it at LAX."""

    LOOP = "loop"  # iterated by a `for` statement
    COMPREHENSION = "comprehension"  # iterated by a comprehension
    CONDITION = "condition"  # only tested by `if` / `while` / `assert` / a conditional expression
    VALUE = "value"  # anything else


# (severity, consequence) of a folded call on a runtime value at LAX, by use (measured).
LAX_FALLBACK: dict[Use, tuple[Severity, str]] = {
    Use.LOOP: (Severity.ERROR, "the loop over its result makes the gradient fail to compile"),
    Use.COMPREHENSION: (Severity.WARNING, "a comprehension over its result computes wrong values"),
    Use.CONDITION: (Severity.HINT, "it works, but the network cannot be exported and runs slower"),
    Use.VALUE: (Severity.WARNING, "tensors computed from its result get no gradient (silently zero)"),
}

# `self.<name> = nn.CellList(...)` is a runtime value to the folding check (measured); other Cells,
# `nn.SequentialCell` included, are constants.
CELL_LIST_SUFFIX = ".CellList"
ITERATING_BUILTINS = frozenset({"tuple", "list"})
BUILTIN_NAMES = frozenset(dir(builtins))


class UnsupportedBuiltinInGraph(Rule):
    """Python built-in that graph mode runs at compile time, in the interpreter, or not at all.

    **What it does**

    Flags calls of Python built-ins inside `construct`, a `@mindspore.jit` function or a function
    they call, where MindSpore 2.10 does not do what Python does: `sorted`, `reversed`, `set`,
    `frozenset`, `slice`, `divmod`, `hash`, `id`, `repr`, `dir`, `vars`, `callable`, `issubclass`,
    `bin`, `hex`, `oct`, `chr`, `ord`, `ascii`, `format` and `complex` on runtime values; `open`,
    `input`, `next`, `locals`, `eval`, `exec`, `setattr`, `delattr` and `memoryview`. A name bound
    by an import, a definition or an assignment is not the built-in and is left alone.

    **Why is this bad?**

    Measured on MindSpore 2.10: the graph compiler calls most of these built-ins while compiling.
    On constants that works at both syntax levels, so constant calls are not flagged. When an
    argument names a runtime value (a tensor, a list of tensors, an `nn.CellList`, even `x.shape`
    written inline) the call does not compile at STRICT; at LAX it runs in the Python interpreter at
    run time, and then a `for` loop over the result breaks the gradient, a comprehension over it gives
    wrong values, and tensor arithmetic on it gets a zero gradient. `open()` and `input()` run once, at
    compile time. `next(it)` returns a pair (item, rest of the iterator); `locals()` is empty; `eval`
    and `exec` see no variables; `setattr` / `delattr` do not compile at STRICT; bytes constants
    become `str`, so `memoryview(b"..")` fails.

    **Example**

    ```python
    class Decoder(nn.Cell):
        def construct(self, x):
            for layer in reversed(self.layers):  # an nn.CellList
                x = layer(x)
            return sorted(x[0])[0] * x
    ```

    **Use instead**

    ```python
    class Decoder(nn.Cell):
        def construct(self, x):
            for layer in self.layers[::-1]:
                x = layer(x)
            return ops.sort(x[0])[0][0] * x
    ```

    **Fix safety**

    `reversed(seq)` on a tuple or list display, a name bound to one, or an `nn.CellList` becomes
    `seq[::-1]`, and `reversed(range(n))` becomes `range(n - 1, -1, -1)`: safe where the result is
    only iterated (a `for` loop, a comprehension, `tuple(...)` or `list(...)`), proved by compiling
    the fixed examples at both levels and comparing values with PyNative; unsafe elsewhere (a slice
    is not an iterator). `sorted(t)` on a tensor becomes `ops.sort(t)[0]`: unsafe, it returns a
    tensor, not a list.

    **References**

    https://www.mindspore.cn/tutorials/en/r2.6.0/compile/python_builtin_functions.html
    https://www.mindspore.cn/tutorials/en/r2.6.0/compile/static_graph.html
    """

    code = "MSG007"
    category = Category.GRAPH_SYNTAX
    node_types = (ast.Call,)
    graph_scope_only = True

    def __init__(self) -> None:
        self._local_bindings: dict[FunctionNode, dict[str, list[ast.expr | None]]] = {}
        self._module_assigned: dict[str, bool] = {}

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        name = self._builtin_name(node.func, context)
        if name is None:
            return
        facts = BUILTINS[name]
        if name == "vars" and not node.args:
            facts = BUILTINS["locals"]  # `vars()` without an argument is `locals()`
        function = context.function
        if isinstance(node.func, ast.Name) and function is not None and name in self._bindings_of(function):
            if not facts.local_name_shadows:
                self._local_name_ignored(node, name, context)
            return
        handler = _HANDLERS[facts.behaviour]
        handler(self, node, name, facts, context)

    def _local_name_ignored(self, call: ast.Call, name: str, context: RuleContext) -> None:
        kind, culprit = self._argument_kind(call, context)
        where = context.scope_description()
        if kind is ValueKind.TENSOR:
            message = (
                f"`{name}` {where} is a local name, but graph mode calls the built-in `{name}()` here, which "
                f"does not compile on the runtime value `{culprit}`: rename the local name"
            )
            context.report(call.func, message, Severity.ERROR)
        else:
            message = (
                f"`{name}` {where} is a local name, but graph mode silently calls the built-in `{name}()` "
                "here: rename the local name"
            )
            context.report(call.func, message, Severity.WARNING)

    # -- behaviours -----------------------------------------------------------------------------------
    def _folded(self, call: ast.Call, name: str, facts: BuiltinFacts, context: RuleContext) -> None:
        kind, culprit = self._argument_kind(call, context)
        if kind is ValueKind.STATIC:
            return
        where = context.scope_description()
        if kind is ValueKind.UNKNOWN:
            message = (
                f"`{name}()` {where} is evaluated while compiling: it compiles only if its arguments are "
                "constants (a tensor argument fails at STRICT and loses its gradient at LAX); "
                f"{facts.advice}"
            )
            context.report(call.func, message, Severity.HINT)
            return
        fixes = self._fixes(call, name, context)
        if context.level is SyntaxLevel.STRICT:
            message = (
                f"`{name}()` {where} does not compile at jit_syntax_level STRICT: MindSpore evaluates it while "
                f"compiling and `{culprit}` is a runtime value; {facts.advice}"
            )
            context.report(call.func, message, Severity.ERROR, fixes)
            return
        severity, consequence = LAX_FALLBACK[self._use_of(call, context)]
        message = (
            f"`{name}()` {where} runs in the Python interpreter at run time (JIT Fallback, `{culprit}` is a "
            f"runtime value): {consequence}; {facts.advice}"
        )
        context.report(call.func, message, severity, fixes)

    def _frozen(self, call: ast.Call, name: str, facts: BuiltinFacts, context: RuleContext) -> None:
        message = (
            f"`{name}()` {context.scope_description()} runs once, while the graph is compiled, not on every "
            f"call; {facts.advice}"
        )
        context.report(call.func, message, Severity.WARNING)

    def _wrong_result(self, call: ast.Call, name: str, facts: BuiltinFacts, context: RuleContext) -> None:
        result = "a pair (item, rest of the iterator)" if name == "next" else "an empty namespace"
        message = (
            f"`{name}()` {context.scope_description()} compiles but returns {result} in graph mode, unlike "
            f"Python; {facts.advice}"
        )
        context.report(call.func, message, Severity.WARNING)

    def _no_namespace(self, call: ast.Call, name: str, facts: BuiltinFacts, context: RuleContext) -> None:
        where = context.scope_description()
        code = call.args[0] if call.args else None
        read = _names_read_by(code, "exec" if name == "exec" else "eval")
        if read:
            message = (
                f"`{name}()` {where} does not compile: the string is run with no variables in scope, so "
                f"`{read[0]}` is undefined (NameError); {facts.advice}"
            )
            context.report(call.func, message, Severity.ERROR)
        elif name == "exec" and context.level is SyntaxLevel.STRICT:
            message = f"`exec()` {where} does not compile at jit_syntax_level STRICT; {facts.advice}"
            context.report(call.func, message, Severity.ERROR)
        elif name == "exec" or read is None:
            message = (
                f"`{name}()` {where} runs its string with no variables in scope and outside the graph; {facts.advice}"
            )
            context.report(call.func, message, Severity.HINT)

    def _strict_only(self, call: ast.Call, name: str, facts: BuiltinFacts, context: RuleContext) -> None:
        where = context.scope_description()
        if context.level is SyntaxLevel.STRICT:
            message = f"`{name}()` {where} does not compile at jit_syntax_level STRICT; {facts.advice}"
            context.report(call.func, message, Severity.ERROR)
        else:
            message = (
                f"`{name}()` {where} runs through JIT Fallback at LAX (it fails at STRICT and blocks "
                f"MindIR export); {facts.advice}"
            )
            context.report(call.func, message, Severity.HINT)

    def _bytes_as_str(self, call: ast.Call, name: str, facts: BuiltinFacts, context: RuleContext) -> None:
        if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, bytes):
            message = (
                f"`{name}()` {context.scope_description()} does not compile: graph mode turns the bytes "
                f"constant into a str; {facts.advice}"
            )
            context.report(call.func, message, Severity.ERROR)

    # -- what the call is -----------------------------------------------------------------------------
    def _builtin_name(self, func: ast.expr, context: RuleContext) -> str | None:
        """The listed built-in `func` names, or None if it names something else."""
        if isinstance(func, ast.Attribute):
            names = context.qualified_names(func)
            return func.attr if f"builtins.{func.attr}" in names and func.attr in BUILTINS else None
        if isinstance(func, ast.Name) and func.id in BUILTINS and self._is_builtin(func.id, context):
            return func.id
        return None

    def _is_builtin(self, name: str, context: RuleContext) -> bool:
        """Whether `name` means the built-in at module level: no import, definition or assignment rebinds it.

        Local bindings are the caller's business: graph mode ignores them for some built-ins."""
        facts = context.facts
        if context.imports.lookup(name) or name in facts.functions or name in facts.classes:
            return False
        return name in BUILTIN_NAMES and not self._assigned_at_module_level(name, context)

    def _is_unshadowed_builtin(self, name: str, context: RuleContext) -> bool:
        function = context.function
        local = function is not None and name in self._bindings_of(function)
        return not local and self._is_builtin(name, context)

    def _argument_kind(self, call: ast.Call, context: RuleContext) -> tuple[ValueKind, str]:
        """The join of the kinds of the names the arguments mention, and the first runtime one."""
        worst, culprit = ValueKind.STATIC, ""
        for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
            for operand in _operands(argument):
                kind = self._operand_kind(operand, context)
                if kind > worst:
                    worst, culprit = kind, ast.unparse(operand)
        return worst, culprit

    def _operand_kind(self, operand: ast.Name | ast.Attribute, context: RuleContext) -> ValueKind:
        values, function = context.values, context.function
        if values is None or function is None:
            return ValueKind.UNKNOWN
        owner = context.facts.class_of_method(function)
        if isinstance(operand, ast.Attribute):  # `self.<attribute>`
            if owner is not None and self._is_cell_list(owner, operand.attr, context):
                return ValueKind.TENSOR
            if owner is not None and self._is_mindspore_object(owner, operand.attr, context):
                return ValueKind.STATIC
            return values.self_attribute_kind(operand.attr)
        name = operand.id
        if name == "self" and owner is not None:
            return ValueKind.STATIC  # the Cell itself is a constant object to the graph (`id(self)` compiles)
        if name in self._bindings_of(function):
            return values.kind_of(operand)
        facts = context.facts
        # Imported modules, module functions and classes, and built-ins are constants to the graph.
        if context.imports.lookup(name) or name in facts.functions or name in facts.classes or name in BUILTIN_NAMES:
            return ValueKind.STATIC
        return values.kind_of(operand)

    def _is_cell_list(self, owner: ClassInfo, attribute: str, context: RuleContext) -> bool:
        created = _init_call_of(owner, attribute, context.facts)
        return created is not None and any(
            name.startswith("mindspore.") and name.endswith(CELL_LIST_SUFFIX)
            for name in context.qualified_names(created.func)
        )

    def _is_mindspore_object(self, owner: ClassInfo, attribute: str, context: RuleContext) -> bool:
        """`self.act = nn.ReLU()`: a Cell or other MindSpore object built in `__init__` is a constant."""
        created = _init_call_of(owner, attribute, context.facts)
        if created is None:
            return False
        names = context.qualified_names(created.func)
        return bool(names) and all(name.startswith("mindspore.nn.") for name in names)

    def _use_of(self, call: ast.Call, context: RuleContext) -> Use:
        parent = context.parent_of(call)
        if isinstance(parent, ast.For) and parent.iter is call:
            return Use.LOOP
        if isinstance(parent, ast.comprehension) and parent.iter is call:
            return Use.COMPREHENSION
        child: ast.AST = call
        while isinstance(parent, ast.expr):
            if isinstance(parent, ast.IfExp) and parent.test is child:
                return Use.CONDITION
            child, parent = parent, context.parent_of(parent)
        if isinstance(parent, ast.If | ast.While | ast.Assert) and parent.test is child:
            return Use.CONDITION
        return Use.VALUE

    # -- fixes ----------------------------------------------------------------------------------------
    def _fixes(self, call: ast.Call, name: str, context: RuleContext) -> tuple[FixOffer, ...]:
        if len(call.args) != 1 or context.function is None:
            return ()
        argument = call.args[0]
        if name == "sorted":
            return self._sorted_fix(call, argument, context)
        if name == "reversed" and not call.keywords:
            return self._reversed_fix(call, argument, context)
        return ()

    def _sorted_fix(self, call: ast.Call, argument: ast.expr, context: RuleContext) -> tuple[FixOffer, ...]:
        assert context.function is not None
        descending = False
        for keyword in call.keywords:
            if keyword.arg != "reverse" or not isinstance(keyword.value, ast.Constant):
                return ()
            descending = bool(keyword.value.value)
        values = context.values
        is_tensor = values is not None and values.kind_of(argument) is ValueKind.TENSOR
        if not is_tensor or self._is_sequence(argument, context.function):
            return ()
        return (
            FixOffer(
                "Sort with ops.sort (gives a tensor, not a list)",
                FixSafety.UNSAFE,
                "sorted-to-ops-sort",
                (("descending", descending),),
            ),
        )

    def _reversed_fix(self, call: ast.Call, argument: ast.expr, context: RuleContext) -> tuple[FixOffer, ...]:
        assert context.function is not None
        safety = FixSafety.SAFE if self._only_iterated(call, context) else FixSafety.UNSAFE
        if (
            isinstance(argument, ast.Call)
            and isinstance(argument.func, ast.Name)
            and argument.func.id == "range"
            and 1 <= len(argument.args) <= 2
            and not argument.keywords
            and self._is_unshadowed_builtin("range", context)
        ):
            return (FixOffer("Count the range down", safety, "reversed-range-to-range"),)
        owner = context.facts.class_of_method(context.function)
        is_cell_list = (
            isinstance(argument, ast.Attribute)
            and isinstance(argument.value, ast.Name)
            and argument.value.id == "self"
            and owner is not None
            and self._is_cell_list(owner, argument.attr, context)
        )
        if is_cell_list or self._is_sequence(argument, context.function):
            return (FixOffer("Slice with [::-1]", safety, "reversed-to-slice"),)
        return ()

    def _only_iterated(self, call: ast.Call, context: RuleContext) -> bool:
        parent = context.parent_of(call)
        if isinstance(parent, ast.For | ast.comprehension) and parent.iter is call:
            return True
        return (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Name)
            and parent.func.id in ITERATING_BUILTINS
            and parent.args == [call]
            and not parent.keywords
            and self._is_unshadowed_builtin(parent.func.id, context)
        )

    def _is_sequence(self, expr: ast.expr, function: FunctionNode) -> bool:
        """A tuple or list display, or a local name bound only to such displays."""
        if isinstance(expr, ast.Tuple | ast.List):
            return True
        if isinstance(expr, ast.Name):
            values = self._bindings_of(function).get(expr.id)
            return bool(values) and all(isinstance(value, ast.Tuple | ast.List) for value in values)
        return False

    # -- per-function and per-module caches -----------------------------------------------------------
    def _bindings_of(self, function: FunctionNode) -> dict[str, list[ast.expr | None]]:
        bindings = self._local_bindings.get(function)
        if bindings is None:
            bindings = _local_bindings(function)
            self._local_bindings[function] = bindings
        return bindings

    def _assigned_at_module_level(self, name: str, context: RuleContext) -> bool:
        """`sorted = my_sort` at module level. Module facts keep no plain assignments, so the text is
        searched, once per name and only for names this rule is about to report."""
        known = self._module_assigned.get(name)
        if known is None:
            pattern = re.compile(rf"^{re.escape(name)}\s*(?::[^=\n]*)?=(?!=)", re.MULTILINE)
            known = pattern.search(context.source.text) is not None
            self._module_assigned[name] = known
        return known


_HANDLERS = {
    Behaviour.FOLDED: UnsupportedBuiltinInGraph._folded,
    Behaviour.FROZEN: UnsupportedBuiltinInGraph._frozen,
    Behaviour.WRONG_RESULT: UnsupportedBuiltinInGraph._wrong_result,
    Behaviour.NO_NAMESPACE: UnsupportedBuiltinInGraph._no_namespace,
    Behaviour.STRICT_ONLY: UnsupportedBuiltinInGraph._strict_only,
    Behaviour.BYTES_AS_STR: UnsupportedBuiltinInGraph._bytes_as_str,
}


def _operands(expr: ast.expr) -> list[ast.Name | ast.Attribute]:
    """The variables an argument mentions: names and `self.<attribute>`, but not called functions and
    not lambda parameters (MindSpore's folding check looks at the same free variables)."""
    found: list[ast.Name | ast.Attribute] = []
    pending: list[ast.AST] = [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            found.append(node)
            continue
        if isinstance(node, ast.Name):
            found.append(node)
            continue
        if isinstance(node, ast.Call):
            pending.extend([*node.args, *(keyword.value for keyword in node.keywords)])
            if isinstance(node.func, ast.Attribute):
                pending.append(node.func.value)  # `t.sum()`: the receiver is an operand
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def _init_call_of(owner: ClassInfo, attribute: str, facts: ModuleFacts) -> ast.Call | None:
    """The call `__init__` assigns to `self.<attribute>`, when it assigns exactly one value and that is a call."""
    values = facts.init_attribute_values(owner).get(attribute, [])
    return values[0] if len(values) == 1 and isinstance(values[0], ast.Call) else None


def _names_read_by(code: ast.expr | None, mode: str) -> list[str] | None:
    """Names a constant code string reads, builtins excepted; None when the code is not a constant."""
    if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
        return None
    try:
        tree = ast.parse(code.value, mode=mode)
    except SyntaxError:
        return None
    return [
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in BUILTIN_NAMES
    ]


def _local_bindings(function: FunctionNode) -> dict[str, list[ast.expr | None]]:
    """Every local name of the function, with the values plain assignments bind to it (None for other
    bindings: parameters, loop targets, `def`, `with ... as`).

    Only statements are visited, not expressions: a comprehension's variable is local to the
    comprehension, and a walrus (MSG006 reports it anyway) is not worth a walk over every expression.
    """
    bound: dict[str, list[ast.expr | None]] = {}
    arguments = function.args
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]:
        if argument is not None:
            bound.setdefault(argument.arg, []).append(None)
    pending: list[ast.stmt] = list(function.body)
    while pending:
        statement = pending.pop()
        for name, value in _bindings_made_by(statement):
            bound.setdefault(name, []).append(value)
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue  # their bodies bind names of their own scope
        for block in ("body", "orelse", "finalbody"):
            pending.extend(getattr(statement, block, ()))
        for handler in getattr(statement, "handlers", ()):
            pending.extend(handler.body)
        for case in getattr(statement, "cases", ()):
            pending.extend(case.body)
    return bound


def _bindings_made_by(statement: ast.stmt) -> list[tuple[str, ast.expr | None]]:
    if isinstance(statement, ast.Assign):
        return [
            (name, statement.value if isinstance(target, ast.Name) else None)
            for target in statement.targets
            for name in target_names(target)
        ]
    if isinstance(statement, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
        return [(name, None) for name in target_names(statement.target)]
    if isinstance(statement, ast.With | ast.AsyncWith):
        return [
            (name, None)
            for item in statement.items
            if item.optional_vars is not None
            for name in target_names(item.optional_vars)
        ]
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [(statement.name, None)]
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return [((alias.asname or alias.name).split(".", 1)[0], None) for alias in statement.names]
    return []
