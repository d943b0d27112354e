"""MSD005: a gather whose index has a data-dependent length (indices from `nonzero`, a computed `topk`, ...)."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework, FunctionNode
from msmigrate.analysis.findings import Category
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.dynamic_shape._apis import ResolvedCall, is_literal, is_tensor, resolve, short
from msmigrate.rules.dynamic_shape._dataflow import DynamicShapes, Origin, dynamic_shapes, is_boolean_tensor
from msmigrate.rules.dynamic_shape._families import GATHER, INDEX_PARAMETERS
from msmigrate.rules.dynamic_shape._report import report_dynamic


class DataDependentGatherIndex(Rule):
    """A gather whose index tensor has a length decided by the data.

    **What it does**

    Flags `ops.gather`, `ops.Gather()`, `index_select`, `gather_elements`, `gather_nd`, `mint.gather`,
    `x.gather(...)` and integer-tensor indexing `x[idx]` when the index comes, directly or through
    local names and elementwise operations, from an operation whose output size depends on the data:
    `nonzero`, `masked_select`, `unique`, boolean-mask indexing, a `topk` or `arange` with a computed
    size, or a slice with a computed bound. The operation that made the size dynamic has its own
    finding; this one marks where the dynamic size spreads. In PyTorch files the same gathers are
    reported as information for the port.

    **Why is this bad?**

    A gather returns one slice per index: with an index of data-dependent length, its result has a
    dynamic shape too. Measured on MindSpore 2.10 in GRAPH_MODE (CPU, STRICT and LAX): a gather with
    indices from `nonzero` compiles, and two inputs of the same shape give results of different
    lengths.

    **Example**

    ```python
    class GatherPositives(nn.Cell):
        def construct(self, scores, features):
            ids = ops.nonzero(scores > 0).squeeze(1)
            return ops.gather(features, ids, 0)
    ```

    **Use instead**

    ```python
    class GatherPositives(nn.Cell):
        def construct(self, scores, features):
            keep = (scores > 0).astype(features.dtype)
            return features * keep.expand_dims(1), keep
    ```

    **Fix safety**

    No automatic fix: the static form depends on what produced the index.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/migration_guide/dynamic_shape.html
    """

    code = "MSD005"
    category = Category.DYNAMIC_SHAPE
    node_types = (ast.Call, ast.Subscript)
    frameworks = frozenset({Framework.MINDSPORE, Framework.BOTH, Framework.TORCH})

    def __init__(self) -> None:
        self._trackers: dict[FunctionNode, DynamicShapes] = {}

    def check(self, node: ast.AST, context: RuleContext) -> None:
        if isinstance(node, ast.Call):
            self._check_call(node, context)
        elif isinstance(node, ast.Subscript):
            self._check_subscript(node, context)

    def _check_call(self, call: ast.Call, context: RuleContext) -> None:
        resolved = resolve(call, context, GATHER, lambda found: not is_literal(_index_of(found)))
        index = _index_of(resolved) if resolved is not None else None
        tracker = dynamic_shapes(context, self._trackers) if index is not None else None
        if resolved is None or index is None or tracker is None:
            return
        origin = tracker.origin_of(index)
        if origin is not None:
            self._report(call, resolved.shown, index, origin, context, resolved.api.torch)

    def _check_subscript(self, subscript: ast.Subscript, context: RuleContext) -> None:
        index = subscript.slice
        if not isinstance(subscript.ctx, ast.Load) or isinstance(index, ast.Slice | ast.Tuple) or is_literal(index):
            return
        tracker = dynamic_shapes(context, self._trackers)
        if tracker is None:
            return
        origin = tracker.origin_of(index)
        if origin is None or not is_tensor(index, context) or not is_tensor(subscript.value, context):
            return
        if is_boolean_tensor(index, context):
            return  # boolean-mask indexing is MSD002's
        self._report(subscript, f"`{short(subscript)}`", index, origin, context, False)

    def _report(
        self, node: ast.expr, shown: str, index: ast.expr, origin: Origin, context: RuleContext, torch_api: bool
    ) -> None:
        detail = (
            f"gathers with the index `{short(index)}`, whose length depends on the data "
            f"({origin.description}, line {origin.line})"
        )
        report_dynamic(context, node, shown, detail, torch_api=torch_api)


def _index_of(resolved: ResolvedCall) -> ast.expr | None:
    return next((resolved.argument(name) for name in INDEX_PARAMETERS if resolved.argument(name)), None)
