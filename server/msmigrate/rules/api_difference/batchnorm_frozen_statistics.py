"""MSA004: BatchNorm `use_batch_statistics=False`, frozen statistics: how `track_running_stats=False` gets ported."""

from __future__ import annotations

import ast

from msmigrate.analysis.findings import Category, FixSafety, Severity
from msmigrate.rules.api_difference._layers import last_names, layer_call, set_argument_offer, transformed_value
from msmigrate.rules.api_difference.batchnorm_momentum_as_torch import BATCHNORM_APIS
from msmigrate.rules.base import Rule, RuleContext

USE_BATCH_STATISTICS = "use_batch_statistics"
TRACK_RUNNING_STATS = "track_running_stats"


class BatchNormFrozenStatistics(Rule):
    """`use_batch_statistics=False` freezes BatchNorm; torch's `track_running_stats=False` is `True`.

    **What it does**

    Flags `mindspore.nn.BatchNorm1d/2d/3d` and `SyncBatchNorm` calls that pass
    `use_batch_statistics=False`, at information level: freezing BatchNorm is a legitimate choice
    (fine-tuning), but it is also what a port of torch's `track_running_stats=False` looks like.

    **Why is this bad?**

    Measured on MindSpore 2.10, against torch 2.13:

    - `None` (the default): batch statistics after `set_train()` (moving ones updated), moving statistics
      in inference mode; torch's `track_running_stats=True` (the default);
    - `True`: batch statistics in both modes (moving ones still updated); torch's
      `track_running_stats=False`;
    - `False`: moving statistics in both modes, never updated; no torch keyword (a torch BatchNorm kept in
      `eval()` while training).

    So `use_batch_statistics=False` normalises with the initial moving statistics (mean 0, variance 1)
    forever unless they are loaded from a checkpoint: BatchNorm reduces to a fixed affine map. torch's
    `track_running_stats=False` (always batch statistics) is `use_batch_statistics=True`. torch's keyword
    itself is rejected by MindSpore (`TypeError: got an unexpected keyword argument
    'track_running_stats'`); the mapping data holds the value conversion.

    **Example**

    ```python
    self.bn = nn.BatchNorm2d(64, use_batch_statistics=False)  # ported from track_running_stats=False
    ```

    **Use instead**

    ```python
    self.bn = nn.BatchNorm2d(64, use_batch_statistics=True)
    ```

    **Fix safety**

    `use_batch_statistics=True` gives torch's `track_running_stats=False` outputs in both modes (oracle
    test) but assumes that was meant: unsafe. Keep `False` to freeze BatchNorm on purpose (`# noqa: MSA004`).

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/note/api_mapping/pytorch_diff/BatchNorm2d.html
    """

    code = "MSA004"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    callee_names = last_names(BATCHNORM_APIS)

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        layer = layer_call(node, context, BATCHNORM_APIS)
        if layer is None:
            return
        value = layer.arguments.get(USE_BATCH_STATISTICS)
        if not (isinstance(value, ast.Constant) and value.value is False):
            return
        counterpart = layer.counterpart
        record = counterpart.param(TRACK_RUNNING_STATS) if counterpart is not None else None
        if record is None or record.transform is None:
            return
        try:
            torch_no_running_stats = transformed_value(record.transform, False)
        except ValueError:
            return
        message = (
            "`use_batch_statistics=False` normalises with the moving statistics even after `set_train()` and "
            "never updates them: BatchNorm is frozen. PyTorch's `track_running_stats=False` (batch statistics "
            f"always) is `use_batch_statistics={torch_no_running_stats!r}`; keep False only to freeze BatchNorm"
        )
        fix = set_argument_offer(
            f"Use `use_batch_statistics={torch_no_running_stats!r}` (PyTorch's track_running_stats=False)",
            FixSafety.UNSAFE,
            layer,
            USE_BATCH_STATISTICS,
            repr(torch_no_running_stats),
        )
        context.report(node, message, Severity.INFORMATION, fixes=(fix,))
