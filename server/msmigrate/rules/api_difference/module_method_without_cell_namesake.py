"""MSA105: in a PyTorch file, an `nn.Module` method whose `nn.Cell` equivalent has another name."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category
from msmigrate.mappings import load_mappings
from msmigrate.rules.api_difference._torch_files import FirstPerFile
from msmigrate.rules.base import Rule, RuleContext

# torch.nn.Module method -> what a MindSpore Cell offers instead. The mapping tables have no rows for
# Module methods; tests/unit/test_msa_torch_files.py checks every name here against namespaces.json.
CELL_EQUIVALENTS = {
    "parameters": "`get_parameters()` (a generator) or `trainable_params()` (a list of the trainable ones)",
    "named_parameters": "`parameters_and_names()` (a generator of (name, Parameter))",
    "named_children": "`name_cells()` (an OrderedDict name -> Cell, not pairs)",
    "children": "`cells()`",
    "named_modules": "`cells_and_names()`",
    "modules": "`cells_and_names()` (pairs; take the Cells)",
    "add_module": "`insert_child_to_cell(name, cell)`",
    "state_dict": "`parameters_dict()`",
    "train": "`set_train(True)`",
    "eval": "`set_train(False)` (a Cell starts in inference mode: call `set_train()` before training)",
}
MODULE = "torch.nn.Module"
CELL = "mindspore.nn.Cell"


class ModuleMethodWithoutCellNamesake(Rule):
    """A `torch.nn.Module` method that `mindspore.nn.Cell` offers under another name.

    **What it does**

    In files that use PyTorch only, flags calls of `parameters()`, `named_parameters()`,
    `named_children()`, `children()`, `named_modules()`, `modules()`, `add_module(...)`, `train()` and
    `eval()` with the `nn.Cell` method to use instead — only for methods the installed MindSpore 2.10
    `Cell` does not have under the PyTorch name (`state_dict`, `load_state_dict`, `apply`,
    `register_buffer` exist in 2.10 and are not flagged). The first call of a method in a file is
    information, later ones hints.

    **Why is this bad?**

    `Cell` has no such attribute: the ported line raises AttributeError. Some equivalents also return
    another shape (`name_cells()` is a dict, `parameters_and_names()` yields pairs like
    `named_parameters()`), so loops over them may need a change.

    **Example**

    ```python
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.eval()
    ```

    **Use instead**

    ```python
    optimizer = nn.Adam(net.trainable_params(), learning_rate=1e-3)
    net.set_train(False)
    ```

    **Fix safety**

    No fix: this is a PyTorch file.

    **References**

    https://www.mindspore.cn/docs/en/r2.6.0/api_python/nn/mindspore.nn.Cell.html
    """

    code = "MSA105"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    frameworks = frozenset({Framework.TORCH})

    def __init__(self) -> None:
        self._repeats = FirstPerFile()

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in CELL_EQUIVALENTS:
            return
        if context.qualified_names(func.value) or not _renamed_in_cell(func.attr):
            return
        severity, repeat = self._repeats.severity(func.attr, node.lineno)
        message = (
            f"`.{func.attr}()`: a MindSpore Cell has no `{func.attr}` in 2.10; its equivalent is "
            f"{CELL_EQUIVALENTS[func.attr]}{repeat}"
        )
        context.report(func, message, severity)


def _renamed_in_cell(method: str) -> bool:
    mappings = load_mappings()
    return mappings.has_member(f"{MODULE}.{method}") is True and mappings.has_member(f"{CELL}.{method}") is False
