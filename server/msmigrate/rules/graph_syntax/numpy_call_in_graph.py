"""MSG001: a numpy, scipy, math or other host-library function called on a tensor in graph scope."""

from __future__ import annotations

import ast
from typing import Any

from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.analysis.values import ValueKind, ValueKinds
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.graph_syntax._host_calls import (
    argument_values,
    arguments_of,
    comment_count,
    is_removable_wrapper,
    tensor_wrapper,
    wrapper_param,
)
from msmigrate.rules.graph_syntax._numpy_mappings import FunctionMapping, NumpyMappings, numpy_mappings

FIX_ID = "numpy-call-to-mindspore"


class NumpyCallInGraph(Rule):
    """numpy (or another host library) computes on a tensor inside a graph-compiled function.

    **What it does**

    Flags calls of numpy, scipy, `math` and other standard-library or third-party functions whose
    arguments are tensors, inside `construct`, a `@mindspore.jit` function, or a function they call;
    and calls of clocks such as `time.time()` there. Random draws (`np.random.*`, `random.*`) are
    MSG003's. `mindspore.numpy` is MindSpore and is never flagged.

    **Why is this bad?**

    Graph mode runs these libraries through JIT Fallback, on the host. Measured on MindSpore 2.10:
    under `jit_syntax_level=STRICT` a host-library call on a tensor does not compile. Under LAX (the
    default) it compiles, but its result is a numpy array that carries no gradient (the input's gradient
    is silently zero) and the network can no longer be exported to MindIR. Reductions such as `np.sum`
    and `np.mean` fail at LAX too: numpy calls the tensor's own method with `out=None`, which MindSpore
    rejects; and `tensor + np.sin(tensor)` fails because a tensor cannot take a numpy operand. A clock
    (`time.time()`) is evaluated once, at compile time: every call sees the same value.

    The same libraries on constants (`np.ones((2, 3))`, `math.sqrt(x.shape[-1])`, `np.prod(x.shape)`)
    are not flagged: MindSpore folds them at compile time, at both levels, and the network exports.

    **Example**

    ```python
    class Net(nn.Cell):
        def construct(self, x):
            return ms.Tensor(np.sin(x), ms.float32) * 2
    ```

    **Use instead**

    ```python
    class Net(nn.Cell):
        def construct(self, x):
            return ops.sin(x).astype(ms.float32) * 2
    ```

    **Fix safety**

    For common numpy functions the fix calls the MindSpore counterpart listed in
    `mappings/numpy_to_mindspore.toml` (`ops.sin`, `mindspore.numpy.sum`, ...) and drops a
    `Tensor(...)` wrapper around the call. It is safe where MindSpore 2.10 was measured to compile the
    rewritten call at both levels and return numpy's values on float32 tensors; it is unsafe where the
    counterpart's arguments or results differ. Integer inputs may give other result dtypes than numpy's.

    **References**

    https://www.mindspore.cn/tutorials/en/r2.6.0/compile/static_graph.html
    """

    code = "MSG001"
    category = Category.GRAPH_SYNTAX
    node_types = (ast.Call,)
    graph_scope_only = True

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        names = context.qualified_names(node.func)
        if not names:
            return
        data = numpy_mappings()
        host = {name for name in names if _is_reported_host_call(name, data)}
        if not host:
            return
        # After conditional imports (`mindspore.numpy` or `numpy` as `np`) the name may be MindSpore's.
        ambiguous = any(not data.belongs_to_other_rules(name) for name in names - host)
        values = context.values
        if values is None:
            return
        shown = f"`{ast.unparse(node.func)}()`"
        where = context.scope_description()
        if host & data.frozen and not ambiguous:
            message = f"{shown} {where} is evaluated once, at compile time: every call of the graph sees the same value"
            context.report(node, message, Severity.WARNING)
            return
        if not any(values.kind_of(argument) is ValueKind.TENSOR for argument in argument_values(node)):
            return
        if ambiguous:
            message = (
                f"{shown} {where} is a host-library call or MindSpore's, depending on which import ran; "
                "on a tensor, the host library's does not compile at STRICT and has no gradient at LAX"
            )
            context.report(node, message, Severity.HINT)
            return
        mapping = next((data.functions[name] for name in sorted(host) if name in data.functions), None)
        advice = f"use `{mapping.display_target()}`" if mapping and mapping.target else "use MindSpore operations"
        parent = context.parent_of(node)
        if context.level is SyntaxLevel.STRICT:
            message = (
                f"{shown} on a tensor {where} does not compile at jit_syntax_level STRICT, where host-library "
                f"calls take constants only; {advice}"
            )
            severity = Severity.ERROR
        elif isinstance(parent, ast.Expr):
            message = (
                f"{shown} on a tensor {where} runs on the host through JIT Fallback at every call, "
                "and the network cannot be exported to MindIR"
            )
            severity = Severity.HINT
        elif mapping is not None and mapping.fails_on_tensors:
            message = (
                f"{shown} on a tensor {where} fails at LAX too (and in PyNative): numpy calls the tensor's own "
                f"method with `out=None`, which MindSpore rejects; {advice}"
            )
            severity = Severity.ERROR
        elif any(data.returns_arrays(name) for name in host) and _tensor_takes_it_as_operand(node, parent, values):
            assert isinstance(parent, ast.BinOp)
            message = (
                f"{shown} {where} returns a numpy array, and a tensor cannot take a numpy operand "
                f"(`{ast.unparse(parent)}` fails at LAX and in PyNative); {advice}"
            )
            severity = Severity.ERROR
        else:
            result = "its numpy result" if any(data.returns_arrays(name) for name in host) else "its result"
            message = (
                f"{shown} on a tensor {where} runs on the host through JIT Fallback: {result} carries no "
                f"gradient (silently zero), and the network cannot be exported to MindIR; {advice}"
            )
            severity = Severity.WARNING
        context.report(node, message, severity, fixes=self._fixes(node, parent, mapping, context))

    @staticmethod
    def _fixes(
        node: ast.Call, parent: ast.AST | None, mapping: FunctionMapping | None, context: RuleContext
    ) -> tuple[FixOffer, ...]:
        if mapping is None or mapping.target is None or not mapping.accepts(arguments_of(node)):
            return ()
        params: list[tuple[str, Any]] = [("function", mapping.name)]
        title = f"Use `{mapping.display_target()}`"
        wrapper = tensor_wrapper(node, parent, context)
        if wrapper is not None:
            # The call itself is kept; comments elsewhere in the wrapper would go with it.
            if not is_removable_wrapper(wrapper) or comment_count(wrapper, context) > comment_count(node, context):
                return ()
            params.append(wrapper_param(wrapper, context))
            title += " and drop the `Tensor(...)` wrapper"
        safety = FixSafety.SAFE if mapping.safe else FixSafety.UNSAFE
        return (FixOffer(title, safety, FIX_ID, tuple(params)),)


def _is_reported_host_call(name: str, data: NumpyMappings) -> bool:
    return data.is_host_library(name) and not data.belongs_to_other_rules(name) and name not in data.compiled


def _tensor_takes_it_as_operand(node: ast.Call, parent: ast.AST | None, values: ValueKinds) -> bool:
    """`tensor + np.sin(x)`: the tensor's operator gets a numpy array (measured: fails, in PyNative too)."""
    return isinstance(parent, ast.BinOp) and parent.right is node and values.kind_of(parent.left) is ValueKind.TENSOR
