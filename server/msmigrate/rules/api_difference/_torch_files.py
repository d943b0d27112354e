"""What the PyTorch-file rules (MSA100-MSA105) share: torch callee names, repeat damping, diff summaries.

These rules inform a port before it starts; they must not bury a 300-call file in diagnostics. A kind
of finding is reported at INFORMATION the first time per file and at HINT after that (the message says
where the first one is), so the Problems panel shows each topic once.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Hashable

from msmigrate.analysis.findings import Severity
from msmigrate.mappings import REQUIRED, Counterpart
from msmigrate.rules.base import RuleContext

TORCH_ROOT = "torch"
# Parameter differences worth a line in a message; more are behind the doc link.
MAX_LISTED_DIFFERENCES = 4
# `x`, the torch value, in a transform of the mapping data (`1 - x`).
_TRANSFORM_INPUT = re.compile(r"\bx\b")


# Four rules ask for the same callee's names on every call of a file; the answer is kept on the node (a
# tree lives for one analysis, and a node belongs to one code unit, so to one import table).
_MEMO_ATTRIBUTE = "_msmigrate_torch_names"


def torch_names(context: RuleContext, expr: ast.expr) -> frozenset[str]:
    """The callee's qualified names when every candidate is a torch name; else empty."""
    memo = getattr(expr, _MEMO_ATTRIBUTE, None)
    if memo is not None:
        return memo
    names = context.qualified_names(expr)
    if not (names and all(name == TORCH_ROOT or name.startswith(TORCH_ROOT + ".") for name in names)):
        names = frozenset()
    setattr(expr, _MEMO_ATTRIBUTE, names)
    return names


class FirstPerFile:
    """INFORMATION for the first finding of a key in a file, HINT (pointing back) for the rest.

    Rules are instantiated once per analysis, so an instance holds one file's keys. The engine visits
    functions in file order, nodes within a function outer-first, which is near enough to line order.
    """

    def __init__(self) -> None:
        self._first_line: dict[Hashable, int] = {}

    def severity(self, key: Hashable, line: int) -> tuple[Severity, str]:
        """The severity of a finding at `line`, and a suffix for its message."""
        first = self._first_line.setdefault(key, line)
        if first == line:
            return Severity.INFORMATION, ""
        return Severity.HINT, f" (as on line {first})"


def differences(counterpart: Counterpart) -> str:
    """`in_features → in_channels, bias → has_bias, padding_mode: PyTorch only` from the mapping data."""
    items: list[str] = []
    for diff in counterpart.params:
        if diff.source == "introspection" and diff.kind != "rename":
            continue  # `out=`, `device=`: every torch function has them
        if diff.torch_is_self or diff.ms_is_self:
            continue
        if diff.kind == "rename" and diff.torch and diff.mindspore and diff.torch != "input":
            items.append(f"{diff.torch} → {diff.mindspore}")
        elif diff.kind == "transform" and diff.torch:
            items.append(f"{diff.mindspore} = {_TRANSFORM_INPUT.sub(diff.torch, diff.transform or '')}")
        elif diff.kind == "default" and diff.torch and diff.defaults_differ:
            items.append(f"{diff.torch} default {_shown(diff.torch_default)} vs {_shown(diff.ms_default)}")
        elif diff.kind == "torch_only" and diff.torch:
            items.append(f"{diff.torch}: PyTorch only")
        if len(items) == MAX_LISTED_DIFFERENCES:
            break
    return ", ".join(items)


def _shown(default: str | None) -> str:
    return "required" if default == REQUIRED else str(default)


def doc_link(counterpart: Counterpart) -> str | None:
    return counterpart.diff_page or counterpart.links.get("mindspore_api")
