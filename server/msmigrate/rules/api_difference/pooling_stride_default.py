"""MSA010: a MindSpore pooling layer whose stride is left to its default, 1 (PyTorch's is the kernel size)."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, Severity
from msmigrate.rules.api_difference._layers import last_names
from msmigrate.rules.api_difference._ported_defaults import (
    NOT_LITERAL,
    clean_call,
    is_plain_reference,
    literal_value,
    parameter_difference,
    ported_from_torch,
    restore_torch_default,
    source_of,
    torch_name,
)
from msmigrate.rules.base import Rule, RuleContext

# The legacy pooling APIs whose stride defaults to 1 (`mindspore.ops.max_pool3d` defaults to None,
# i.e. the kernel size, like PyTorch; `mint` follows PyTorch).
POOLS = frozenset(
    {
        "mindspore.nn.MaxPool1d",
        "mindspore.nn.MaxPool2d",
        "mindspore.nn.MaxPool3d",
        "mindspore.nn.AvgPool1d",
        "mindspore.nn.AvgPool2d",
        "mindspore.nn.AvgPool3d",
        "mindspore.ops.avg_pool1d",
        "mindspore.ops.avg_pool2d",
        "mindspore.ops.avg_pool3d",
    }
)


class PoolingStrideDefault(Rule):
    """A pooling layer with a kernel larger than 1 and no `stride`: MindSpore slides it by 1.

    **What it does**

    Flags `nn.MaxPool1d/2d/3d`, `nn.AvgPool1d/2d/3d` and `ops.avg_pool1d/2d/3d` calls that pass a
    `kernel_size` other than 1 and leave `stride` to its default.

    **Why is this bad?**

    MindSpore's `stride` defaults to 1; PyTorch's defaults to `None`, which means the kernel size.
    `nn.MaxPool2d(2)` halves a 32x32 map in PyTorch and gives a 31x31 map of overlapping windows in
    MindSpore (measured on 2.10: a 9x9 input with kernel 3 gives 7x7 instead of 3x3, for all six
    layers and the `ops` functions). Copied from PyTorch, the layer silently changes the network's
    shapes; the next `Dense` layer then fails, or a global pooling hides the difference and the model
    trains on other features.

    Code written for MindSpore sometimes pools with stride 1 on purpose (Inception's
    `nn.MaxPool2d(kernel_size=3, pad_mode="same")`): in a file with no sign of a PyTorch port the
    finding is information, in a port (the file names PyTorch or a Cell defines `forward`) a warning.

    **Example**

    ```python
    self.pool = nn.MaxPool2d(kernel_size=2)
    ```

    **Use instead**

    ```python
    self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
    ```

    **Fix safety**

    The fix passes `stride=<kernel_size>`, offered when `kernel_size` is a literal or a plain name. In a
    port it is safe: the fixed MindSpore layer gives PyTorch's output for PyTorch's default stride
    (tests/oracle/test_msa_default_claims.py, all six layers and `ops.avg_pool2d`). Elsewhere it is
    unsafe: it changes what code written for MindSpore computes.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/MaxPool2d.html
    """

    code = "MSA010"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(POOLS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        layer = clean_call(node, context, POOLS)
        if layer is None:
            return
        bound = layer.arguments
        if not bound.left_to_default("stride") or not bound.given("kernel_size"):
            return
        kernel = bound.get("kernel_size")
        assert kernel is not None
        kernel_value = literal_value(kernel)
        if kernel_value is not NOT_LITERAL and _all_ones(kernel_value):
            return
        difference = parameter_difference(layer.api, "stride")
        default = difference.ms_default if difference is not None and difference.ms_default else "1"
        ported = ported_from_torch(context.source.text)
        kernel_text = source_of(kernel, context)
        unless = "" if kernel_value is not NOT_LITERAL else f" (unless `{kernel_text}` is 1)"
        message = (
            f"`{layer.shown}` without `stride` slides the window by {default} in MindSpore: "
            f"overlapping windows and a larger output than torch's `{torch_name(layer.api)}`, whose stride "
            f"defaults to the kernel size{unless}; pass `stride={kernel_text}` for torch's result"
        )
        fixes = ()
        if is_plain_reference(kernel):
            title = f"Pass `stride={kernel_text}` (torch's default)"
            fixes = (restore_torch_default(title, ported, layer, "stride", kernel_text),)
        severity = Severity.WARNING if ported else Severity.INFORMATION
        context.report(node, message, severity, fixes=fixes)


def _all_ones(value: object) -> bool:
    if isinstance(value, tuple | list):
        return all(item == 1 for item in value)
    return value == 1
