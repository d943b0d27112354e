"""MSG005: threads, processes, subprocesses, queues, event loops and signals in graph scope."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import FunctionIndex, SyntaxLevel
from msmigrate.analysis.findings import Category, Severity
from msmigrate.analysis.names import ImportTable
from msmigrate.analysis.values import ValueKind
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.graph_syntax._host_calls import argument_values
from msmigrate.rules.graph_syntax._local_objects import (
    assigned_values,
    init_values,
    self_attribute,
)

CONCURRENCY_MODULES = (
    "threading",
    "_thread",
    "multiprocessing",
    "concurrent.futures",
    "subprocess",
    "asyncio",
    "queue",
    "signal",
    "sched",
)
# Top-level packages of the names above: a file importing none of them is skipped.
CONCURRENCY_ROOTS = frozenset({module.split(".", 1)[0] for module in CONCURRENCY_MODULES} | {"os"})
# `os` functions that start, replace, wait for or signal processes.
OS_PROCESS_FUNCTIONS = frozenset(
    {
        "os.fork",
        "os.forkpty",
        "os.system",
        "os.popen",
        "os.kill",
        "os.killpg",
        "os.posix_spawn",
        "os.posix_spawnp",
        "os.wait",
        "os.waitpid",
        "os.wait3",
        "os.wait4",
        "os.waitid",
    }
)
OS_PROCESS_PREFIXES = ("os.spawn", "os.exec")
# Questions whose answer does not change from call to call: folding them at compile time is harmless.
QUERIES = frozenset(
    {
        "threading.current_thread",
        "threading.currentThread",
        "threading.main_thread",
        "threading.get_ident",
        "threading.get_native_id",
        "_thread.get_ident",
        "multiprocessing.cpu_count",
        "multiprocessing.current_process",
        "multiprocessing.parent_process",
        "multiprocessing.get_start_method",
        "asyncio.iscoroutine",
        "asyncio.iscoroutinefunction",
        "signal.getsignal",
    }
)


def is_concurrency_name(name: str) -> bool:
    if name in QUERIES:
        return False
    if name in OS_PROCESS_FUNCTIONS or name.startswith(OS_PROCESS_PREFIXES):
        return True
    return any(name == module or name.startswith(f"{module}.") for module in CONCURRENCY_MODULES)


class ConcurrencyInGraph(Rule):
    """Threads, processes, subprocesses, queues or event loops used inside a graph-compiled function.

    **What it does**

    Flags calls into `threading`, `multiprocessing`, `concurrent.futures`, `subprocess`, `asyncio`,
    `queue`, `signal` and `sched`, and the process functions of `os` (`os.fork`, `os.system`,
    `os.kill`, ...), inside `construct`, a `@mindspore.jit` function, or a function they call; and
    method calls on such objects kept on `self` (`self.pool.submit(...)`), or on local ones when a
    tensor is passed. A `with` statement on these objects is MSG006's.

    **Why is this bad?**

    Graph mode does not run these calls when the network runs. Measured on MindSpore 2.10, at STRICT
    and LAX alike: a call whose arguments are constants runs once, in the Python interpreter, while the
    graph compiles. A thread is started and joined once, an executor's task runs once, a subprocess,
    an `os.system` command or a process pool runs once, `asyncio.run` runs once, and every later call of
    the network reuses what they returned then. A lock acquired in `construct` is acquired once, so it
    does not serialize the calls. Nothing fails: the network returns stale values, silently.

    Passing a tensor to such a call does not compile at `jit_syntax_level=STRICT`. At LAX the call then
    runs on the host at every call through JIT Fallback while the calls without tensors still ran
    while compiling: `queue.get()` after `queue.put(x)` waits forever during compilation (measured),
    and no gradient flows through what comes back (it is silently zero).

    Queries whose answer does not change (`multiprocessing.cpu_count()`, `threading.get_ident()`)
    are not flagged.

    **Example**

    ```python
    class Net(nn.Cell):
        def construct(self, x):
            pool = ThreadPoolExecutor(max_workers=2)
            futures = [pool.submit(branch, x) for branch in (self.left, self.right)]
            return sum(future.result() for future in futures)
    ```

    **Use instead**

    ```python
    class Net(nn.Cell):
        def construct(self, x):
            # Graph mode schedules independent branches itself.
            return self.left(x) + self.right(x)
    ```

    **Fix safety**

    No automatic fix: the work belongs outside the graph, in the data pipeline (`mindspore.dataset`
    runs its own workers) or around the call of the network.

    **References**

    https://www.mindspore.cn/tutorials/en/r2.6.0/compile/static_graph.html
    """

    code = "MSG005"
    category = Category.GRAPH_SYNTAX
    node_types = (ast.Call,)
    graph_scope_only = True

    def __init__(self) -> None:
        # A rule object lives for one analysis: this holds what it learns about that module's imports.
        self._imports_concurrency: dict[ImportTable, bool] = {}

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        function = context.function
        if function is None or not self._may_use_concurrency(context.imports):
            return
        func = node.func
        if _is_concurrency_call(node, context):
            if _reported_elsewhere(node, context, context.facts.index_of(function)):
                return
            only_with_tensors = False
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            receiver = func.value.id
            if receiver == "self" or context.imports.lookup(receiver):
                return
            if not _made_by_concurrency_calls(assigned_values(function, receiver, context.facts), context):
                return
            # A local object's own creation is reported already; its later calls add nothing unless they
            # pass a tensor (they run while compiling, as its creation did).
            only_with_tensors = True
        elif isinstance(func, ast.Attribute) and self._kept_on_self(func.value, context):
            only_with_tensors = False
        else:
            return
        values = context.values
        if values is None:
            return
        passes_tensor = any(values.kind_of(argument) is ValueKind.TENSOR for argument in argument_values(node))
        if only_with_tensors and not passes_tensor:
            return
        shown = f"`{ast.unparse(node.func)}()`"
        where = context.scope_description()
        if not passes_tensor:
            message = (
                f"{shown} {where} runs once, while the graph compiles: later calls of the network do not run it "
                "again and reuse what it returned then; move it out of the graph"
            )
            context.report(node, message, Severity.WARNING)
        elif context.level is SyntaxLevel.STRICT:
            message = (
                f"{shown} {where} is given a tensor: this does not compile at jit_syntax_level STRICT; "
                "move the call out of the graph"
            )
            context.report(node, message, Severity.ERROR)
        else:
            message = (
                f"{shown} {where} is given a tensor: it runs on the host through JIT Fallback at every call, "
                "but calls without tensors ran once, while compiling, and no gradient flows through what it "
                "returns (it is silently zero); move it out of the graph"
            )
            context.report(node, message, Severity.WARNING)

    def _may_use_concurrency(self, imports: ImportTable) -> bool:
        """Whether any import reaches a concurrency module: most files skip the rule on this test."""
        known = self._imports_concurrency.get(imports)
        if known is None:
            known = bool(imports.bound_roots() & CONCURRENCY_ROOTS)
            self._imports_concurrency[imports] = known
        return known

    def _kept_on_self(self, expr: ast.expr, context: RuleContext) -> bool:
        """Whether `expr` is `self.<attr>` and `__init__` made it with concurrency calls only."""
        attribute = self_attribute(expr)
        function = context.function
        owner = context.facts.class_of_method(function) if attribute is not None and function is not None else None
        if attribute is None or owner is None:
            return False
        return _made_by_concurrency_calls(init_values(owner, attribute, context.facts), context)


def _made_by_concurrency_calls(values: list[ast.expr] | None, context: RuleContext) -> bool:
    return bool(values) and all(
        isinstance(value, ast.Call) and _is_concurrency_call(value, context) for value in values or ()
    )


def _is_concurrency_call(call: ast.Call, context: RuleContext) -> bool:
    return any(is_concurrency_name(name) for name in context.qualified_names(call.func))


def _reported_elsewhere(call: ast.Call, context: RuleContext, index: FunctionIndex) -> bool:
    """A `with` item (MSG006 reports the `with`), or inside the arguments of another flagged call."""
    child: ast.AST = call
    parent = index.parents.get(call)
    if isinstance(parent, ast.withitem):
        return True
    while isinstance(parent, ast.expr | ast.keyword):
        if isinstance(parent, ast.Call) and child is not parent.func and _is_concurrency_call(parent, context):
            return True
        child, parent = parent, index.parents.get(parent)
    return False
