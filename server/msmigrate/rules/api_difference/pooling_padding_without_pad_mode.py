"""MSA011: a MindSpore pool given torch's `padding=` (or `ceil_mode=`, `dilation=`) without `pad_mode="pad"`."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.rules.api_difference._layers import LayerCall, last_names, set_argument_offer
from msmigrate.rules.api_difference._ported_defaults import (
    NOT_LITERAL,
    clean_call,
    default_value,
    literal_value,
    python_source,
    source_of,
)
from msmigrate.rules.base import Rule, RuleContext

# Measured on MindSpore 2.10: the constructor raises ValueError when one of these parameters has a
# value other than its default and `pad_mode` is not "pad". The average pools accept `ceil_mode`,
# `count_include_pad` and `divisor_override` in any pad mode (and then agree with PyTorch).
PAD_MODE_PARAMETERS = {
    "mindspore.nn.MaxPool1d": ("padding", "ceil_mode", "dilation", "return_indices"),
    "mindspore.nn.MaxPool2d": ("padding", "ceil_mode", "dilation", "return_indices"),
    "mindspore.nn.MaxPool3d": ("padding", "ceil_mode", "dilation", "return_indices"),
    "mindspore.nn.AvgPool1d": ("padding",),
    "mindspore.nn.AvgPool2d": ("padding",),
    "mindspore.nn.AvgPool3d": ("padding",),
}
# Where an all-zero padding tuple, `(0, 0)`, counts as no padding (MaxPool1d/2d compare the value to
# the default 0 and reject the tuple: measured).
ZERO_TUPLE_PADDING_ACCEPTED = frozenset(
    {"mindspore.nn.MaxPool3d", "mindspore.nn.AvgPool1d", "mindspore.nn.AvgPool2d", "mindspore.nn.AvgPool3d"}
)
POOLS = frozenset(PAD_MODE_PARAMETERS)
PAD = "pad"


class PoolingPaddingWithoutPadMode(Rule):
    """A pooling layer given `padding` (or `ceil_mode`, `dilation`, `return_indices`) without `pad_mode="pad"`.

    **What it does**

    Flags `nn.MaxPool1d/2d/3d` and `nn.AvgPool1d/2d/3d` calls that give `padding` a value other than
    0 — or, for the max pools, `ceil_mode=True`, a `dilation` other than 1 or `return_indices=True` —
    while `pad_mode` is left to its default `"valid"` or set to `"same"`/`"valid"`.

    **Why is this bad?**

    MindSpore's pools take TensorFlow-style `pad_mode` (`"valid"` by default); the PyTorch-style
    arguments only apply with `pad_mode="pad"`. Measured on MindSpore 2.10, the constructor raises
    `ValueError` ("can not be set to non-default value when pad_mode is not 'pad'") for every max pool
    given one of those four arguments and for every average pool given `padding`. A layer copied
    from PyTorch (`nn.MaxPool2d(3, stride=2, padding=1)`) fails as soon as the network is built.

    An argument that is not a literal (`padding=p`) is a warning: it raises unless its value is the
    default.

    **Example**

    ```python
    self.pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
    ```

    **Use instead**

    ```python
    self.pool = nn.MaxPool2d(kernel_size=3, stride=2, pad_mode="pad", padding=1)
    ```

    **Fix safety**

    The fix passes `pad_mode="pad"`: safe. It removes a certain `ValueError`, and with `pad_mode="pad"`
    each layer gives PyTorch's output for the same arguments (and padding 0 in `"pad"` mode gives the
    `"valid"` result): tests/oracle/test_msa_default_claims.py. Where the call says `pad_mode="same"`
    and the value is not a literal, no fix is offered: the author may have meant `"same"`.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/MaxPool2d.html
    """

    code = "MSA011"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(POOLS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        layer = clean_call(node, context, POOLS)
        if layer is None:
            return
        bound = layer.arguments
        pad_mode_expr = bound.get("pad_mode")
        pad_mode = literal_value(pad_mode_expr) if pad_mode_expr is not None else "valid"
        if not isinstance(pad_mode, str) or pad_mode.lower() == PAD:
            return
        certain: list[str] = []
        possible: list[str] = []
        for parameter in PAD_MODE_PARAMETERS[layer.api]:
            expr = bound.get(parameter)
            if expr is None:
                continue
            verdict = _differs_from_default(layer, parameter, expr)
            if verdict is True:
                certain.append(parameter)
            elif verdict is None:
                possible.append(parameter)
        if not certain and not possible:
            return
        shown = ", ".join(f"`{name}={source_of(bound.arguments[name], context)}`" for name in [*certain, *possible])
        mode = f'pad_mode="{pad_mode}"' if pad_mode_expr is not None else 'the default pad_mode="valid"'
        if certain:
            message = (
                f"`{layer.shown}` with {shown} and {mode} raises ValueError when it is built: MindSpore "
                'applies torch-style padding only with `pad_mode="pad"`'
            )
            severity = Severity.ERROR
        else:
            message = (
                f"`{layer.shown}` with {shown} and {mode} raises ValueError when it is built unless the "
                'value is the default: MindSpore applies torch-style padding only with `pad_mode="pad"`'
            )
            severity = Severity.WARNING
        fixes: tuple[FixOffer, ...] = ()
        if certain or pad_mode.lower() == "valid":
            title = 'Pass `pad_mode="pad"` (torch-style padding)'
            fixes = (set_argument_offer(title, FixSafety.SAFE, layer, "pad_mode", python_source(PAD)),)
        context.report(node, message, severity, fixes=fixes)


def _differs_from_default(layer: LayerCall, parameter: str, expr: ast.expr) -> bool | None:
    """True: a literal other than the default; False: the default; None: not a literal."""
    value = literal_value(expr)
    default = default_value(layer, parameter)
    if value is NOT_LITERAL or default is NOT_LITERAL:
        return None
    if (
        parameter == "padding"
        and layer.api in ZERO_TUPLE_PADDING_ACCEPTED
        and isinstance(value, tuple | list)
        and all(item == 0 for item in value)
    ):
        return False
    return value != default
