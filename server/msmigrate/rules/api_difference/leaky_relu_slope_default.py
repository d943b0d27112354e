"""MSA015: LeakyReLU with its slope left to MindSpore's default, 0.2 (PyTorch's is 0.01)."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, Severity
from msmigrate.rules.api_difference._layers import last_names
from msmigrate.rules.api_difference._ported_defaults import (
    left_to_differing_default,
    ported_from_torch,
    restore_torch_default,
    torch_name,
)
from msmigrate.rules.base import Rule, RuleContext

LEAKY_RELUS = frozenset({"mindspore.nn.LeakyReLU", "mindspore.ops.leaky_relu"})
SLOPE = "alpha"


class LeakyReluSlopeDefault(Rule):
    """`nn.LeakyReLU()` / `ops.leaky_relu(x)` without `alpha`: MindSpore's slope is 0.2, PyTorch's 0.01.

    **What it does**

    Flags `nn.LeakyReLU` and `ops.leaky_relu` calls that leave `alpha` to its default.

    **Why is this bad?**

    MindSpore's `alpha` defaults to 0.2; PyTorch's `negative_slope` to 0.01 (measured on 2.10:
    `nn.LeakyReLU()(-1.0)` is -0.2 in MindSpore, -0.01 in PyTorch). A layer copied from PyTorch lets
    20 times more of every negative activation through, silently.

    Code written for MindSpore may want 0.2 (the usual slope in GANs, and the reason for MindSpore's
    default): in a file with no sign of a PyTorch port the finding is information, in a port (the file
    names PyTorch or a Cell defines `forward`) a warning.

    **Example**

    ```python
    self.act = nn.LeakyReLU()
    ```

    **Use instead**

    ```python
    self.act = nn.LeakyReLU(alpha=0.01)
    ```

    **Fix safety**

    The fix passes PyTorch's default (`alpha=0.01`, read from mappings/). In a port it is safe: the
    fixed layer and function give `torch.nn.LeakyReLU()`'s values (tests/oracle/test_msa_default_claims.py).
    Elsewhere it is unsafe: code written for MindSpore may mean 0.2.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/LeakyReLU.html
    """

    code = "MSA015"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(LEAKY_RELUS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        found = left_to_differing_default(node, context, LEAKY_RELUS, SLOPE)
        if found is None:
            return
        layer, difference = found
        ported = ported_from_torch(context.source.text)
        torch_value = difference.torch_default
        message = (
            f"`{layer.shown}` without `alpha` has slope {difference.ms_default} for negative inputs; torch's "
            f"`{torch_name(layer.api)}` defaults to {difference.torch} {torch_value}; pass `alpha={torch_value}` "
            "for torch's values"
        )
        fix = restore_torch_default(f"Pass `alpha={torch_value}` (torch's default)", ported, layer, SLOPE, torch_value)
        context.report(node, message, Severity.WARNING if ported else Severity.INFORMATION, fixes=(fix,))
