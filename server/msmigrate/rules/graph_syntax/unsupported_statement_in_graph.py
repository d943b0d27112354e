"""MSG006: a statement or syntax form that MindSpore's graph compiler rejects, in graph scope.

Every `Unsupported` construct below was compiled by MindSpore 2.10 (CPU, GRAPH_MODE) at both syntax
levels through the oracle runner; all of them fail at both, JIT Fallback included, even in a branch
that is never taken (the parser rejects them before anything runs). A nested `class` fails too,
although the docs dropped ClassDef from the unsupported list in 2.2. Constructs that the 2.6 docs
list as unsupported but 2.10 compiles are not flagged: annotated assignment (`y: T = v`), `global`,
`lambda`, `assert`, f-strings, `print`, starred assignment, chained comparisons, tensor default
values, `**kwargs` parameters, nested `def`, one-`for` comprehensions and dict comprehensions.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from msmigrate.analysis.facts import FunctionNode, SyntaxLevel
from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity, Span
from msmigrate.analysis.values import ValueKind
from msmigrate.rules.base import Rule, RuleContext


@dataclass(frozen=True)
class Unsupported:
    """One construct graph mode rejects: its name in messages, what to write instead, and the severity
    MindSpore 2.10 earns at each syntax level (measured: every entry fails to compile at both)."""

    what: str
    advice: str
    strict: Severity = Severity.ERROR
    lax: Severity = Severity.ERROR

    def severity(self, level: SyntaxLevel) -> Severity:
        return self.strict if level is SyntaxLevel.STRICT else self.lax


TRY = Unsupported("`try` statement", "test the condition explicitly, or handle errors outside the graph")
DEL = Unsupported("`del` statement", "drop it; rebind the name or build a new list instead")
YIELD = Unsupported("`yield`", "graph mode has no generators; return a tuple or list of the values")
WALRUS = Unsupported("the walrus operator `:=`", "assign on a line of its own")
SET_DISPLAY = Unsupported("a set display", "use a tuple; `in` tests work on tuples")
SET_COMPREHENSION = Unsupported("a set comprehension", "use a list comprehension or a tuple")
FOR_ELSE = Unsupported("`for … else`", "set a flag before `break` and test it after the loop")
WHILE_ELSE = Unsupported("`while … else`", "set a flag before `break` and test it after the loop")
IMPORT = Unsupported("`import`", "import at module level")
NONLOCAL = Unsupported("`nonlocal`", "return the new value from the inner function instead")
MATCH = Unsupported("a `match` statement", "use `if` / `elif`")
CLASS_DEF = Unsupported("a `class` statement", "define the class at module level")
ASYNC_DEF = Unsupported("`async def`", "make it a plain `def`; graph mode has no coroutines")
NESTED_FOR = Unsupported("a comprehension with more than one `for`", "nest two comprehensions or write the loops out")
RAISE_DICT = Unsupported(
    "`raise` with a dict argument under a runtime condition", "pass a string (format the dict into it)"
)
WITH_PLAIN_OBJECT = Unsupported(
    "`with` on a non-`@jit_class` object",
    "decorate its class with `@mindspore.jit_class`, or move the `with` out of the graph",
)
CLASSMETHOD_CALL = Unsupported(
    "a call of the `@classmethod`", "make it a `@staticmethod` (MindSpore passes no `cls` to it)"
)

# The statement's leading keyword is the narrow range reported for these (None: the whole expression).
KEYWORD_ONLY: dict[type[ast.AST], tuple[Unsupported, str | None]] = {
    ast.Try: (TRY, "try"),
    ast.Delete: (DEL, "del"),
    ast.Yield: (YIELD, "yield"),
    ast.YieldFrom: (YIELD, "yield"),
    ast.SetComp: (SET_COMPREHENSION, None),
    ast.Import: (IMPORT, "import"),
    ast.ImportFrom: (IMPORT, "from"),
    ast.Nonlocal: (NONLOCAL, "nonlocal"),
    ast.Match: (MATCH, "match"),
    ast.ClassDef: (CLASS_DEF, "class"),
    # `await`, `async for` and `async with` occur only inside an `async def`, reported once there.
    ast.AsyncFunctionDef: (ASYNC_DEF, "async"),
}
if hasattr(ast, "TryStar"):  # `try` / `except*`, Python 3.11+
    KEYWORD_ONLY[ast.TryStar] = (TRY, "try")

# MindSpore's own context managers are left alone: the rule flags only what it knows is not a jit_class.
MINDSPORE_PREFIX = "mindspore."


class UnsupportedStatementInGraph(Rule):
    """Statement or syntax that the MindSpore graph compiler rejects.

    **What it does**

    Flags, inside `construct`, a `@mindspore.jit` function or a function they call: `try`, `del`,
    `yield` / `yield from`, the walrus `:=`, set displays and set comprehensions, `for … else` and
    `while … else`, `import`, `nonlocal`, `match`, a nested `class`, `async def`, comprehensions with
    more than one `for`, `raise` with a dict argument under a runtime condition, `with` on an object
    that is not a `@jit_class` instance, and calls of a `@classmethod`. Each is reported at its keyword.

    **Why is this bad?**

    The graph compiler parses the whole function, reachable or not, and stops at the first construct
    it has no translation for ("Unsupported statement 'Try'"). Measured on MindSpore 2.10: every
    construct above fails to compile at both `jit_syntax_level` STRICT and LAX; JIT Fallback does not
    rescue any of them. A `@classmethod` is called without `cls`, so the call fails with a wrong
    argument count. Several forms the 2.6 docs still call unsupported compile on 2.10 and are not
    flagged: `x: T = v`, `global`, `lambda`, `assert`, f-strings, tensor default values.

    **Example**

    ```python
    class Net(nn.Cell):
        def construct(self, x):
            if x.shape[0] in {1, 2}:
                return x
            try:
                return self.head(x)
            except ValueError:
                return x
    ```

    **Use instead**

    ```python
    class Net(nn.Cell):
        def construct(self, x):
            if x.shape[0] in (1, 2):
                return x
            return self.head(x)
    ```

    **Fix safety**

    A set display of constants tested with `in` / `not in` becomes a tuple: a safe fix, proved by
    compiling the fixed examples at both levels and comparing values with PyNative. A `@classmethod`
    whose body never uses `cls` becomes a `@staticmethod` without the `cls` parameter: safe, the calls
    stay the same. Other constructs need a rewrite by hand.

    **References**

    https://www.mindspore.cn/tutorials/en/r2.6.0/compile/static_graph.html
    https://www.mindspore.cn/tutorials/en/r2.6.0/compile/statements.html
    """

    code = "MSG006"
    category = Category.GRAPH_SYNTAX
    node_types = (
        *KEYWORD_ONLY,
        ast.Set,
        ast.NamedExpr,
        ast.For,
        ast.While,
        ast.ListComp,
        ast.GeneratorExp,
        ast.DictComp,
        ast.Raise,
        ast.With,
        ast.Call,
    )
    graph_scope_only = True

    def check(self, node: ast.AST, context: RuleContext) -> None:
        keyword_only = KEYWORD_ONLY.get(type(node))
        if keyword_only is not None:
            construct, keyword = keyword_only
            span = context.source.head_span(node, keyword) if keyword else context.source.span_of(node)
            self._report(construct, span, context)
            return
        check = _CONDITIONAL_CHECKS.get(type(node))
        if check is not None:
            check(self, node, context)

    def _report(
        self,
        construct: Unsupported,
        span: Span,
        context: RuleContext,
        detail: str = "",
        fixes: tuple[FixOffer, ...] = (),
    ) -> None:
        severity = construct.severity(context.level)
        where = context.scope_description()
        if severity is not Severity.ERROR:
            outcome = "is not supported in graph mode"
        elif context.level is SyntaxLevel.STRICT:
            outcome = "does not compile at jit_syntax_level STRICT"
        else:
            outcome = "does not compile, even at jit_syntax_level LAX (JIT Fallback does not cover it)"
        message = f"{construct.what}{detail} {where} {outcome}: {construct.advice}"
        context.report(span, message, severity, fixes)

    # -- constructs that are rejected only in some shapes ---------------------------------------------
    def _set_display(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Set)
        fixes: tuple[FixOffer, ...] = ()
        parent = context.parent_of(node)
        tested_with_in = (
            isinstance(parent, ast.Compare)
            and node in parent.comparators
            and isinstance(parent.ops[parent.comparators.index(node)], ast.In | ast.NotIn)
        )
        if tested_with_in and all(isinstance(element, ast.Constant) for element in node.elts):
            # Membership of a constant in constants: a tuple answers exactly as the set does.
            fixes = (FixOffer("Use a tuple for the membership test", FixSafety.SAFE, "set-display-to-tuple"),)
        self._report(SET_DISPLAY, context.source.span_of(node), context, fixes=fixes)

    def _walrus(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.NamedExpr)
        target = context.source.span_of(node.target)
        line = context.source.line(target.end_line)
        operator = line.find(":=", target.end_column)
        span = Span(target.line, target.column, target.end_line, operator + 2) if operator >= 0 else target
        self._report(WALRUS, span, context)

    def _loop_else(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.For | ast.While)
        if not node.orelse:
            return
        construct, keyword = (FOR_ELSE, "for") if isinstance(node, ast.For) else (WHILE_ELSE, "while")
        span = _else_keyword(node, context) or context.source.head_span(node, keyword)
        self._report(construct, span, context)

    def _nested_for(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.ListComp | ast.GeneratorExp | ast.DictComp)
        if len(node.generators) < 2:
            return
        # `comprehension` nodes carry no position: the second `for` precedes its target.
        target = context.source.span_of(node.generators[1].target)
        before = context.source.line(target.line)[: target.column].rstrip()
        if before.endswith("for"):
            span = Span(target.line, len(before) - 3, target.line, len(before))
        else:
            span = context.source.span_of(node)
        self._report(NESTED_FOR, span, context)

    def _raise_dict(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Raise)
        function, values = context.function, context.values
        if function is None or values is None or not isinstance(node.exc, ast.Call):
            return
        bindings = context.facts.index_of(function).bindings
        arguments = [*node.exc.args, *(keyword.value for keyword in node.exc.keywords)]
        if not any(_is_dict(argument, bindings) for argument in arguments):
            return
        conditions = self._enclosing_conditions(node, context)
        # Under conditions known at compile time the raise is decided while compiling (measured: compiles).
        if conditions and all(values.kind_of(test) is ValueKind.STATIC for test in conditions):
            return
        self._report(RAISE_DICT, context.source.head_span(node, "raise"), context)

    def _with_plain_object(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.With)
        for item in node.items:
            culprit = _plain_context_manager(item.context_expr, context)
            if culprit is not None:
                self._report(WITH_PLAIN_OBJECT, context.source.head_span(node, "with"), context, detail=f" `{culprit}`")
                return

    def _classmethod_call(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return
        facts, function = context.facts, context.function
        if func.value.id == "self" and function is not None:
            owner = context.facts.class_of_method(function)
        else:
            owner = facts.classes.get(func.value.id)
        found = context.facts.find_method(owner, func.attr) if owner is not None else None
        if found is None:
            return
        method, defining_class = found
        if not any(_is_classmethod_decorator(decorator, context) for decorator in method.decorator_list):
            return
        fixes: tuple[FixOffer, ...] = ()
        if _first_parameter_unused(method):
            params = (("class_name", defining_class.node.name), ("method", method.name))
            fixes = (
                FixOffer(
                    f"Make `{method.name}` a @staticmethod", FixSafety.SAFE, "classmethod-to-staticmethod", params
                ),
            )
        self._report(CLASSMETHOD_CALL, context.source.span_of(func), context, detail=f" `{func.attr}`", fixes=fixes)

    # -- tree helpers ---------------------------------------------------------------------------------
    def _enclosing_conditions(self, node: ast.AST, context: RuleContext) -> list[ast.expr]:
        conditions: list[ast.expr] = []
        child, parent = node, context.parent_of(node)
        while parent is not None and parent is not context.function:
            if isinstance(parent, ast.If | ast.While) and child is not parent.test:
                conditions.append(parent.test)
            child, parent = parent, context.parent_of(parent)
        return conditions


_CONDITIONAL_CHECKS: dict[type[ast.AST], Callable[[UnsupportedStatementInGraph, ast.AST, RuleContext], None]] = {
    ast.Set: UnsupportedStatementInGraph._set_display,
    ast.NamedExpr: UnsupportedStatementInGraph._walrus,
    ast.For: UnsupportedStatementInGraph._loop_else,
    ast.While: UnsupportedStatementInGraph._loop_else,
    ast.ListComp: UnsupportedStatementInGraph._nested_for,
    ast.GeneratorExp: UnsupportedStatementInGraph._nested_for,
    ast.DictComp: UnsupportedStatementInGraph._nested_for,
    ast.Raise: UnsupportedStatementInGraph._raise_dict,
    ast.With: UnsupportedStatementInGraph._with_plain_object,
    ast.Call: UnsupportedStatementInGraph._classmethod_call,
}


def _else_keyword(node: ast.For | ast.While, context: RuleContext) -> Span | None:
    """The `else` of a loop: the line at the loop's indentation, between its body and its else-block."""
    source = context.source
    column = source.span_of(node).column
    for line_number in range(node.orelse[0].lineno, node.lineno, -1):
        text = source.line(line_number)
        if text[:column].strip() == "" and text[column:].startswith("else") and text[column + 4 : column + 5] in ":( ":
            return Span(line_number, column, line_number, column + 4)
    return None


