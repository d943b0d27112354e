"""MSD003: a slice whose bound is computed from tensor values (`x[:k]` with `k = (scores > t).sum()`)."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.dynamic_shape._apis import is_computed_tensor, is_literal, is_tensor, short
from msmigrate.rules.dynamic_shape._report import report_dynamic


class TensorBoundSlice(Rule):
    """A slice whose start, stop or step is computed from tensor values.

    **What it does**

    Flags reads `x[:k]`, `x[a:b]` and `x[:, :k]` where a bound is a tensor or is computed from one
    (`k = int(mask.sum())`, `k = (scores > t).sum()`). Bounds known when compiling are not flagged:
    literals (`x[:4]`), shapes (`x[:, :x.shape[1]]`, `len(x)`), and attributes set from constants in
    `__init__`. In PyTorch files the same slices are reported as information for the port.

    **Why is this bad?**

    The length of the slice is the value of the bound, known only when the graph runs: the result,
    and everything computed from it, has a dynamic shape. Measured on MindSpore 2.10 in GRAPH_MODE
    (CPU, STRICT and LAX): `x[:k]` and `x[a:6]` with `k`, `a` computed from the input compile, and two
    inputs of the same shape give results of different lengths.

    **Example**

    ```python
    class FirstPositives(nn.Cell):
        def construct(self, scores):
            count = (scores > 0).sum()
            return scores[:count]
    ```

    **Use instead**

    Keep the full length and mask the positions past the bound:

    ```python
    class FirstPositives(nn.Cell):
        def construct(self, scores):
            count = (scores > 0).sum()
            keep = ops.arange(scores.shape[0]) < count
            return scores * keep, keep
    ```

    **Fix safety**

    No automatic fix: which axis to mask, and how later code must use the mask, depend on the code.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/migration_guide/dynamic_shape.html
    """

    code = "MSD003"
    category = Category.DYNAMIC_SHAPE
    node_types = (ast.Subscript,)
    frameworks = frozenset({Framework.MINDSPORE, Framework.BOTH, Framework.TORCH})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Subscript)
        if not isinstance(node.ctx, ast.Load):
            return
        index = node.slice
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        bounds = [
            bound
            for part in parts
            if isinstance(part, ast.Slice)
            for bound in (part.lower, part.upper, part.step)
            if not is_literal(bound)
        ]
        if not bounds or not is_tensor(node.value, context):
            return
        for bound in bounds:
            if is_computed_tensor(bound, context):
                detail = f"slices at `{short(bound)}`, a value computed from tensors, so its length depends on the data"
                report_dynamic(context, node, f"`{short(node)}`", detail)
                return
