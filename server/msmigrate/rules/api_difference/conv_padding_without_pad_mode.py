"""MSA005: a convolution's `padding` that MindSpore rejects — no `pad_mode="pad"`, or torch's padding layout."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.rules.api_difference._layers import LayerCall, last_names, layer_call, literal_ints
from msmigrate.rules.base import Rule, RuleContext

FIX_ID = "conv-pad-mode"
# The convolution layers and their number of spatial dimensions.
CONV_APIS: dict[str, int] = {
    "mindspore.nn.Conv1d": 1,
    "mindspore.nn.Conv2d": 2,
    "mindspore.nn.Conv3d": 3,
    "mindspore.nn.Conv1dTranspose": 1,
    "mindspore.nn.Conv2dTranspose": 2,
    "mindspore.nn.Conv3dTranspose": 3,
}
CONV_LAYERS = frozenset(CONV_APIS)
PAD = "pad"
# PyTorch's `padding='same'` / `'valid'` are MindSpore pad modes of the same name.
STRING_PADDINGS = frozenset({"same", "valid"})


class ConvPaddingWithoutPadMode(Rule):
    """A convolution's `padding` that MindSpore 2.10 rejects at construction.

    **What it does**

    Flags `mindspore.nn.Conv1d/2d/3d` and `Conv1d/2d/3dTranspose` calls whose `padding`:

    - is not zero while `pad_mode` is not `"pad"` — including when `pad_mode` is left to its default,
      `"same"` (`nn.Conv2d(3, 16, 3, padding=1)`);
    - has PyTorch's layout: one amount per spatial dimension (`padding=(1, 2)` for a 2-D convolution),
      a list, or a one-element tuple for a 1-D convolution;
    - is PyTorch's string form (`padding="same"`).

    A literal value gives an error; a computed `padding` without `pad_mode="pad"` gives a warning (it
    fails unless it is zero).

    **Why is this bad?**

    Measured on MindSpore 2.10, every case raises when the layer is built:

    - `nn.Conv2d(3, 4, 3, padding=1)`: `ValueError: For 'Conv2D', the 'pad' must be zero when 'pad_mode'
      is not 'pad', but got 'pad': 1 and 'pad_mode': same.` (the same for the 1-D, 3-D and transposed
      layers, and for an explicit `pad_mode="valid"`);
    - `nn.Conv2d(3, 4, 3, pad_mode="pad", padding=(1, 1))`: `ValueError: ... the 'pad size' must be int
      and must = 4` — MindSpore takes one amount per side, `(top, bottom, left, right)`, and `(d, d, h, h,
      w, w)` in 3-D; `nn.Conv1d` takes an int only, and a list is a `TypeError`;
    - `padding="same"`: `TypeError: ... the type of 'padding' must be int or tuple(int), but got str`.

    **Example**

    ```python
    self.conv = nn.Conv2d(3, 16, 3, padding=1)
    self.wide = nn.Conv2d(16, 16, 3, pad_mode="pad", padding=(1, 2))
    ```

    **Use instead**

    ```python
    self.conv = nn.Conv2d(3, 16, 3, pad_mode="pad", padding=1)
    self.wide = nn.Conv2d(16, 16, 3, pad_mode="pad", padding=(1, 1, 2, 2))
    ```

    **Fix safety**

    Adding `pad_mode="pad"` (and writing the padding per side, or `padding="same"` as
    `pad_mode="same"`) is safe: it removes a certain construction error, and an oracle test shows the
    fixed layer computes what PyTorch's layer with that padding computes (same weights, same input) for
    every convolution kind. Also adding `has_bias=True` — PyTorch's default bias — is offered as unsafe.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/Conv2d.html
    """

    code = "MSA005"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(CONV_LAYERS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        layer = layer_call(node, context, CONV_LAYERS)
        if layer is None or layer.arguments.uncertain:
            return
        padding = layer.arguments.get("padding")
        if padding is None:
            return
        problem = _padding_problem(layer, padding)
        if problem is None:
            return
        fixes = [FixOffer(problem.fix_title, FixSafety.SAFE, FIX_ID, problem.fix_params)]
        message = problem.message
        if _bias_left_to_default(layer):
            message += "; note that `has_bias` defaults to False where PyTorch's `bias` defaults to True"
            fixes.append(
                FixOffer(
                    f"{problem.fix_title} and `has_bias=True` (PyTorch's default bias)",
                    FixSafety.UNSAFE,
                    FIX_ID,
                    (*problem.fix_params, ("has_bias", True)),
                )
            )
        context.report(node, message, problem.severity, fixes=tuple(fixes))


@dataclass(frozen=True)
class _Problem:
    severity: Severity
    message: str
    fix_title: str
    fix_params: tuple[tuple[str, object], ...]


def _padding_problem(layer: LayerCall, padding: ast.expr) -> _Problem | None:
    dimensions = CONV_APIS[layer.api]
    shown = f"`{layer.shown}(..., padding={ast.unparse(padding)})`"
    base_params: tuple[tuple[str, object], ...] = (("api", layer.api),)
    if isinstance(padding, ast.Constant) and isinstance(padding.value, str):
        mode = padding.value
        if mode not in STRING_PADDINGS:
            return None
        return _Problem(
            Severity.ERROR,
            f"{shown} raises TypeError: MindSpore's `padding` takes numbers only; PyTorch's "
            f'`padding="{mode}"` is `pad_mode="{mode}"`',
            f'Use `pad_mode="{mode}"`',
            (*base_params, ("pad_mode", mode), ("padding", "")),
        )
    pad_mode = _pad_mode(layer)
    amounts = literal_ints(padding)
    if amounts is None:
        if pad_mode is None or pad_mode == PAD:
            return None
        return _Problem(
            Severity.WARNING,
            f"{shown} raises ValueError at construction unless `{ast.unparse(padding)}` is 0: MindSpore applies "
            f'`padding` only with `pad_mode="pad"`, and `pad_mode` is {pad_mode!r}; add `pad_mode="pad"`',
            'Add `pad_mode="pad"`',
            (*base_params, ("pad_mode", PAD)),
        )
    per_side = _per_side(padding, amounts, dimensions)
    needs_pad_mode = any(amounts) and pad_mode is not None and pad_mode != PAD
    if per_side is None and not needs_pad_mode:
        return None
    reasons: list[str] = []
    params: list[tuple[str, object]] = list(base_params)
    changes: list[str] = []
    if needs_pad_mode:
        reasons.append(f'MindSpore applies `padding` only with `pad_mode="pad"`, and `pad_mode` is {pad_mode!r}')
        params.append(("pad_mode", PAD))
        changes.append('`pad_mode="pad"`')
    if per_side is not None:
        layout = "an int" if dimensions == 1 else f"a tuple of {2 * dimensions} amounts, one per side"
        name = layer.api.rsplit(".", 1)[1]
        reasons.append(f"MindSpore's {name} takes {layout}: PyTorch's `{ast.unparse(padding)}` is `{per_side}`")
        params.append(("padding", per_side))
        changes.append(f"`padding={per_side}`")
    error = "TypeError" if per_side is not None and (dimensions == 1 or isinstance(padding, ast.List)) else "ValueError"
    verb = "Add" if per_side is None else "Use"
    return _Problem(
        Severity.ERROR,
        f"{shown} raises {error} at construction: {'; '.join(reasons)}",
        f"{verb} {' and '.join(changes)}",
        tuple(params),
    )


def _pad_mode(layer: LayerCall) -> str | None:
    """The pad mode the call ends up with: the literal it passes, else the installed default; None if computed."""
    given = layer.arguments.get("pad_mode")
    if given is None:
        default = layer.arguments.default_of("pad_mode")
        return _string_literal(default) if default is not None else None
    if isinstance(given, ast.Constant) and isinstance(given.value, str):
        return given.value
    return None


def _string_literal(text: str) -> str | None:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _per_side(padding: ast.expr, amounts: tuple[int, ...], dimensions: int) -> str | None:
    """MindSpore's spelling of a padding sequence written as PyTorch writes it; None when there is nothing to change.

    PyTorch gives one amount per spatial dimension (a tuple or a list); MindSpore takes an int for 1-D
    layers and a tuple with one amount per side, `(top, bottom, left, right)`, for 2-D and 3-D ones.
    """
    if not isinstance(padding, ast.Tuple | ast.List):
        return None
    if dimensions == 1:
        return str(amounts[0]) if len(amounts) == 1 else None
    if len(amounts) == dimensions:
        return str(tuple(amount for amount in amounts for _ in range(2)))
    if len(amounts) == 2 * dimensions and isinstance(padding, ast.List):
        return str(amounts)
    return None


def _bias_left_to_default(layer: LayerCall) -> bool:
    return layer.arguments.left_to_default("has_bias") and not layer.keyword_given("bias")
