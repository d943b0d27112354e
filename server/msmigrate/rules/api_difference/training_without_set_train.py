"""MSA002: a file that trains a MindSpore network but never puts it in training mode (`set_train()`)."""

from __future__ import annotations

import ast
import re

from msmigrate.analysis.findings import Category, Severity
from msmigrate.rules.api_difference._layers import could_name
from msmigrate.rules.base import Rule, RuleContext

# Calls that compute gradients for a training step. None of them changes a Cell's mode (measured on
# 2.10: after `value_and_grad(...)(x)` and after calling a `TrainOneStepCell`, `training` is still False).
TRAINING_CALLS = frozenset(
    {
        "mindspore.value_and_grad",
        "mindspore.grad",
        "mindspore.ops.value_and_grad",
        "mindspore.ops.grad",
        "mindspore.ops.GradOperation",
        "mindspore.ops.composite.GradOperation",
        "mindspore.nn.TrainOneStepCell",
        "mindspore.nn.TrainOneStepWithLossScaleCell",
    }
)
# `Model(net, loss_fn, optimizer)` and `Model(...).train(...)` put the network in training mode themselves.
MODEL_CLASSES = frozenset({"mindspore.Model", "mindspore.train.Model", "mindspore.train.model.Model"})
# Layers whose result depends on the mode: Dropout is the identity and BatchNorm uses (and does not
# update) its moving statistics in inference mode.
MODE_DEPENDENT_LAYERS = frozenset(
    {
        *(f"mindspore.nn.{name}" for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d")),
        *(f"mindspore.nn.{name}" for name in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm")),
        *(f"mindspore.mint.nn.{name}" for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d")),
        *(f"mindspore.mint.nn.{name}" for name in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm")),
    }
)
_SET_TRAIN = re.compile(r"\.set_train\s*\((?P<arguments>[^)]*)\)")
_TRAINING_OFF = re.compile(r"^\s*(mode\s*=\s*)?(False|0)\s*$")
_MODEL_CALL = re.compile(r"(?P<callee>\b[A-Za-z_][\w.]*\bModel)\s*\(")
SHOWN_LAYERS = 3


class TrainingWithoutSetTrain(Rule):
    """The file trains a network but never calls `set_train()`: Dropout and BatchNorm stay in inference mode.

    **What it does**

    Flags the first training call of a file — `value_and_grad`, `grad`, `GradOperation`,
    `TrainOneStepCell` — when the file calls `.set_train()` (or `.set_train(True)`) nowhere and builds
    no `Model(...)`, which sets the mode itself. A warning when the file also builds Dropout or BatchNorm
    layers (the lines are named); information otherwise, since the network may come from, and be put in
    training mode by, another file.

    **Why is this bad?**

    A MindSpore Cell starts in inference mode — `Cell.training` is False after construction (measured on
    2.10) — where a torch Module starts in training mode. Computing gradients does not change the mode:
    after `value_and_grad(...)` runs, or a `TrainOneStepCell` is called, `training` is still False. So
    a port that trains without `set_train()` trains with Dropout as the identity (measured: the gradient
    through `nn.Dropout(p=0.5)` was all ones; after `set_train()` half of it was 0 and the rest 2) and with
    BatchNorm normalising by, and never updating, its initial moving statistics. Nothing fails; the model
    just trains worse. `Model(net, loss_fn, optimizer)` and `Model.train` do call `set_train()`.

    **Example**

    ```python
    net = Net()  # has nn.Dropout and nn.BatchNorm2d
    grad_fn = ms.value_and_grad(forward_fn, None, optimizer.parameters)
    for data, label in dataset:
        loss, grads = grad_fn(data, label)
        optimizer(grads)
    ```

    **Use instead**

    ```python
    net = Net()
    net.set_train()
    grad_fn = ms.value_and_grad(forward_fn, None, optimizer.parameters)
    ```

    **Fix safety**

    No automatic fix: which Cell to switch, and where, is the author's choice (switch the outermost
    network once before the loop, and back with `set_train(False)` for evaluation).

    **References**

    https://www.mindspore.cn/docs/en/r2.6.0/api_python/nn/mindspore.nn.Cell.html
    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/Dropout.html
    """

    code = "MSA002"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)

    def __init__(self) -> None:
        # A rule object lives for one analysis: report once per file.
        self._reported = False

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        if self._reported or not could_name(node.func, TRAINING_CALLS):
            return
        names = context.qualified_names(node.func)
        if not names or not names <= TRAINING_CALLS:
            return
        self._reported = True
        text = context.source.text
        if _turns_training_on(text) or _builds_a_model(text, context):
            return
        layers = _mode_dependent_layers(context)
        shown = f"`{ast.unparse(node.func)}`"
        if layers:
            named = ", ".join(f"`{name}` (line {line})" for line, name in layers[:SHOWN_LAYERS])
            more = f" and {len(layers) - SHOWN_LAYERS} more" if len(layers) > SHOWN_LAYERS else ""
            message = (
                f"{shown} trains, but this file never calls `set_train()`: MindSpore Cells start in inference "
                f"mode, so {named}{more} behave as in evaluation (Dropout is the identity, BatchNorm uses and "
                "never updates its moving statistics). Call `net.set_train()` before training"
            )
            context.report(node, message, Severity.WARNING)
            return
        message = (
            f"{shown} trains, but this file never calls `set_train()`: MindSpore Cells start in inference mode, "
            "so any Dropout is the identity and BatchNorm uses and never updates its moving statistics. Call "
            "`net.set_train()` before training, unless the network is switched elsewhere"
        )
        context.report(node, message, Severity.INFORMATION)


def _code_part(line: str) -> str:
    """The line without its comment (a `#` inside a string literal does not start one)."""
    quote: str | None = None
    for index, char in enumerate(line):
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:index]
    return line


def _turns_training_on(text: str) -> bool:
    """Some `.set_train(...)` call in the file other than `set_train(False)`.

    Read from the text, since a rule sees the file's calls one at a time and the `set_train` may come
    after the training call. A mention in a docstring counts too: the rule then stays silent.
    """
    if "set_train" not in text:
        return False
    for line in text.splitlines():
        if "set_train" not in line:
            continue
        for match in _SET_TRAIN.finditer(_code_part(line)):
            if not _TRAINING_OFF.match(match.group("arguments")):
                return True
    return False


def _builds_a_model(text: str, context: RuleContext) -> bool:
    if "Model" not in text:
        return False
    for line in text.splitlines():
        if "Model" not in line:
            continue
        for match in _MODEL_CALL.finditer(_code_part(line)):
            try:
                callee = ast.parse(match.group("callee"), mode="eval").body
            except SyntaxError:
                continue
            if context.facts.imports.qualified_names(callee) & MODEL_CLASSES:
                return True
    return False


def _mode_dependent_layers(context: RuleContext) -> list[tuple[int, str]]:
    """(line, callee as written) of every Dropout / BatchNorm the file's functions and methods build."""
    facts = context.facts
    functions = [*facts.functions.values(), *(m for info in facts.classes.values() for m in info.methods.values())]
    found: list[tuple[int, str]] = []
    for function in functions:
        imports = facts.imports_for(function)
        for node in facts.index_of(function).nodes:
            if isinstance(node, ast.Call) and imports.qualified_names(node.func) & MODE_DEPENDENT_LAYERS:
                found.append((node.lineno, ast.unparse(node.func)))
    return sorted(found)
