"""MSG002: a tensor is copied to host memory (`.asnumpy()`, `.numpy()`, `.item()`, `.tolist()`) in graph scope."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.analysis.findings import Category, Severity
from msmigrate.analysis.values import ValueKind
from msmigrate.rules.base import Rule, RuleContext

HOST_COPY_METHODS = frozenset({"asnumpy", "numpy", "item", "tolist"})
# Only MindSpore and torch tensors have these, so an unknown receiver is flagged too. `.item()` and
# `.tolist()` also exist on numpy arrays and Python scalars: those need a receiver known to be a tensor.
TENSOR_ONLY_METHODS = frozenset({"asnumpy", "numpy"})
# Measured on MindSpore 2.10: `.item()` compiles even at STRICT (a scalar leaves the graph), the
# others fail at STRICT; all four compile at LAX.
COMPILES_AT_STRICT = frozenset({"item"})


class TensorToHostInGraph(Rule):
    """Tensor converted to a host value inside a graph-compiled function.

    **What it does**

    Flags `.asnumpy()`, `.numpy()`, `.item()` and `.tolist()` called on a tensor inside `construct`,
    a `@mindspore.jit` function, or a function they call.

    **Why is this bad?**

    In GRAPH_MODE the graph holds no host values. Under `jit_syntax_level=STRICT`, `.asnumpy()`,
    `.numpy()` and `.tolist()` do not compile. Under LAX (the default in MindSpore 2.10), and for
    `.item()` at both levels, the call compiles, but the value leaves the graph: the gradient through
    it is silently zero, the network cannot be exported to MindIR, and every step waits for the host.

    **Example**

    ```python
    class Net(nn.Cell):
        def construct(self, x):
            scale = x.asnumpy().max()
            return x / ms.Tensor(scale)
    ```

    **Use instead**

    ```python
    class Net(nn.Cell):
        def construct(self, x):
            return x / x.max()
    ```

    **Fix safety**

    No automatic fix: the tensor operation that replaces the host computation depends on what the
    host code does.

    **References**

    https://www.mindspore.cn/tutorials/en/r2.6.0/compile/static_graph.html
    """

    code = "MSG002"
    category = Category.GRAPH_SYNTAX
    node_types = (ast.Call,)
    graph_scope_only = True

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in HOST_COPY_METHODS or node.args:
            return
        values = context.values
        if values is None:
            return
        receiver = values.kind_of(func.value)
        if receiver is ValueKind.STATIC or (receiver is ValueKind.UNKNOWN and func.attr not in TENSOR_ONLY_METHODS):
            return
        where = context.scope_description()
        if context.level is SyntaxLevel.STRICT and func.attr not in COMPILES_AT_STRICT:
            message = f"`.{func.attr}()` {where} does not compile at jit_syntax_level STRICT"
            severity = Severity.ERROR
        else:
            message = (
                f"`.{func.attr}()` {where} leaves the graph: it compiles through JIT Fallback, "
                "but no gradient flows through the value (it is silently zero)"
            )
            severity = Severity.WARNING
        context.report(node, message, severity)
