"""MSA007: a PyTorch keyword on a MindSpore Conv, Dropout or BatchNorm layer (`bias=`, `groups=`, `padding_mode=`)."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.mappings import ParamDiff
from msmigrate.rules.api_difference._layers import (
    LayerCall,
    drop_keyword_offer,
    last_names,
    layer_call,
    set_argument_offer,
    transformed_value,
)
from msmigrate.rules.api_difference._shared_fixes import rename_keyword_offer
from msmigrate.rules.base import Rule, RuleContext

# The layers whose torch keywords this rule reports (MSA020, the generic keyword rule, leaves them alone):
# Conv `bias=`, `groups=`, `padding_mode=`, BatchNorm `track_running_stats=` (a value transform), and the
# Dropout / BatchNorm keywords the other layer rules fix.
LAYERS = frozenset(
    {
        "mindspore.nn.Conv1d",
        "mindspore.nn.Conv2d",
        "mindspore.nn.Conv3d",
        "mindspore.nn.Conv1dTranspose",
        "mindspore.nn.Conv2dTranspose",
        "mindspore.nn.Conv3dTranspose",
        "mindspore.nn.Dropout",
        "mindspore.nn.BatchNorm1d",
        "mindspore.nn.BatchNorm2d",
        "mindspore.nn.BatchNorm3d",
    }
)


class TorchKeywordOnLayer(Rule):
    """A PyTorch keyword that MindSpore's Conv, Dropout or BatchNorm layer does not accept.

    **What it does**

    Flags each keyword argument of a `mindspore.nn` convolution (`Conv1d/2d/3d`, `Conv1d/2d/3dTranspose`),
    `Dropout` or `BatchNorm1d/2d/3d` call that the installed signature does not accept, and says what
    MindSpore takes instead, from the mapping data:

    - a rename: `bias=` → `has_bias=`, `groups=` → `group=`;
    - a value conversion: `track_running_stats=False` → `use_batch_statistics=True`;
    - no counterpart: `padding_mode=` (MindSpore's convolutions always pad with zeros; `pad_mode` is
      something else), Dropout's `inplace=`, `device=`.

    The generic rule MSA020 leaves these layers' keywords to this rule.

    **Why is this bad?**

    The layer is never built: MindSpore 2.10 raises `TypeError: ... got an unexpected keyword argument
    'bias'` (measured for `bias`, `groups`, `padding_mode` on `nn.Conv2d`, `track_running_stats` on
    `nn.BatchNorm2d`). The tempting renames are wrong for two of them: `padding_mode="zeros"` is not
    `pad_mode` (that chooses how much to pad: `"same"`, `"valid"`, `"pad"`), and
    `track_running_stats=False` is `use_batch_statistics=True`, not `False` (see MSA004).

    **Example**

    ```python
    self.conv = nn.Conv2d(64, 64, 3, pad_mode="pad", padding=1, bias=False, groups=4)
    self.bn = nn.BatchNorm2d(64, track_running_stats=False)
    ```

    **Use instead**

    ```python
    self.conv = nn.Conv2d(64, 64, 3, pad_mode="pad", padding=1, has_bias=False, group=4)
    self.bn = nn.BatchNorm2d(64, use_batch_statistics=True)
    ```

    **Fix safety**

    Renames and the `track_running_stats` conversion are safe: they remove a certain `TypeError`, and an
    oracle test shows the fixed layer computes what the PyTorch layer computes (same weights, same input;
    BatchNorm in training and inference mode). Removing a keyword without counterpart is safe when its
    value is PyTorch's default (`padding_mode="zeros"`, `inplace=False`), unsafe otherwise (other padding,
    other behaviour). The `mint` layers take PyTorch's keywords (`mint.nn.Conv2d(padding_mode="reflect")`)
    but the mint convolutions have no CPU kernel in MindSpore 2.10; the message names them, no fix switches.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/Conv2d.html
    """

    code = "MSA007"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    covers_keywords_of = LAYERS
    callee_names = last_names(LAYERS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        layer = layer_call(node, context, LAYERS)
        if layer is None:
            return
        counterpart = layer.counterpart
        for keyword in layer.arguments.unknown_keywords:
            assert keyword.arg is not None
            record = counterpart.param(keyword.arg) if counterpart is not None else None
            message, fixes = _advice(layer, keyword, record)
            context.report(keyword, message, Severity.ERROR, fixes=fixes)


def _advice(layer: LayerCall, keyword: ast.keyword, record: ParamDiff | None) -> tuple[str, tuple[FixOffer, ...]]:
    name = keyword.arg
    layer_name = layer.api.rsplit(".", 1)[1]
    written = f"`{name}={ast.unparse(keyword.value)}`"
    error = f"`{layer.shown}(...)` raises TypeError (unexpected keyword argument '{name}')"
    if record is None:
        return f"{error}: `{name}` is not a parameter of MindSpore's {layer_name}", ()
    if record.kind == "rename" and record.mindspore:
        message = f"{error}: PyTorch's `{name}` is `{record.mindspore}` in MindSpore's {layer_name}"
        return message, (rename_keyword_offer(name, record.mindspore, FixSafety.SAFE),)  # type: ignore[arg-type]
    if record.kind == "transform" and record.mindspore and record.transform:
        converted = _converted(record.transform, keyword.value)
        if converted is None:
            message = (
                f"{error}: MindSpore's {layer_name} takes `{record.mindspore}`, with another meaning. {record.note}"
            )
            return message, ()
        replacement = f"{record.mindspore}={converted}"
        message = f"{error}: PyTorch's {written} is `{replacement}` in MindSpore's {layer_name}"
        fix = set_argument_offer(
            f"Use `{replacement}`", FixSafety.SAFE, layer, record.mindspore, converted, replaces=name
        )
        return message, (fix,)
    if record.kind == "torch_only":
        default = _is_torch_default(keyword.value, record.torch_default)
        safety = FixSafety.SAFE if default else FixSafety.UNSAFE
        why = "PyTorch's default, what MindSpore does" if default else "MindSpore has no equivalent"
        message = f"{error}: MindSpore's {layer_name} has no `{name}`{_explained(record.note)}"
        return message, (drop_keyword_offer(f"Remove {written} ({why})", safety, name),)  # type: ignore[arg-type]
    return f"{error}: `{name}` is not a parameter of MindSpore's {layer_name}{_explained(record.note)}", ()


def _explained(note: str) -> str:
    """The data's note as a second sentence, unless it only repeats that the parameter is missing."""
    says_only_missing = note.startswith(("not in MindSpore", "torch-only")) and len(note) < len("not in MindSpore") + 4
    return "" if not note or says_only_missing else f". {note}"


def _converted(transform: str, value: ast.expr) -> str | None:
    """The MindSpore value, as source, for a literal torch value; None when it cannot be computed."""
    try:
        literal = ast.literal_eval(value)
        return repr(transformed_value(transform, literal))
    except ValueError:
        return None


def _is_torch_default(value: ast.expr, torch_default: str | None) -> bool:
    if torch_default is None:
        return False
    try:
        return ast.literal_eval(value) == ast.literal_eval(torch_default)
    except ValueError:
        return False
