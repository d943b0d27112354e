"""MSA017: SmoothL1Loss with `reduction` left to MindSpore's default, 'none' (PyTorch's is 'mean')."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, Severity
from msmigrate.rules.api_difference._layers import last_names
from msmigrate.rules.api_difference._ported_defaults import (
    left_to_differing_default,
    ported_from_torch,
    python_source,
    restore_torch_default,
    torch_name,
    value_of_source,
)
from msmigrate.rules.base import Rule, RuleContext

SMOOTH_L1_LOSSES = frozenset({"mindspore.nn.SmoothL1Loss", "mindspore.ops.smooth_l1_loss"})
REDUCTION = "reduction"


class SmoothL1LossReductionDefault(Rule):
    """`nn.SmoothL1Loss()` / `ops.smooth_l1_loss` without `reduction` return one loss per element.

    **What it does**

    Flags `nn.SmoothL1Loss` and `ops.smooth_l1_loss` calls that leave `reduction` to its default.

    **Why is this bad?**

    MindSpore's `reduction` defaults to `'none'`: the loss has the input's shape. PyTorch's defaults to
    `'mean'`: a scalar. Measured on MindSpore 2.10, for a (4, 3) input the loss is (4, 3), and
    `mindspore.value_and_grad` of it gives gradients 12 times PyTorch's (the gradient of the sum, not
    the mean): a port trains with a learning rate scaled by the number of elements. `beta` has the
    same default (1.0) in both.

    Code written for MindSpore often wants per-element losses (weighted box losses in detectors): in a
    file with no sign of a PyTorch port the finding is information, in a port (the file names PyTorch
    or a Cell defines `forward`) a warning.

    **Example**

    ```python
    self.loss = nn.SmoothL1Loss()
    ```

    **Use instead**

    ```python
    self.loss = nn.SmoothL1Loss(reduction="mean")
    ```

    **Fix safety**

    The fix passes PyTorch's default (`reduction="mean"`, read from mappings/). In a port it is safe:
    the fixed loss gives `torch.nn.SmoothL1Loss()`'s value (tests/oracle/test_msa_default_claims.py).
    Elsewhere it is unsafe: the code may reduce the per-element loss itself.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/SmoothL1Loss.html
    """

    code = "MSA017"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(SMOOTH_L1_LOSSES)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        found = left_to_differing_default(node, context, SMOOTH_L1_LOSSES, REDUCTION)
        if found is None:
            return
        layer, difference = found
        torch_value = value_of_source(difference.torch_default)
        if not isinstance(torch_value, str):
            return
        ported = ported_from_torch(context.source.text)
        wanted = python_source(torch_value)
        message = (
            f"`{layer.shown}` without `reduction` returns one loss per element "
            f"(reduction={difference.ms_default}); torch's `{torch_name(layer.api)}` returns their {torch_value} "
            f"(reduction={difference.torch_default}), and gradients of the unreduced loss are those of the sum; "
            f"pass `reduction={wanted}` for torch's loss"
        )
        fix = restore_torch_default(f"Pass `reduction={wanted}` (torch's default)", ported, layer, REDUCTION, wanted)
        context.report(node, message, Severity.WARNING if ported else Severity.INFORMATION, fixes=(fix,))
