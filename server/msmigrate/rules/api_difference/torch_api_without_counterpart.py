"""MSA100: in a PyTorch file, an API MindSpore has no counterpart for (in the tables or by name)."""

from __future__ import annotations

import ast
from functools import cache

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category
from msmigrate.mappings import load_mappings
from msmigrate.rules.api_difference._counterparts import BASE_CLASSES
from msmigrate.rules.api_difference._torch_files import FirstPerFile, torch_names
from msmigrate.rules.api_difference.torch_method_on_mindspore_tensor import WITHOUT_TABLE_ROW, torch_only_methods
from msmigrate.rules.base import Rule, RuleContext

# Where a torch name's MindSpore namesake would live (longest prefix first).
_NAMESAKE_NAMESPACES = (
    ("torch.nn.functional.", ("mindspore.mint.nn.functional.", "mindspore.ops.")),
    ("torch.nn.", ("mindspore.mint.nn.", "mindspore.nn.")),
    ("torch.linalg.", ("mindspore.mint.linalg.",)),
    ("torch.special.", ("mindspore.mint.special.",)),
    ("torch.optim.", ("mindspore.mint.optim.",)),
    ("torch.Tensor.", ("mindspore.Tensor.",)),
    ("torch.", ("mindspore.mint.", "mindspore.ops.", "mindspore.")),
)
# Reported by the rules made for them: device placement (MSA102), no_grad (MSA103), backward (MSA104).
REPORTED_ELSEWHERE_PREFIXES = ("torch.cuda.", "torch.backends.")
REPORTED_ELSEWHERE = frozenset(
    {"torch.device", "torch.no_grad", "torch.enable_grad", "torch.inference_mode", "torch.set_grad_enabled"}
)
METHODS_REPORTED_ELSEWHERE = frozenset({"cuda", "cpu", "to", "backward"})


class TorchApiWithoutCounterpart(Rule):
    """A PyTorch API with no MindSpore counterpart, in a file being prepared for a port.

    **What it does**

    In files that use PyTorch only, flags calls of PyTorch APIs that neither mapping table lists and
    that have no namesake in MindSpore 2.10 (`mindspore.mint…`, `ops`, `nn`, `Tensor`, read from the
    installed packages): `torch.save`, `torch.cuda.amp.GradScaler`, `x.clamp_min(0)`, `x.detach_()`.
    Tensor methods count when their name is PyTorch's alone (not a method of MindSpore tensors, numpy
    arrays, Cells or Python built-ins). The first call of an API in a file is information, later ones
    hints.

    **Why is this bad?**

    These lines need a hand-written port: there is nothing to rename them to. Knowing them before the
    port starts is what the migration plan needs. Some PyTorch names do exist in 2.10 and are not
    flagged (`Tensor.random_`, `Tensor.permute`, `nn.Linear`).

    **Example**

    ```python
    torch.save(model.state_dict(), "model.pt")
    ```

    **Use instead**

    Port by hand (`mindspore.save_checkpoint(net, "model.ckpt")`).

    **Fix safety**

    No fix: this is a PyTorch file.

    **References**

    https://www.mindspore.cn/docs/en/r2.6.0/note/api_mapping/pytorch_api_mapping.html
    """

    code = "MSA100"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    frameworks = frozenset({Framework.TORCH})

    def __init__(self) -> None:
        self._repeats = FirstPerFile()

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        names = torch_names(context, node.func)
        if names:
            missing = sorted(name for name in names if _without_counterpart(name))
            if len(missing) != len(names):
                return
            shown = missing[0]
        elif isinstance(node.func, ast.Attribute) and not context.qualified_names(node.func.value):
            method = node.func.attr
            if method not in _methods_without_counterpart():
                return
            shown = f"torch.Tensor.{method}"
        else:
            return
        severity, repeat = self._repeats.severity(shown, node.lineno)
        message = (
            f"`{shown}` has no MindSpore counterpart: neither mapping table lists it and MindSpore 2.10 has no "
            f"namesake; port this by hand{repeat}"
        )
        context.report(node.func, message, severity)


@cache
def _without_counterpart(torch_name: str) -> bool:
    if torch_name in REPORTED_ELSEWHERE or torch_name.startswith(REPORTED_ELSEWHERE_PREFIXES):
        return False
    if torch_name in BASE_CLASSES:
        return False
    mappings = load_mappings()
    if mappings.lookup(torch_name) is not None:
        return False
    if mappings.has_member(torch_name) is False:
        return False  # not a torch name (a typo, or a local alias the imports cannot see through)
    for prefix, namespaces in _NAMESAKE_NAMESPACES:
        if torch_name.startswith(prefix):
            rest = torch_name.removeprefix(prefix)
            return not any(mappings.has_member(namespace + rest) for namespace in namespaces)
    return True


@cache
def _methods_without_counterpart() -> frozenset[str]:
    return frozenset(
        method
        for method in torch_only_methods()
        if method not in WITHOUT_TABLE_ROW
        and method not in METHODS_REPORTED_ELSEWHERE
        and _without_counterpart(f"torch.Tensor.{method}")
        and not any(
            load_mappings().has_member(f"{namespace}.{method}") for namespace in ("mindspore.mint", "mindspore.ops")
        )
    )
