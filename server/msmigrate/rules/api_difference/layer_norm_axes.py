"""MSA014: `nn.LayerNorm` over several axes with MindSpore's default axes, or with a negative axis 2.10 rejects."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, Severity
from msmigrate.rules.api_difference._layers import LayerCall, last_names
from msmigrate.rules.api_difference._ported_defaults import clean_call, default_value, literal_value
from msmigrate.rules.base import Rule, RuleContext

LAYER_NORMS = frozenset({"mindspore.nn.LayerNorm"})
AXES = ("begin_norm_axis", "begin_params_axis")


class LayerNormAxes(Rule):
    """`nn.LayerNorm` whose axes do not match a `normalized_shape` of several axes.

    **What it does**

    For `nn.LayerNorm(normalized_shape, begin_norm_axis, begin_params_axis)` it flags:

    - a `normalized_shape` of k ≥ 2 axes with `begin_params_axis` left to -1 (error);
    - a `normalized_shape` of k ≥ 2 axes with `begin_norm_axis` left to -1 (warning);
    - a literal `begin_norm_axis` or `begin_params_axis` below -1 (error).

    **Why is this bad?**

    PyTorch normalises over the last `len(normalized_shape)` axes. MindSpore normalises from
    `begin_norm_axis` and shapes gamma and beta from `begin_params_axis`, both -1 by default, whatever
    `normalized_shape` says. Measured on MindSpore 2.10 with a (4, 8, 16) input:

    - `nn.LayerNorm((8, 16))` builds, then raises `ValueError: gamma or beta shape must match input shape`
      on its first call;
    - `nn.LayerNorm((8, 16), begin_params_axis=1)` runs but normalises over the last axis only: other
      values than `torch.nn.LayerNorm((8, 16))`;
    - `begin_norm_axis=-2` (the doc's advice, `-len(normalized_shape)`) raises `RuntimeError: 'begin_norm_axis'
      value should be in the range [-1, 3)`, in PyNative and in graph mode; so does `begin_params_axis=-2`.
      Use the positive axis `rank - k`: `nn.LayerNorm((8, 16), 1, 1)` agrees with PyTorch.

    **Example**

    ```python
    self.norm = nn.LayerNorm((8, 16))  # input (batch, 8, 16)
    ```

    **Use instead**

    ```python
    self.norm = nn.LayerNorm((8, 16), begin_norm_axis=1, begin_params_axis=1)
    ```

    **Fix safety**

    No automatic fix: the right axis is the input's rank minus k, and the rank is not in the call.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/LayerNorm.html
    """

    code = "MSA014"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(LAYER_NORMS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        layer = clean_call(node, context, LAYER_NORMS)
        if layer is None:
            return
        bound = layer.arguments
        # The axis each parameter gives: its literal, or the installed default when it is left out.
        axes = {name: _axis(bound.get(name)) if bound.given(name) else _axis_default(layer, name) for name in AXES}
        negative = {name: axis for name, axis in axes.items() if axis is not None and axis < -1}
        if negative:
            shown = ", ".join(f"`{name}={axis}`" for name, axis in negative.items())
            message = (
                f"MindSpore 2.10 raises RuntimeError for {shown}: LayerNorm axes must lie in [-1, rank); use the "
                "positive axis (the input's rank minus the number of normalised axes)"
            )
            context.report(node, message, Severity.ERROR)
            return
        shape = bound.get("normalized_shape")
        if not isinstance(shape, ast.Tuple | ast.List) or len(shape.elts) < 2:
            return
        k = len(shape.elts)
        params_axis_last = axes["begin_params_axis"] == -1
        norm_axis_last = axes["begin_norm_axis"] == -1
        advice = f"pass `begin_norm_axis` and `begin_params_axis` as the input's rank minus {k} (a positive axis)"
        if params_axis_last:
            message = (
                f"`{layer.shown}` over {k} axes with `begin_params_axis=-1` raises ValueError on its first call "
                f"(gamma and beta have {k} axes, the axis gives them 1); {advice}"
            )
            context.report(node, message, Severity.ERROR)
        elif norm_axis_last:
            message = (
                f"`{layer.shown}` over {k} axes with `begin_norm_axis=-1` normalises over the last axis only; "
                f"torch normalises over the last {k}; {advice}"
            )
            context.report(node, message, Severity.WARNING)


def _axis(expr: ast.expr | None) -> int | None:
    value = literal_value(expr)
    return value if type(value) is int else None


def _axis_default(layer: LayerCall, name: str) -> int | None:
    value = default_value(layer, name)
    return value if type(value) is int else None
