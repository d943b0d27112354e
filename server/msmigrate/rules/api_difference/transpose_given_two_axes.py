"""MSA018: `ops.transpose(x, 0, 1)` and, in graph mode, `x.transpose(0, 1)`: torch's swap of two axes."""

from __future__ import annotations

import ast

from msmigrate.analysis.calls import bind_to_api
from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.analysis.values import ValueKind
from msmigrate.mappings import load_mappings
from msmigrate.rules.api_difference._ported_defaults import literal_value, ported_from_torch, source_of
from msmigrate.rules.base import Rule, RuleContext

FIX_ID = "transpose-to-swapaxes"
OPS_TRANSPOSE = "mindspore.ops.transpose"
OPS_SWAPAXES = "mindspore.ops.swapaxes"
TORCH_TRANSPOSE = "torch.transpose"


class TransposeGivenTwoAxes(Rule):
    """A MindSpore `transpose` called with two axes to swap, as in PyTorch.

    **What it does**

    Flags `ops.transpose(x, a, b)` (also with torch's keywords `dim0=`, `dim1=`) anywhere, and
    `x.transpose(a, b)` on a tensor inside `construct` or a `@jit` function.

    **Why is this bad?**

    `torch.transpose(x, a, b)` swaps two axes. `mindspore.ops.transpose(input, dims)` takes one full
    permutation; given two axes it raises `TypeError: transpose() takes 2 positional arguments but 3
    were given` (measured on 2.10, PyNative and graph mode).

    `Tensor.transpose` has two overloads in 2.10: `(dim0, dim1)`, PyTorch's swap, and `(*axes)`, a
    permutation. PyNative picks the swap. Graph mode (measured at STRICT and LAX) reads two positional
    axes as a permutation: on a tensor of rank other than 2 it does not compile ("the number of axes
    must be equal to the dimension of Tensor"); on a 2-D tensor `x.transpose(0, 1)` is the identity
    (PyTorch swaps) and `x.transpose(1, 0)` a swap (as in PyTorch). So:

    - `ops.transpose(x, a, b)`: error;
    - `x.transpose(a, b)` in graph code with axes no 2-D permutation allows (`1, 2`): error;
    - `x.transpose(0, 1)` (or non-literal axes): warning, it fails or silently does nothing;
    - `x.transpose(1, 0)`: right only for a 2-D tensor: a hint, in a port only.

    In a file that runs `construct` in PYNATIVE_MODE the method form follows PyTorch and is not flagged.
    The keyword form `x.transpose(dim0=0, dim1=1)` swaps in graph mode and is not flagged.

    **Example**

    ```python
    def construct(self, q):
        q = ops.transpose(q, 1, 2)
        return q.transpose(2, 3)
    ```

    **Use instead**

    ```python
    def construct(self, q):
        q = ops.swapaxes(q, 1, 2)
        return q.swapaxes(2, 3)
    ```

    **Fix safety**

    The fix calls `swapaxes` with the same axes (`ops.swapaxes`, `Tensor.swapaxes`; torch's `dim0`/`dim1`
    keywords become `axis0`/`axis1`, from mappings/). `swapaxes` equals `torch.transpose` for every
    pair of axes, in PyNative and graph mode (tests/oracle/test_msa_default_claims.py). Safe where the
    original cannot run or already swaps; for `x.transpose(0, 1)`, whose 2-D reading is the identity,
    safe in a port (the file names PyTorch or a Cell defines `forward`) and unsafe elsewhere.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/api_python/ops/mindspore.ops.swapaxes.html
    """

    code = "MSA018"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = frozenset({"transpose"})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        if OPS_TRANSPOSE in context.qualified_names(node.func):
            self._check_function(node, context)
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "transpose":
            self._check_method(node, node.func, context)

    def _check_function(self, call: ast.Call, context: RuleContext) -> None:
        as_torch = bind_to_api(call, TORCH_TRANSPOSE)
        as_mindspore = bind_to_api(call, OPS_TRANSPOSE)
        if as_torch is None or as_torch.uncertain or as_torch.problems or as_mindspore is None:
            return
        if not as_mindspore.problems:
            return
        axes = [as_torch.get("dim0"), as_torch.get("dim1")]
        shown = _axes_text([axis for axis in axes if axis is not None], context)
        message = (
            f"`ops.transpose` takes one permutation (`dims`), not two axes to swap: this call raises TypeError "
            f"in MindSpore; torch's `transpose(x, {shown})` is `ops.swapaxes(x, {shown})`"
        )
        fix = FixOffer("Use `ops.swapaxes` (swap two axes)", FixSafety.SAFE, FIX_ID, _renames(call))
        context.report(call, message, Severity.ERROR, fixes=(fix,))

    def _check_method(self, call: ast.Call, func: ast.Attribute, context: RuleContext) -> None:
        scope = context.scope
        values = context.values
        if scope is None or scope.capped_to_hint or values is None or call.keywords or len(call.args) != 2:
            return
        if any(isinstance(argument, ast.Starred) for argument in call.args):
            return
        if values.kind_of(func.value) is not ValueKind.TENSOR:
            return
        ported = ported_from_torch(context.source.text)
        receiver = source_of(func.value, context)
        shown = _axes_text(call.args, context)
        where = context.scope_description()
        reading = _two_d_reading(call.args)
        if reading == "invalid":
            severity, safety = Severity.ERROR, FixSafety.SAFE
            message = (
                f"`{receiver}.transpose({shown})` {where} does not compile: graph mode reads two positional axes as "
                f"a permutation, which fits no tensor here; `{receiver}.swapaxes({shown})` swaps them as torch does"
            )
        elif reading == "swap":
            if not ported:
                return
            severity, safety = Severity.HINT, FixSafety.SAFE
            message = (
                f"`{receiver}.transpose({shown})` {where} is a permutation in graph mode: it swaps only a 2-D tensor "
                f"and does not compile for other ranks; `{receiver}.swapaxes({shown})` swaps at any rank, as torch does"
            )
        else:
            severity = Severity.WARNING
            safety = FixSafety.SAFE if ported else FixSafety.UNSAFE
            message = (
                f"`{receiver}.transpose({shown})` {where} is a permutation in graph mode: it does not compile unless "
                f"the tensor is 2-D, and then leaves it unchanged where torch swaps the axes; use "
                f"`{receiver}.swapaxes({shown})`"
            )
        fix = FixOffer("Use `swapaxes` (swap two axes)", safety, FIX_ID)
        context.report(call, message, severity, fixes=(fix,))


