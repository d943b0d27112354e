"""MSA006: a convolution left to MindSpore's defaults (`pad_mode="same"`, no bias) that looks ported from PyTorch."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, FixOffer, FixSafety, Severity
from msmigrate.rules.api_difference._layers import last_names, layer_call, literal_ints, torch_twin
from msmigrate.rules.api_difference.conv_padding_without_pad_mode import CONV_LAYERS, FIX_ID, PAD
from msmigrate.rules.base import Rule, RuleContext

BIAS = "bias"


class ConvDefaultsDifferFromTorch(Rule):
    """A convolution on MindSpore's defaults pads "same" and has no bias, unlike PyTorch's.

    **What it does**

    Flags, at information level, `mindspore.nn.Conv1d/2d/3d` and `Conv1d/2d/3dTranspose` calls with a
    literal kernel larger than 1 that pass neither `pad_mode` nor `has_bias` (nor torch's `bias=`) and no
    non-zero `padding`: the shape of a line copied from PyTorch, where these defaults mean something else.

    **Why is this bad?**

    MindSpore 2.10's defaults are `pad_mode="same"` and `has_bias=False`; PyTorch's are `padding=0` and
    `bias=True`. Measured on an 8x8 input: `nn.Conv2d(3, 4, 3)` returns 8x8 and has no bias parameter;
    torch's `Conv2d(3, 4, 3)` returns 6x6 and adds a bias. A transposed convolution at stride 2 returns
    16x16 where torch's returns 15x15 (11x11 from 5x5). The port still runs where the next layer's shape
    fits, with other activations and one parameter fewer per layer, and torch checkpoints no longer load.
    Native MindSpore code often wants exactly these defaults, which is why this is information only.

    **Example**

    ```python
    self.conv = nn.Conv2d(3, 16, 3)  # copied from torch.nn.Conv2d(3, 16, 3)
    ```

    **Use instead**

    ```python
    self.conv = nn.Conv2d(3, 16, 3, pad_mode="pad", has_bias=True)
    ```

    **Fix safety**

    Adding `pad_mode="pad", has_bias=True` gives PyTorch's layer (an oracle test compares outputs with
    copied weights for every convolution kind) but changes what the MindSpore code computes: unsafe.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/Conv2d.html
    """

    code = "MSA006"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(CONV_LAYERS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        layer = layer_call(node, context, CONV_LAYERS)
        if layer is None or layer.arguments.uncertain:
            return
        arguments = layer.arguments
        if not (arguments.left_to_default("pad_mode") and arguments.left_to_default("has_bias")):
            return
        if layer.keyword_given(BIAS):
            return
        padding = arguments.get("padding")
        if padding is not None and (literal_ints(padding) is None or any(literal_ints(padding) or ())):
            return
        kernel = literal_ints(arguments.get("kernel_size"))
        if kernel is None or max(kernel) <= 1:
            return
        pad_mode_default = arguments.default_of("pad_mode")
        bias_default = arguments.default_of("has_bias")
        counterpart = layer.counterpart
        bias_record = counterpart.param(BIAS) if counterpart is not None else None
        if bias_record is None or bias_record.torch_default is None or pad_mode_default is None:
            return
        torch_api = torch_twin(layer.api)
        torch_name = torch_api.rsplit(".", 1)[-1] if torch_api else "convolution"
        torch_call = f"`{torch_name}({', '.join(ast.unparse(argument) for argument in node.args)})`"
        output = "input * stride" if "Transpose" in layer.api else "ceil(input / stride)"
        message = (
            f"`{layer.shown}(...)` uses MindSpore's defaults `pad_mode={pad_mode_default}` (output size {output}) "
            f"and `has_bias={bias_default}`; PyTorch's {torch_call} pads nothing (`padding=0`) and has "
            f"`bias={bias_record.torch_default}`. If this line was ported from PyTorch, pass "
            f'`pad_mode="{PAD}", has_bias=True`'
        )
        fix = FixOffer(
            f'Use PyTorch\'s defaults: `pad_mode="{PAD}", has_bias=True`',
            FixSafety.UNSAFE,
            FIX_ID,
            (("api", layer.api), ("pad_mode", PAD), ("has_bias", True)),
        )
        context.report(node, message, Severity.INFORMATION, fixes=(fix,))
