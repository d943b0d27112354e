"""MSD002: indexing with a boolean tensor (`x[mask]`), whose result has as many rows as the mask selects."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category, FixOffer
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.dynamic_shape._apis import is_literal, is_tensor, is_torch_file, short
from msmigrate.rules.dynamic_shape._dataflow import is_boolean_tensor
from msmigrate.rules.dynamic_shape._masking import index_broadcast, mask_fix_offer
from msmigrate.rules.dynamic_shape._report import report_dynamic


class BooleanMaskIndexing(Rule):
    """Indexing a tensor with a boolean tensor: the result has as many elements as the mask selects.

    **What it does**

    Flags reads `x[mask]` and `x[:, mask]` where `mask` is known to be a boolean tensor: a comparison
    of tensors (`scores > 0.5`), a logical combination of masks (`~a & b`), `ops.logical_*`, `isnan`,
    `.bool()` or a cast to bool, or a local name always bound to one of these. Assignments through a
    mask (`x[mask] = 0`) keep the shape and are not flagged. In PyTorch files the same indexing is
    reported as information for the port.

    **Why is this bad?**

    Boolean-mask indexing is `masked_select` in disguise: the size of the result depends on how many
    elements of the mask are True, so the graph gets a dynamic shape. Measured on MindSpore 2.10 in
    GRAPH_MODE (CPU, STRICT and LAX): it compiles, and two inputs of the same shape with different
    data give results of different shapes.

    **Example**

    ```python
    class SelectBoxes(nn.Cell):
        def construct(self, box, iou_score):
            mask = iou_score > 0.3
            return box[mask]
    ```

    **Use instead**

    ```python
    class SelectBoxes(nn.Cell):
        def construct(self, box, iou_score):
            mask = iou_score > 0.3
            return box * mask.reshape(mask.shape + (1,) * (box.ndim - mask.ndim)), mask
    ```

    **Fix safety**

    Unsafe: the result keeps the data's shape, with zeros where the mask is False, instead of the
    selected rows; a result returned directly is returned with its mask. The mask gets trailing unit
    dimensions so that it multiplies the leading dimensions it indexed (none are added when the mask
    is computed elementwise from the data itself, as in `x[x > 0]`). Offered for `x[mask]` when both
    are plain names or attributes. Measured: the rewritten examples compile at both levels, keep one
    output shape for different data, and hold the selected values at the mask's positions.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/migration_guide/dynamic_shape.html
    https://www.mindspore.cn/docs/en/r2.2/migration_guide/model_development/model_and_cell.html
    """

    code = "MSD002"
    category = Category.DYNAMIC_SHAPE
    node_types = (ast.Subscript,)
    frameworks = frozenset({Framework.MINDSPORE, Framework.BOTH, Framework.TORCH})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Subscript)
        if not isinstance(node.ctx, ast.Load):
            return
        index = node.slice
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        mask = next((part for part in parts if not is_literal(part) and is_boolean_tensor(part, context)), None)
        if mask is None or not is_tensor(node.value, context):
            return
        fixes: tuple[FixOffer, ...] = ()
        if mask is index and not is_torch_file(context):
            offer = mask_fix_offer(node, node.value, mask, context, index_broadcast(node.value, mask, context))
            fixes = (offer,) if offer is not None else ()
        report_dynamic(
            context,
            node,
            f"`{short(node)}`",
            f"selects with the boolean mask `{short(mask)}`, so its size is the number of True elements",
            fixes=fixes,
        )
