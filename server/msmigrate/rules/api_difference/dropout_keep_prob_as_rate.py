"""MSA001: `nn.Dropout` given `keep_prob` — positionally or by name — where a torch drop rate is likely."""

from __future__ import annotations

import ast
import re

from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.rules.api_difference._layers import (
    LayerCall,
    binds_cleanly,
    format_number,
    last_names,
    layer_call,
    mint_twin,
    percent,
    static_number,
    transformed_number,
    transformed_text,
)
from msmigrate.rules.api_difference._shared_fixes import switch_to_counterpart_offer
from msmigrate.rules.base import Rule, RuleContext

FIX_ID = "dropout-keep-prob-to-p"
DROPOUT_APIS = frozenset({"mindspore.nn.Dropout"})
TORCH_RATE_PARAMETER = "p"
# Below this, keep_prob keeps fewer activations than it drops: a rate nobody picks as keep_prob, and the
# usual torch drop rates (0.1 to 0.3).
LIKELY_TORCH_RATE = 0.5
# Words in a value's name that say which probability it holds.
_DROP_WORDS = re.compile(r"drop|rate|^p$", re.IGNORECASE)
_KEEP_WORDS = re.compile(r"keep", re.IGNORECASE)


class DropoutKeepProbAsRate(Rule):
    """`nn.Dropout(0.2)` keeps 20 % of activations: the first parameter is `keep_prob`, not torch's `p`.

    **What it does**

    Flags `mindspore.nn.Dropout` calls that pass `keep_prob` — the first positional argument, or
    `keep_prob=` — without `p=`:

    - warning when the value keeps less than half of the activations (`Dropout(0.2)`), or is a name that
      reads as a drop rate (`Dropout(config.dropout)`): almost surely a torch drop rate;
    - information for a positional value of 0.5 or more (`Dropout(0.8)`): either meaning is plausible;
    - hint for `keep_prob=` with a value that keeps at least half, a `keep…` name or `1 - rate`: MindSpore's
      meaning is clearly meant, and MindSpore 2.10 deprecates `keep_prob` (it logs "For Dropout, this
      parameter `keep_prob` will be deprecated, please use `p` instead").

    `mindspore.mint.nn.Dropout`, `nn.Dropout1d/2d/3d` and `ops.dropout` take a drop rate `p`, like torch,
    and are not flagged.

    **Why is this bad?**

    `torch.nn.Dropout(p)` zeroes a fraction `p` of the activations; `mindspore.nn.Dropout(keep_prob)`
    keeps a fraction `keep_prob`. Measured on MindSpore 2.10 in training mode, on 10,000 ones:
    `nn.Dropout(0.2)` zeroed 80.4 % and scaled the rest by 5.0; `nn.Dropout(p=0.2)` zeroed 19.7 % and
    scaled by 1.25, as torch's `Dropout(0.2)` does. A ported `Dropout(0.2)` trains with four times the
    intended dropout and nothing fails. `p=` wins when both are given.

    **Example**

    ```python
    self.dropout = nn.Dropout(0.2)
    ```

    **Use instead**

    ```python
    self.dropout = nn.Dropout(p=0.2)
    ```

    **Fix safety**

    `Dropout(0.2)` → `Dropout(p=0.2)` gives torch's meaning: unsafe, since it assumes the value was a torch
    drop rate. `keep_prob=0.9` → `p=0.1` keeps MindSpore's meaning exactly (the layer computes
    `keep_prob = 1 - p`): safe where MindSpore's meaning was clearly meant (a hint), unsafe where the
    finding doubts it. Switching to `mint.nn.Dropout` (which takes `p`) is unsafe: it has no CPU kernel in
    training mode in MindSpore 2.10.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/Dropout.html
    """

    code = "MSA001"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(DROPOUT_APIS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        layer = layer_call(node, context, DROPOUT_APIS)
        if layer is None:
            return
        arguments = layer.arguments
        if arguments.uncertain or arguments.given(TORCH_RATE_PARAMETER) or not arguments.given("keep_prob"):
            return
        counterpart = layer.counterpart
        rate = counterpart.param(TORCH_RATE_PARAMETER) if counterpart is not None else None
        transform = rate.transform if rate is not None and rate.mindspore == "keep_prob" else None
        if transform is None:
            return
        value = arguments.get("keep_prob")
        assert value is not None
        positional = "keep_prob" in arguments.by_position
        _Finding(layer, value, positional, transform, context).report()


class _Finding:
    """Severity, message and fixes for one `Dropout(keep_prob)` call."""

    def __init__(
        self, layer: LayerCall, value: ast.expr, positional: bool, transform: str, context: RuleContext
    ) -> None:
        self.layer = layer
        self.value = value
        self.positional = positional
        self.transform = transform
        self.context = context
        self.text = ast.unparse(value)
        self.number = static_number(value, context)

    def report(self) -> None:
        severity, message = self._judge()
        fixes: list[FixOffer] = []
        if severity is not Severity.HINT:
            fixes.append(
                FixOffer(
                    f"Use `p={self.text}` (PyTorch's `Dropout({self.text})`: drop {self._as_rate()})",
                    FixSafety.UNSAFE,
                    FIX_ID,
                    (("meaning", "torch"),),
                )
            )
        if severity is not Severity.WARNING:
            same = self._same_dropout_as_p()
            if same is not None:
                safety = FixSafety.SAFE if severity is Severity.HINT else FixSafety.UNSAFE
                title = f"Use `p={same}` (the same dropout without the deprecated `keep_prob`)"
                fixes.append(FixOffer(title, safety, FIX_ID, (("meaning", "mindspore"), ("p", same))))
        mint = mint_twin(self.layer.api)
        positional_fits_mint = mint is not None and self.positional and binds_cleanly(self.layer.call, mint.api)
        if severity is not Severity.HINT and positional_fits_mint:
            fixes.append(switch_to_counterpart_offer(mint))  # type: ignore[arg-type]
        self.context.report(self.layer.call, message, severity, fixes=tuple(fixes))

    def _judge(self) -> tuple[Severity, str]:
        call = f"`{self.layer.shown}({self.text})`" if self.positional else f"`keep_prob={self.text}`"
        if self.number is not None:
            keep = self.number.value
            origin = f" ({self.number.origin} is {format_number(keep)})" if self.number.origin else ""
            kept = f"{call}{origin} keeps {percent(keep)} of the activations and drops {percent(1 - keep)}"
            if keep < LIKELY_TORCH_RATE:
                why = (
                    "MindSpore's first parameter is `keep_prob`"
                    if self.positional
                    else "`keep_prob` is the fraction kept"
                )
                return Severity.WARNING, (
                    f"{kept}: {why}. PyTorch's `Dropout({self.text})` drops {percent(keep)}: write `p={self.text}`"
                )
            if self.positional and not _KEEP_WORDS.search(_value_name(self.value)):
                return Severity.INFORMATION, (
                    f"{kept} (MindSpore's first parameter is `keep_prob`); if this is PyTorch's "
                    f"`Dropout({self.text})`, which drops {percent(keep)}, write `p={self.text}`"
                )
            return Severity.HINT, f"{kept}; `keep_prob` is deprecated in MindSpore 2.10: write `p={self._same()}`"
        name = _value_name(self.value)
        if _DROP_WORDS.search(name) and not _KEEP_WORDS.search(name):
            return Severity.WARNING, (
                f"{call} passes `{self.text}`, which reads as a drop rate, as `keep_prob` (the probability to "
                f"keep): it keeps what it should drop. PyTorch's `Dropout({self.text})` is `Dropout(p={self.text})`"
            )
        if self.positional and not _is_complement(self.value) and not _KEEP_WORDS.search(name):
            return Severity.INFORMATION, (
                f"{call} passes `{self.text}` as `keep_prob` (MindSpore's first parameter, the probability to "
                f"keep); if it is PyTorch's drop rate, write `p={self.text}`"
            )
        return Severity.HINT, f"{call}: `keep_prob` is deprecated in MindSpore 2.10: write `p={self._same()}`"

    def _as_rate(self) -> str:
        return percent(self.number.value) if self.number is not None else f"a fraction `{self.text}`"

    def _same(self) -> str:
        return self._same_dropout_as_p() or f"1 - ({self.text})"

    def _same_dropout_as_p(self) -> str | None:
        """The `p` that drops what `keep_prob=value` drops: the torch→MindSpore transform is its own inverse."""
        if self.number is not None and self.number.origin is None:
            same = transformed_number(self.transform, self.number.value)
            return format_number(same) if same is not None else None
        return transformed_text(self.transform, self.value)


def _value_name(expr: ast.expr) -> str:
    """What a value is called: `dropout` for `config.dropout`, `cfg["drop_rate"]` or `dropout`; else ""."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) and isinstance(expr.slice.value, str):
        return expr.slice.value
    return ""


def _is_complement(expr: ast.expr) -> bool:
    """`1 - rate`: the code already converts a drop rate to keep_prob."""
    return isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Sub) and ast.unparse(expr.left) in ("1", "1.0")