def _is_dict(expr: ast.expr, bindings: dict[str, list[ast.expr | None]]) -> bool:
    if isinstance(expr, ast.Dict | ast.DictComp):
        return True
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "dict":
        return "dict" not in bindings
    if isinstance(expr, ast.Name):
        values = bindings.get(expr.id)
        return bool(values) and all(value is not None and _is_dict(value, {}) for value in values)
    return False


def _plain_context_manager(expr: ast.expr, context: RuleContext) -> str | None:
    """The name of the context manager if it is known not to be a `@jit_class` instance."""
    if (
        isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and expr.value.id == "self"
        and context.function is not None
    ):
        owner = context.facts.class_of_method(context.function)
        assigned = context.facts.init_attribute_values(owner).get(expr.attr, []) if owner is not None else []
        created = assigned[0] if len(assigned) == 1 else None
        return f"self.{expr.attr}" if created is not None and _plain_context_manager(created, context) else None
    if not isinstance(expr, ast.Call):
        return None
    func = expr.func
    if isinstance(func, ast.Name) and func.id in context.facts.classes:
        info = context.facts.classes[func.id]
        # Cells are not context managers in practice; a `@jit_class` instance is supported (measured).
        return None if info.is_jit_class or info.is_cell else func.id
    names = context.qualified_names(func)
    if names and not any(name.startswith(MINDSPORE_PREFIX) for name in names):
        return ast.unparse(func)
    return None


def _is_classmethod_decorator(decorator: ast.expr, context: RuleContext) -> bool:
    if isinstance(decorator, ast.Name) and decorator.id == "classmethod":
        return not context.imports.lookup("classmethod")
    return "builtins.classmethod" in context.qualified_names(decorator)


def _first_parameter_unused(method: FunctionNode) -> bool:
    positional = [*method.args.posonlyargs, *method.args.args]
    if not positional:
        return False
    first = positional[0].arg
    return not any(isinstance(node, ast.Name) and node.id == first for node in ast.walk(method))