def _two_d_reading(axes: list[ast.expr]) -> str:
    """What graph mode makes of `x.transpose(a, b)` on a 2-D tensor: "swap", "identity", "invalid" or "unknown"."""
    values = [literal_value(axis) for axis in axes]
    integers = [value for value in values if type(value) is int]
    if len(integers) != len(values):
        return "unknown"
    if not all(-2 <= value <= 1 for value in integers) or integers[0] % 2 == integers[1] % 2:
        return "invalid"
    return "swap" if integers[0] % 2 == 1 else "identity"


def _axes_text(axes: list[ast.expr], context: RuleContext) -> str:
    return ", ".join(source_of(axis, context) for axis in axes)


def _renames(call: ast.Call) -> tuple[tuple[str, object], ...]:
    """torch's keyword names (`dim0`) -> `ops.swapaxes`'s (`axis0`), from mappings/, for the keywords the call uses."""
    used = {keyword.arg for keyword in call.keywords}
    entry = load_mappings().lookup(TORCH_TRANSPOSE)
    counterpart = entry.counterpart(OPS_SWAPAXES) if entry is not None else None
    renames = tuple(
        (diff.torch, diff.mindspore)
        for diff in (counterpart.params if counterpart is not None else ())
        if diff.kind == "rename" and diff.torch in used and diff.mindspore
    )
    return (("renames", renames),) if renames else ()
