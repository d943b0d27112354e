"""MSA012: `nn.LayerNorm` with `epsilon` left to MindSpore's default, 1e-7 (PyTorch's `eps` is 1e-5)."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, Severity
from msmigrate.rules.api_difference._layers import last_names
from msmigrate.rules.api_difference._ported_defaults import (
    left_to_differing_default,
    ported_from_torch,
    restore_torch_default,
)
from msmigrate.rules.base import Rule, RuleContext

LAYER_NORMS = frozenset({"mindspore.nn.LayerNorm"})


class LayerNormEpsilonDefault(Rule):
    """`nn.LayerNorm` without `epsilon`: MindSpore adds 1e-7 to the variance, PyTorch 1e-5.

    **What it does**

    Flags `nn.LayerNorm(...)` calls that leave `epsilon` to its default.

    **Why is this bad?**

    The layer divides by `sqrt(var + epsilon)`. MindSpore's default is 1e-7, PyTorch's `eps` 1e-5.
    The difference grows as the variance shrinks; measured on MindSpore 2.10 against PyTorch
    (normalising 16 features of standard-normal inputs scaled by s): largest absolute difference
    3.1e-5 at s = 1, 3.0e-3 at s = 0.1, 0.25 at s = 0.01, 1.7 at s = 0.001. For activations of unit
    scale it is noise; for small activations (after a weight init with small gain, or in
    low-variance channels) a ported model computes other values than the original.

    In a port (the file names PyTorch or a Cell defines `forward`) the finding is information; in code
    written for MindSpore, where 1e-7 is the author's default, a hint.

    **Example**

    ```python
    self.norm = nn.LayerNorm((768,))
    ```

    **Use instead**

    ```python
    self.norm = nn.LayerNorm((768,), epsilon=1e-5)
    ```

    **Fix safety**

    The fix passes PyTorch's default (`epsilon=1e-05`, read from mappings/). In a port it is safe: the
    fixed layer agrees with `torch.nn.LayerNorm` within 5e-7 on the same inputs
    (tests/oracle/test_msa_default_claims.py). Elsewhere it is unsafe: it changes what code written
    for MindSpore computes.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/LayerNorm.html
    """

    code = "MSA012"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(LAYER_NORMS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        found = left_to_differing_default(node, context, LAYER_NORMS, "epsilon")
        if found is None:
            return
        layer, difference = found
        ported = ported_from_torch(context.source.text)
        message = (
            f"`{layer.shown}` without `epsilon` uses {difference.ms_default}; torch's `eps` defaults to "
            f"{difference.torch_default}: the outputs differ where the variance is small (by 0.25 at "
            f"activations of scale 0.01); pass `epsilon={difference.torch_default}` for torch's values"
        )
        title = f"Pass `epsilon={difference.torch_default}` (torch's default)"
        fix = restore_torch_default(title, ported, layer, "epsilon", difference.torch_default)
        context.report(node, message, Severity.INFORMATION if ported else Severity.HINT, fixes=(fix,))
