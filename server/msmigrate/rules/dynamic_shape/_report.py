"""How severe a data-dependent shape is where it occurs, and how the dynamic-shape rules say so.

- in code MindSpore compiles (graph scope): a warning, or an error where MindSpore 2.10 refuses to
  compile it (measured);
- in other code of a MindSpore file, or in `construct` of a file that runs in PYNATIVE_MODE: a hint,
  since nothing is compiled there yet;
- in a PyTorch file: information for the port, phrased as what it becomes in MindSpore. No fix is
  offered there: the fixes write MindSpore code.
"""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import FixOffer, Severity, Span
from msmigrate.rules.base import RuleContext
from msmigrate.rules.dynamic_shape._apis import is_torch_file


def in_compiled_graph(context: RuleContext) -> bool:
    scope = context.scope
    return scope is not None and not scope.capped_to_hint


def report_dynamic(
    context: RuleContext,
    where: ast.AST | Span,
    subject: str,
    detail: str,
    *,
    torch_api: bool = False,
    compile_error: str | None = None,
    fixes: tuple[FixOffer, ...] = (),
) -> None:
    """Report `subject` (e.g. "`ops.masked_select(...)`") whose output shape `detail` explains.

    `compile_error` is MindSpore's own complaint where the graph does not compile at all.
    """
    if is_torch_file(context) or (torch_api and context.scope is None):
        message = f"{subject} {detail}: this becomes dynamic in MindSpore; keep a static shape (a mask) when porting"
        context.report(where, message, Severity.INFORMATION)
        return
    if in_compiled_graph(context):
        scope = context.scope_description()
        if compile_error is not None:
            context.report(where, f"{subject} {scope} does not compile: {compile_error}", Severity.ERROR)
            return
        message = f"{subject} {scope} {detail}: the graph gets a dynamic shape here"
        context.report(where, message, Severity.WARNING, fixes=fixes)
        return
    reason = " (this file runs in PYNATIVE_MODE)" if context.scope is not None else ""
    message = f"{subject} {detail}: this makes shapes dynamic once it is compiled in GRAPH_MODE{reason}"
    context.report(where, message, Severity.HINT, fixes=fixes)
