"""MSA022: a PyTorch tensor method that MindSpore 2.10 tensors lack, called on a MindSpore tensor."""

from __future__ import annotations

import ast
from functools import cache

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category, Severity
from msmigrate.analysis.values import ValueKind
from msmigrate.mappings import load_mappings
from msmigrate.rules.api_difference._counterparts import suggestions_for
from msmigrate.rules.api_difference._shared_fixes import short_name
from msmigrate.rules.base import Rule, RuleContext

# What to do instead where the tables have no row: device placement and autograd are done differently
# in MindSpore, not by another method of the tensor.
WITHOUT_TABLE_ROW = {
    "cuda": "MindSpore places every tensor on the device chosen by `ms.set_device(...)`: drop the call",
    "cpu": "MindSpore places every tensor on the device chosen by `ms.set_device(...)`: drop the call",
    "detach": "use `ops.stop_gradient(x)`",
    "backward": "gradients come from `ms.grad` / `ms.value_and_grad` of a function",
    "requires_grad_": "a Parameter's `requires_grad` attribute, or `ops.stop_gradient`, decide what is differentiated",
}
# Methods of objects a tensor-ish name may also hold: a method these have says nothing about a tensor.
_OTHER_RECEIVERS = (list, dict, str, set, tuple, bytes, int, float)


class TorchMethodOnMindSporeTensor(Rule):
    """A PyTorch tensor method called on a MindSpore tensor, which has no such method in 2.10.

    **What it does**

    In files that use MindSpore only, flags method calls such as `x.detach()`, `x.cuda()`,
    `x.clamp_min(0)` whose receiver the value analysis knows to be a tensor (an input of `construct` or
    of a `@jit` function, or a MindSpore call's result), when the method is a `torch.Tensor` method and
    the installed `mindspore.Tensor` has no public member of that name (`mappings/namespaces.json`).
    Names numpy arrays, Cells or Python built-ins also have are left alone.

    **Why is this bad?**

    `AttributeError: 'Tensor' object has no attribute 'detach'` — measured on MindSpore 2.10 in
    PYNATIVE_MODE and, at compile time, in GRAPH_MODE. Many PyTorch tensor methods do exist in 2.10
    (`permute`, `view`, `size`, `contiguous`, `random_`) and are not flagged.

    **Example**

    ```python
    class Net(nn.Cell):
        def construct(self, x):
            return x.detach().clamp_min(0.0)
    ```

    **Use instead**

    ```python
    class Net(nn.Cell):
        def construct(self, x):
            return ops.clamp(ops.stop_gradient(x), min=0.0)
    ```

    **Fix safety**

    No automatic fix: the replacement is a function with other arguments, or no call at all. The message
    names the MindSpore counterpart from the mapping data where it has one.

    **References**

    https://www.mindspore.cn/docs/en/r2.6.0/note/api_mapping/pytorch_api_mapping.html
    """

    code = "MSA022"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    frameworks = frozenset({Framework.MINDSPORE})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in torch_only_methods():
            return
        values = context.values
        if values is None or values.kind_of(func.value) is not ValueKind.TENSOR:
            return
        if context.qualified_names(func.value):
            return  # a module or class (`ms.Tensor.detach`): MSA021's case
        arguments = "..." if node.args or node.keywords else ""
        shown = f"{ast.unparse(func.value)}.{func.attr}({arguments})"
        message = (
            f"`{shown}`: MindSpore 2.10 tensors have no `{func.attr}` (AttributeError when this line runs); "
            f"{_advice(func.attr)}"
        )
        context.report(func, message, Severity.ERROR)


@cache
def torch_only_methods() -> frozenset[str]:
    """`torch.Tensor` methods that `mindspore.Tensor`, numpy arrays, Cells and built-ins all lack."""
    mappings = load_mappings()
    torch_methods = mappings.namespace_members("torch.Tensor") or frozenset()
    elsewhere = set().union(
        *(mappings.namespace_members(name) or () for name in ("mindspore.Tensor", "numpy.ndarray", "mindspore.nn.Cell"))
    )
    for kind in _OTHER_RECEIVERS:
        elsewhere.update(dir(kind))
    return frozenset(torch_methods - elsewhere)


def _advice(method: str) -> str:
    found = suggestions_for(f"torch.Tensor.{method}")
    if found:
        return "MindSpore counterparts: " + ", ".join(suggestion.shown for suggestion in found)
    if method in WITHOUT_TABLE_ROW:
        return WITHOUT_TABLE_ROW[method]
    mappings = load_mappings()
    for namespace in ("mindspore.mint", "mindspore.ops"):
        if mappings.has_member(f"{namespace}.{method}"):
            return f"call the function `{short_name(namespace)}.{method}(x, ...)`"
    return "the mapping data has no MindSpore counterpart"
