"""MSD008: random sampling whose number of samples is computed from tensor values."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.dynamic_shape._apis import ResolvedCall, is_computed_tensor, is_literal, resolve, short
from msmigrate.rules.dynamic_shape._families import CONSTANT_COUNT_ONLY, SAMPLE_COUNT_PARAMETERS, SAMPLERS
from msmigrate.rules.dynamic_shape._report import report_dynamic


class ComputedSampleCount(Rule):
    """Random sampling whose number of samples is computed from tensor values.

    **What it does**

    Flags `ops.multinomial`, `mint.multinomial`, `x.multinomial`, `ops.randperm`, `mint.randperm`,
    `ops.choice_with_mask` and `ops.random_categorical` when the number of samples (`num_samples`,
    `n`, `count`, `num_sample`) is a tensor or computed from one. In PyTorch files `torch.multinomial`
    and `torch.randperm` are reported as information for the port.

    **Why is this bad?**

    The output has one element per sample. Measured on MindSpore 2.10 in GRAPH_MODE (CPU, STRICT and
    LAX): `ops.multinomial` and `ops.randperm` with a computed count compile, and two inputs of the
    same shape give outputs of different lengths (a dynamic shape); `ops.choice_with_mask` and
    `ops.random_categorical` do not compile at all, since they need the count as a constant
    ("all arguments are required to be constants", "failed to get value 'num_sample'").

    **Example**

    ```python
    class SamplePositives(nn.Cell):
        def construct(self, probs):
            count = (probs > 0.1).sum()
            return ops.multinomial(probs, count)
    ```

    **Use instead**

    Draw a fixed number of samples (the largest the data can need) and mask the ones past the count:

    ```python
    class SamplePositives(nn.Cell):
        def __init__(self, max_samples):
            super().__init__()
            self.max_samples = max_samples

        def construct(self, probs):
            count = (probs > 0.1).sum()
            samples = ops.multinomial(probs, self.max_samples)
            return samples, ops.arange(self.max_samples) < count
    ```

    **Fix safety**

    No automatic fix: the upper bound on the count comes from the data set.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/migration_guide/dynamic_shape.html
    """

    code = "MSD008"
    category = Category.DYNAMIC_SHAPE
    node_types = (ast.Call,)
    frameworks = frozenset({Framework.MINDSPORE, Framework.BOTH, Framework.TORCH})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        resolved = resolve(node, context, SAMPLERS, lambda found: not is_literal(sample_count(found)))
        if resolved is None:
            return
        count = sample_count(resolved)
        if not is_computed_tensor(count, context):
            return
        assert count is not None
        function_name = resolved.api.name.rsplit(".", 1)[-1]
        compile_error = None
        if function_name in CONSTANT_COUNT_ONLY and not resolved.api.torch:
            compile_error = f"the sample count `{short(count)}` is computed from tensors, and it must be a constant"
        detail = f"draws `{short(count)}` samples, a count computed from tensors, so its output length varies with data"
        report_dynamic(context, node, resolved.shown, detail, torch_api=resolved.api.torch, compile_error=compile_error)


def sample_count(resolved: ResolvedCall) -> ast.expr | None:
    return next((resolved.argument(name) for name in SAMPLE_COUNT_PARAMETERS if resolved.argument(name)), None)
