"""MSA003: BatchNorm `momentum` below 0.5 — a torch momentum, which weights the other term in MindSpore."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, FixSafety, Severity
from msmigrate.rules.api_difference._layers import (
    binds_cleanly,
    format_number,
    last_names,
    layer_call,
    mint_twin,
    set_argument_offer,
    static_number,
    transformed_number,
    transformed_text,
)
from msmigrate.rules.api_difference._shared_fixes import switch_to_counterpart_offer
from msmigrate.rules.base import Rule, RuleContext

BATCHNORM_APIS = frozenset(
    {"mindspore.nn.BatchNorm1d", "mindspore.nn.BatchNorm2d", "mindspore.nn.BatchNorm3d", "mindspore.nn.SyncBatchNorm"}
)
MOMENTUM = "momentum"
# Below 0.5 a MindSpore momentum lets each batch outweigh the whole history: nobody picks that on purpose
# (MindSpore's default is 0.9), while torch's default is 0.1.
LIKELY_TORCH_MOMENTUM = 0.5


class BatchNormMomentumAsTorch(Rule):
    """BatchNorm `momentum=0.1` in MindSpore keeps only 10 % of the running statistics per step.

    **What it does**

    Flags `mindspore.nn.BatchNorm1d/2d/3d` and `SyncBatchNorm` calls whose `momentum` (by keyword or
    position, a literal, a module constant or a parameter default) is below 0.5.

    **Why is this bad?**

    The two frameworks put `momentum` on opposite terms of the running-statistics update. Measured on
    MindSpore 2.10 and torch 2.13 (one training-mode forward from zero means):

    - MindSpore: `moving = momentum * moving + (1 - momentum) * batch`, default `momentum=0.9`;
    - PyTorch: `running = (1 - momentum) * running + momentum * batch`, default `momentum=0.1`.

    Both update the variance with the unbiased batch variance. `nn.BatchNorm2d(c, momentum=0.1)` copied
    from torch therefore tracks mostly the last batch: the statistics used at inference are noisy and the
    evaluated model does worse, with no error anywhere. MindSpore's `momentum=0.9` gives exactly torch's
    `momentum=0.1` statistics.

    **Example**

    ```python
    self.bn = nn.BatchNorm2d(64, momentum=0.1)
    ```

    **Use instead**

    ```python
    self.bn = nn.BatchNorm2d(64, momentum=0.9)
    ```

    **Fix safety**

    `momentum=m` → `momentum=1 - m` (written `0.9` for a literal `0.1`) is unsafe: it gives torch's
    statistics — an oracle test checks torch's `BatchNorm2d(momentum=0.1)` and the fixed MindSpore layer
    agree after training-mode forwards — but assumes the value was a torch momentum. Switching to
    `mint.nn.BatchNorm2d` (torch's meaning) is unsafe: no CPU kernel in MindSpore 2.10.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/BatchNorm2d.html
    """

    code = "MSA003"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(BATCHNORM_APIS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        layer = layer_call(node, context, BATCHNORM_APIS)
        if layer is None:
            return
        value = layer.arguments.get(MOMENTUM)
        number = static_number(value, context)
        counterpart = layer.counterpart
        record = counterpart.param(MOMENTUM) if counterpart is not None else None
        if value is None or number is None or record is None or record.transform is None:
            return
        if number.value >= LIKELY_TORCH_MOMENTUM:
            return
        text = ast.unparse(value)
        torch_meaning = transformed_number(record.transform, number.value)
        if torch_meaning is None:
            return
        if number.origin is None:
            fixed = format_number(torch_meaning)
        else:
            fixed = transformed_text(record.transform, value) or ""
        origin = f" ({number.origin} is {format_number(number.value)})" if number.origin else ""
        message = (
            f"`momentum={text}`{origin} weights the moving statistics by {format_number(number.value)} and each "
            f"batch by {format_number(1 - number.value)}: MindSpore updates `moving = momentum * moving + "
            f"(1 - momentum) * batch`, the reverse of PyTorch. PyTorch's `momentum={format_number(number.value)}` "
            f"is MindSpore's `momentum={format_number(torch_meaning)}`"
        )
        fixes = [
            set_argument_offer(
                f"Use `momentum={fixed}` (PyTorch's momentum={format_number(number.value)})",
                FixSafety.UNSAFE,
                layer,
                MOMENTUM,
                fixed,
            )
        ]
        mint = mint_twin(layer.api)
        if mint is not None and binds_cleanly(node, mint.api):
            fixes.append(switch_to_counterpart_offer(mint))
        context.report(node, message, Severity.WARNING, fixes=tuple(fixes))
