"""`switch-to-mint`: call another MindSpore API (usually its `mindspore.mint` form) with the same arguments.

Contract for rules offering it (build the offer with
`msmigrate.rules.api_difference._shared_fixes.switch_offer`):

- the finding's span is the `ast.Call` whose callee is replaced, or the callee expression itself
  (`nn.Dropout` in `nn.Dropout(0.2)`);
- params: `{"target": "mindspore.mint.nn.Dropout"}` — any dotted `mindspore.…` API that is a module
  attribute (not a `Tensor` method); the arguments stay as written;
- the target is reached through the file's imports (`from mindspore import mint` → `mint.nn.Dropout`,
  `import mindspore as ms` → `ms.mint.nn.Dropout`); when none reaches it, `from mindspore import <first
  submodule>` is added after the last top-level import (`from mindspore import mint`);
- the fix is unsafe unless the offering rule proves the target takes the same arguments with the same
  meaning; its title carries the CPU caveat when the target has no CPU kernel in 2.10.
"""

from __future__ import annotations

import libcst as cst

from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.fixes.imports import ensure_imported, reference_to
from msmigrate.rules.api_difference._shared_fixes import SWITCH_TO_MINT

ROOT = "mindspore"


@register_fix(SWITCH_TO_MINT)
def switch_to_mint(target: FixTarget) -> cst.Module:
    api = str(target.params["target"])
    parts = api.split(".")
    if parts[0] != ROOT or len(parts) < 2 or not all(part.isidentifier() for part in parts):
        raise FixError(f"`{api}` is not a dotted mindspore API")
    if parts[1] == "Tensor":
        raise FixError("a Tensor method is not a callee this fix can switch to")
    callee = _callee(target)
    # Settle the name before editing (the import search reads the unedited module), then add the import
    # only when nothing reached the target.
    reference = _existing_reference(target.module, parts)
    module = target.module
    if reference is None:
        module, first = ensure_imported(module, ROOT, parts[1])
        reference = ".".join((first, *parts[2:]))
    new_callee = cst.parse_expression(reference)
    new_callee = new_callee.with_changes(lpar=callee.lpar, rpar=callee.rpar)
    return module.deep_replace(callee, new_callee)  # type: ignore[return-value]


def _callee(target: FixTarget) -> cst.BaseExpression:
    for node in target.nodes_at():
        if isinstance(node, cst.Call):
            return node.func
    for node in target.nodes_at():
        if isinstance(node, cst.Name | cst.Attribute):
            call = target.enclosing(cst.Call, node)
            if call.func is node:
                return node
    raise FixError("no call at the finding's position; re-run the analysis")


def _existing_reference(module: cst.Module, parts: list[str]) -> str | None:
    """The shortest spelling of `parts` through an import the module already has, longest package first."""
    for split in range(len(parts) - 1, 0, -1):
        package, name, rest = ".".join(parts[:split]), parts[split], parts[split + 1 :]
        found = reference_to(module, package, name)
        if found is not None:
            return ".".join((found, *rest))
    return None
