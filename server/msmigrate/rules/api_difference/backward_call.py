"""MSA104: in a PyTorch file, `loss.backward(...)`: MindSpore differentiates functions, not tensors."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category, Severity
from msmigrate.rules.base import Rule, RuleContext

RETAIN_GRAPH = "retain_graph"


class BackwardCall(Rule):
    """`tensor.backward()`, which has no MindSpore counterpart: gradients come from a function transform.

    **What it does**

    In files that use PyTorch only, flags `.backward(...)` calls on anything that is not a module
    (`loss.backward()`, `loss.backward(retain_graph=True)`), and says what `retain_graph` means there.

    **Why is this bad?**

    MindSpore tensors have no `backward` (AttributeError in 2.10). The training step is rewritten: a
    forward function returning the loss, `grad_fn = mindspore.value_and_grad(forward, None,
    optimizer.parameters)`, then `loss, grads = grad_fn(data, label)` and `optimizer(grads)`. There is
    no graph kept between calls, so `retain_graph=True` has no counterpart: call the gradient function
    again, or differentiate a function that returns both losses.

    **Example**

    ```python
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    ```

    **Use instead**

    ```python
    def forward(x, y):
        return criterion(net(x), y)

    grad_fn = mindspore.value_and_grad(forward, None, optimizer.parameters)
    loss, grads = grad_fn(x, y)
    optimizer(grads)
    ```

    **Fix safety**

    No fix: this is a PyTorch file.

    **References**

    https://www.mindspore.cn/docs/en/r2.6.0/api_python/mindspore/mindspore.value_and_grad.html
    """

    code = "MSA104"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    frameworks = frozenset({Framework.TORCH})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr != "backward" or context.qualified_names(func.value):
            return
        receiver = ast.unparse(func.value)
        if not isinstance(func.value, ast.Name | ast.Attribute | ast.Call | ast.Subscript):
            receiver = f"({receiver})"
        message = (
            f"`{receiver}.backward()`: MindSpore has no backward; gradients come from "
            "`mindspore.value_and_grad(forward_fn, None, optimizer.parameters)` called on the step's inputs"
        )
        if any(keyword.arg == RETAIN_GRAPH for keyword in node.keywords):
            message += (
                "; `retain_graph` has no counterpart (no graph is kept between calls: call the gradient function again)"
            )
        context.report(func, message, Severity.INFORMATION)
