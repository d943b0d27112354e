"""MSD006: an `UnsortedSegment*` reduction whose number of segments is computed from tensor values."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.dynamic_shape._apis import is_computed_tensor, resolve, short
from msmigrate.rules.dynamic_shape._families import SEGMENTS
from msmigrate.rules.dynamic_shape._report import report_dynamic


class ComputedSegmentCount(Rule):
    """`unsorted_segment_sum` (max, min, prod) with a number of segments computed from tensors.

    **What it does**

    Flags `ops.unsorted_segment_sum/max/min/prod(x, ids, num_segments)` and the primitives
    `ops.UnsortedSegmentSum()` (Max, Min, Prod) when `num_segments` is a tensor or computed from one,
    typically `ids.max() + 1`. A constant count (a literal, or an attribute set in `__init__`) is not
    flagged.

    **Why is this bad?**

    The output has `num_segments` rows: a count known only at run time gives the graph a dynamic
    shape, or no graph at all. Measured on MindSpore 2.10 in GRAPH_MODE (CPU, STRICT and LAX) with
    `num_segments = ids.max() + 1`: `unsorted_segment_sum` and `UnsortedSegmentSum` compile, and two
    inputs of the same shape give outputs of different lengths (a warning); the max, min and prod
    forms do not compile ("the element of 'num_segments' must be Number", "num_segments value must be
    greater than 0, but got: -1"), an error.

    **Example**

    ```python
    class PoolBySegment(nn.Cell):
        def construct(self, x, ids):
            return ops.unsorted_segment_sum(x, ids, ids.max() + 1)
    ```

    **Use instead**

    Use the largest number of segments the data can have, known when the network is built:

    ```python
    class PoolBySegment(nn.Cell):
        def __init__(self, max_segments):
            super().__init__()
            self.max_segments = max_segments

        def construct(self, x, ids):
            return ops.unsorted_segment_sum(x, ids, self.max_segments)
    ```

    **Fix safety**

    No automatic fix: the upper bound on the number of segments comes from the data set.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/migration_guide/dynamic_shape.html
    """

    code = "MSD006"
    category = Category.DYNAMIC_SHAPE
    node_types = (ast.Call,)
    frameworks = frozenset({Framework.MINDSPORE, Framework.BOTH})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        resolved = resolve(node, context, SEGMENTS)
        if resolved is None:
            return
        count = resolved.argument("num_segments")
        if not is_computed_tensor(count, context):
            return
        assert count is not None
        compile_error = None
        if resolved.api.family == "segment_constant_count":
            compile_error = f"`num_segments = {short(count)}` is computed from tensors, and it must be a constant"
        detail = f"takes `num_segments = {short(count)}`, computed from tensors, so its output length varies with data"
        report_dynamic(context, node, resolved.shown, detail, compile_error=compile_error)
