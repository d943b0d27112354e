"""MSD001: an operation whose output size is decided by the data (`masked_select`, `nonzero`, `unique`, ...)."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category, FixOffer
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.dynamic_shape._apis import ResolvedCall, is_torch_file, resolve
from msmigrate.rules.dynamic_shape._dataflow import selects_by_data
from msmigrate.rules.dynamic_shape._families import SELECTION
from msmigrate.rules.dynamic_shape._masking import mask_fix_offer
from msmigrate.rules.dynamic_shape._report import report_dynamic

DETAILS = {
    "masked_select": "returns as many elements as the mask selects",
    "nonzero": "returns one row per nonzero element",
    "unique": "returns as many elements as there are distinct values",
    "bincount": "returns as many bins as the largest value needs",
    "where": "with only a condition returns the positions where it holds, one per true element",
}


class DataDependentSelection(Rule):
    """An operation whose output has as many elements as the data decides.

    **What it does**

    Flags `masked_select`, `nonzero`, `argwhere`, `unique`, `unique_consecutive`, `bincount` and the
    one-argument `where(condition)`, however they are reached: `ops.masked_select(x, mask)`,
    `mint.nonzero(x)`, a primitive (`ops.MaskedSelect()(x, mask)`, or one made in `__init__`), or a
    tensor method (`x.masked_select(mask)`, `x.nonzero()`). In PyTorch files the torch forms
    (`torch.masked_select`, `torch.nonzero`, `torch.where(cond)`, ...) are reported as information for
    the port.

    **Why is this bad?**

    The size of the result depends on the values of the input, not on its shape, so the graph that
    contains it has a dynamic shape: every operation downstream is compiled for an unknown size, runs
    slower, and some backends (Ascend's static-shape paths, MindIR export with fixed shapes) do not
    take it at all. Measured on MindSpore 2.10 in GRAPH_MODE (CPU, STRICT and LAX): each of these
    compiles, and feeding two inputs of the same shape but different data gives outputs of different
    shapes.

    **Example**

    ```python
    class SelectBoxes(nn.Cell):
        def construct(self, box, iou_score):
            mask = (iou_score > 0.3).expand_dims(1)
            return ops.masked_select(box, mask)
    ```

    **Use instead**

    Keep the full shape and carry the mask, as the MindSpore migration guide recommends:

    ```python
    class SelectBoxes(nn.Cell):
        def construct(self, box, iou_score):
            mask = (iou_score > 0.3).expand_dims(1)
            return box * mask, mask
    ```

    Later computations multiply by the mask (or reduce with it) to ignore the invalid positions.

    **Fix safety**

    For `masked_select` only, and unsafe: the result keeps the input's (broadcast) shape with zeros
    where the mask is False instead of a 1-D tensor of the selected values, and a result returned
    directly is returned together with its mask, so callers see other shapes. Measured: the rewritten
    examples compile at both levels, give the same output shape for different data, and hold the
    selected values, in order, at the mask's positions. `nonzero`, `unique` and `bincount` have no
    mechanical static form and get no fix.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/migration_guide/dynamic_shape.html
    https://www.mindspore.cn/docs/en/r2.2/migration_guide/model_development/model_and_cell.html
    """

    code = "MSD001"
    category = Category.DYNAMIC_SHAPE
    node_types = (ast.Call,)
    frameworks = frozenset({Framework.MINDSPORE, Framework.BOTH, Framework.TORCH})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        resolved = resolve(node, context, SELECTION)
        if resolved is None or not selects_by_data(resolved.api.family, node):
            return
        fixes: tuple[FixOffer, ...] = ()
        if resolved.api.family == "masked_select" and not is_torch_file(context):
            fixes = self._mask_fix(resolved, context)
        report_dynamic(
            context,
            node,
            resolved.shown,
            DETAILS[resolved.api.family],
            torch_api=resolved.api.torch,
            fixes=fixes,
        )

    def _mask_fix(self, resolved: ResolvedCall, context: RuleContext) -> tuple[FixOffer, ...]:
        data, mask = resolved.argument("input"), resolved.argument("mask")
        if data is None or mask is None or resolved.arguments.uncertain:
            return ()
        offer = mask_fix_offer(resolved.call, data, mask, context, broadcast="same")
        return (offer,) if offer is not None else ()
