"""MSA016: `nn.GELU` is tanh-approximate by default (PyTorch's is exact) and takes a bool, not torch's strings."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.rules.api_difference._layers import last_names, set_argument_offer
from msmigrate.rules.api_difference._ported_defaults import (
    NOT_LITERAL,
    clean_call,
    literal_value,
    parameter_difference,
    ported_from_torch,
    python_source,
    restore_torch_default,
    value_of_source,
)
from msmigrate.rules.base import Rule, RuleContext

GELUS = frozenset({"mindspore.nn.GELU"})
APPROXIMATE = "approximate"
# PyTorch's `approximate` strings and the `nn.GELU` bool that computes the same (measured).
TORCH_STRING_TO_BOOL = {"none": False, "tanh": True}


class GeluApproximation(Rule):
    """`nn.GELU()` computes the tanh approximation; PyTorch's `nn.GELU()` the exact erf form.

    **What it does**

    Flags `nn.GELU` calls that leave `approximate` to its default (`True`), and calls that pass
    PyTorch's strings (`approximate="none"` or `"tanh"`).

    **Why is this bad?**

    `mindspore.nn.GELU(approximate=True)` is the tanh approximation; PyTorch's default
    (`approximate="none"`) is exact. Measured on MindSpore 2.10 over [-6, 6]: the largest difference
    is 4.7e-4 (at x ≈ -2.7); `nn.GELU(approximate=False)` agrees with PyTorch within 1e-6, and
    `nn.GELU()` with PyTorch's `approximate="tanh"` within 3e-7. Small per layer, but it changes every
    activation of a ported transformer. In a port (the file names PyTorch or a Cell defines `forward`)
    it is information, elsewhere a hint.

    `nn.GELU` takes a bool: `approximate="none"` or `"tanh"` raise `TypeError: For 'GELU', the
    'approximate' must be a bool` when the layer is built (measured). (`ops.gelu` takes PyTorch's
    strings, with PyTorch's default, and is not flagged.)

    **Example**

    ```python
    self.act = nn.GELU()
    ```

    **Use instead**

    ```python
    self.act = nn.GELU(approximate=False)
    ```

    **Fix safety**

    A torch string becomes the bool that computes the same (`"none"` → `False`, `"tanh"` → `True`):
    safe, it removes a certain TypeError and gives PyTorch's values. For the default, the fix passes
    `approximate=False`: safe in a port (the fixed layer gives `torch.nn.GELU()`'s values,
    tests/oracle/test_msa_default_claims.py), unsafe elsewhere.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/GELU.html
    """

    code = "MSA016"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(GELUS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        layer = clean_call(node, context, GELUS)
        if layer is None:
            return
        bound = layer.arguments
        given = bound.get(APPROXIMATE)
        if given is not None:
            value = literal_value(given)
            if value is NOT_LITERAL or not isinstance(value, str):
                return
            fixes: tuple[FixOffer, ...] = ()
            equivalent = TORCH_STRING_TO_BOOL.get(value)
            advice = "pass a bool"
            if equivalent is not None:
                advice = f"`approximate={equivalent}` computes torch's `approximate={python_source(value)}`"
                title = f"Use `approximate={equivalent}`"
                fixes = (set_argument_offer(title, FixSafety.SAFE, layer, APPROXIMATE, repr(equivalent)),)
            shown = f"{layer.shown}(approximate={python_source(value)})"
            message = f"`{shown}` raises TypeError in MindSpore: it takes a bool; {advice}"
            context.report(node, message, Severity.ERROR, fixes=fixes)
            return
        difference = parameter_difference(layer.api, APPROXIMATE)
        if difference is None or not difference.defaults_differ or not bound.left_to_default(APPROXIMATE):
            return
        torch_default = value_of_source(difference.torch_default)
        exact = TORCH_STRING_TO_BOOL.get(torch_default) if isinstance(torch_default, str) else None
        if exact is None:
            return
        ported = ported_from_torch(context.source.text)
        message = (
            f"`{layer.shown}()` uses the tanh approximation (approximate={difference.ms_default}); torch's "
            f"`nn.GELU()` is exact (approximate={difference.torch_default}): up to 4.7e-4 apart; pass "
            f"`approximate={exact}` for torch's values"
        )
        title = f"Pass `approximate={exact}` (torch's exact GELU)"
        fix = restore_torch_default(title, ported, layer, APPROXIMATE, repr(exact))
        context.report(node, message, Severity.INFORMATION if ported else Severity.HINT, fixes=(fix,))
