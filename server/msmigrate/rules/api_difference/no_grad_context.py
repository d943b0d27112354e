"""MSA103: in a PyTorch file, `torch.no_grad()` (and its kin): MindSpore differentiates only what is asked."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category, Severity
from msmigrate.rules.api_difference._torch_files import torch_names
from msmigrate.rules.base import Rule, RuleContext

GRAD_MODE_APIS = frozenset({"torch.no_grad", "torch.inference_mode", "torch.enable_grad", "torch.set_grad_enabled"})


class NoGradContext(Rule):
    """`torch.no_grad()` and its kin, which MindSpore has no public counterpart for.

    **What it does**

    In files that use PyTorch only, flags `torch.no_grad()`, `torch.inference_mode()`,
    `torch.enable_grad()` and `torch.set_grad_enabled(...)`, as context managers or decorators.

    **Why is this bad?**

    MindSpore records no autograd graph while code runs: gradients are computed only by the function
    `mindspore.grad` / `mindspore.value_and_grad` returns. Evaluation code needs no context manager
    (drop the `with` and keep its body); inside a differentiated function, `ops.stop_gradient(x)` blocks
    the gradient through `x`. `mindspore.no_grad` does not exist in 2.10 (AttributeError); the private
    `mindspore._no_grad()` works in PYNATIVE_MODE only (measured: same gradients as `ops.stop_gradient`).

    **Example**

    ```python
    with torch.no_grad():
        logits = model(images)
    ```

    **Use instead**

    ```python
    logits = net(images)
    ```

    **Fix safety**

    No fix: this is a PyTorch file.

    **References**

    https://www.mindspore.cn/docs/en/r2.6.0/api_python/ops/mindspore.ops.stop_gradient.html
    """

    code = "MSA103"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call, ast.FunctionDef, ast.AsyncFunctionDef)
    frameworks = frozenset({Framework.TORCH})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        if isinstance(node, ast.Call):
            names = torch_names(context, node.func) & GRAD_MODE_APIS
            if names:
                context.report(node, _message(sorted(names)[0]), Severity.INFORMATION)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:  # bare `@torch.no_grad` (the called form is a Call)
                names = torch_names(context, decorator) & GRAD_MODE_APIS
                if names and not isinstance(decorator, ast.Call):
                    context.report(decorator, _message(sorted(names)[0]), Severity.INFORMATION)


def _message(api: str) -> str:
    return (
        f"`{api}`: MindSpore computes gradients only through `mindspore.grad` / `value_and_grad`, so code "
        "outside them needs no context (drop it when porting); to stop a gradient inside a differentiated "
        "function use `ops.stop_gradient(x)` (`mindspore._no_grad()` is private and PyNative-only)"
    )
