"""MSA021: a PyTorch name read from a MindSpore module that has no such name (an AttributeError)."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.rules.api_difference._counterparts import Suggestion, drop_in, missing_name, suggestions_for, torch_twins
from msmigrate.rules.api_difference._shared_fixes import switch_offer
from msmigrate.rules.base import Rule, RuleContext


class TorchNameOnMindSporeModule(Rule):
    """A name MindSpore 2.10 does not have, read from a MindSpore module: usually the PyTorch spelling.

    **What it does**

    Flags `nn.Module`, `ops.clamp_min`, `ms.nn.functional.relu`, `ms.no_grad`, … where the module is
    `mindspore`, `mindspore.nn`, `mindspore.ops` or a `mindspore.mint` namespace and the installed 2.10
    package has no such public name (`mappings/namespaces.json`, read from the installed package). The
    message names the MindSpore counterparts of the PyTorch API from the mapping data: the `mint` one
    first (PyTorch semantics), then the legacy one.

    **Why is this bad?**

    The attribute lookup raises `AttributeError: module 'mindspore.nn' has no attribute 'Module'` when
    the line runs — for a base class, when the module is imported. Several PyTorch names do exist in
    2.10 and are not flagged (`nn.Linear`, `Tensor.permute`, `ops.permute`).

    **Example**

    ```python
    from mindspore import nn, ops

    class Net(nn.Module):
        def construct(self, x):
            return ops.clamp_min(nn.functional.relu(x), 0.1)
    ```

    **Use instead**

    ```python
    from mindspore import mint, nn

    class Net(nn.Cell):
        def construct(self, x):
            return mint.clamp(mint.nn.functional.relu(x), min=0.1)
    ```

    **Fix safety**

    For a call, the fix switches the callee to the `mint` counterpart when the tables call it consistent
    and the call's arguments fit its installed signature. It is safe when that signature equals the
    PyTorch one and the counterpart runs on CPU (the line raises today; the switched call computes what
    PyTorch computes, see tests/oracle/test_msa_generic_fixes.py), unsafe otherwise; the title says when
    the counterpart has no CPU kernel. Names that are not called (a base class) get no fix.

    **References**

    https://www.mindspore.cn/docs/en/r2.6.0/note/api_mapping/pytorch_api_mapping.html
    """

    code = "MSA021"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call, ast.Attribute)

    def __init__(self) -> None:
        # Attributes inside a callee already judged with their call (the engine visits a call before
        # its callee), so a missing name is reported once.
        self._judged_with_call: set[int] = set()

    def check(self, node: ast.AST, context: RuleContext) -> None:
        if isinstance(node, ast.Call):
            self._check_callee(node, context)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            if id(node) in self._judged_with_call:
                return
            missing = missing_name(context.qualified_names(node))
            if missing is not None:
                context.report(node, _message(ast.unparse(node), missing, missing, ()), Severity.ERROR)

    def _check_callee(self, call: ast.Call, context: RuleContext) -> None:
        chain = _attribute_chain(call.func)
        self._judged_with_call.update(id(attribute) for attribute in chain)
        for attribute in chain:
            missing = missing_name(context.qualified_names(attribute))
            if missing is None:
                continue
            callee_names = context.qualified_names(call.func)
            full_name = sorted(callee_names)[0] if callee_names else missing
            fixes = _switch_fixes(call, full_name)
            shown = ast.unparse(attribute)
            context.report(call.func, _message(shown, missing, full_name, fixes), Severity.ERROR, fixes=fixes)
            return


def _attribute_chain(expr: ast.expr) -> list[ast.Attribute]:
    """`a.b.c` -> [a.b, a.b.c]: innermost first, so the first missing segment is reported."""
    chain: list[ast.Attribute] = []
    while isinstance(expr, ast.Attribute):
        chain.append(expr)
        expr = expr.value
    return chain[::-1]


def _suggestions(full_name: str) -> tuple[str, tuple[Suggestion, ...]]:
    """The torch name `full_name` was most likely copied from, and its MindSpore counterparts."""
    twins = torch_twins(full_name)
    for torch_name in twins:
        found = suggestions_for(torch_name)
        if found:
            return torch_name, found
    return (twins[0] if twins else ""), ()


def _message(shown: str, missing: str, full_name: str, fixes: tuple[FixOffer, ...]) -> str:
    namespace, _, member = missing.rpartition(".")
    text = f"`{shown}`: `{namespace}` has no `{member}` in MindSpore 2.10 (AttributeError when this line runs)"
    torch_name, found = _suggestions(full_name)
    if found:
        listed = ", ".join(suggestion.shown for suggestion in found)
        text += f"; MindSpore counterparts of `{torch_name}`: {listed}"
    elif torch_name:
        text += f"; the mapping data has no MindSpore counterpart of `{torch_name}`"
    return text


def _switch_fixes(call: ast.Call, full_name: str) -> tuple[FixOffer, ...]:
    torch_name, found = _suggestions(full_name)
    for suggestion in found:
        fits, same_signature = drop_in(call, torch_name, suggestion)
        if not fits:
            continue
        safe = same_signature and suggestion.cpu is not False
        return (switch_offer(suggestion.api, suggestion.cpu, FixSafety.SAFE if safe else FixSafety.UNSAFE),)
    return ()
