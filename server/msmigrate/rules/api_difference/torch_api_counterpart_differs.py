"""MSA101: in a PyTorch file, a call whose MindSpore counterpart behaves or is called differently."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category, Severity
from msmigrate.mappings import Counterpart, load_mappings
from msmigrate.rules.api_difference._shared_fixes import short_name
from msmigrate.rules.api_difference._torch_files import differences, doc_link, torch_names
from msmigrate.rules.base import Rule, RuleContext

# How the tables open a "differs" row whose function is the same ("Consistent function, MindSpore has ...",
# "The functions are consistent, but ...").
CONSISTENT_BUT = ("consistent function", "the functions are consistent", "consistent functions")


class TorchApiCounterpartDiffers(Rule):
    """A PyTorch API whose MindSpore counterpart differs, in a file being prepared for a port.

    **What it does**

    In files that use PyTorch only, flags calls of PyTorch APIs (resolved through the imports:
    `nn.Linear(...)`, `F.interpolate(...)`, `torch.std(...)`) whose preferred MindSpore counterpart
    — the current table's (mostly `mindspore.mint`), else the r2.4.10 table's (`nn` / `ops`) — is
    marked as differing. The hint gives the table's description, the main parameter differences and
    the difference page. Rows the tables call "consistent, but ..." with no difference a port must act
    on (only MindSpore-only extra parameters such as `weight_init`) are skipped. Calls whose counterpart
    is consistent get nothing; so do tensor methods, whose receiver is not known to be a tensor on this
    fast path (the hover and `msmigrate report` cover them).
    At most one hint per line.

    **Why is this bad?**

    It is not wrong in PyTorch: it is where a port needs care. A port that keeps the PyTorch keyword
    (`LSTM(bias=...)` → `has_bias`) fails with a TypeError; one that keeps a default that differs
    computes something else.

    **Example**

    ```python
    self.rnn = nn.LSTM(32, 64, bias=True)
    ```

    **Use instead**

    The same PyTorch code; when porting, follow the hint (`nn.LSTM(32, 64, has_bias=True)`).

    **Fix safety**

    No fix: this is a PyTorch file.

    **References**

    https://www.mindspore.cn/docs/en/r2.6.0/note/api_mapping/pytorch_api_mapping.html
    """

    code = "MSA101"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    frameworks = frozenset({Framework.TORCH})

    def __init__(self) -> None:
        self._lines: set[int] = set()

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        if node.lineno in self._lines:
            return
        for torch_name in sorted(torch_names(context, node.func)):
            counterpart = preferred_counterpart(torch_name)
            if counterpart is None or counterpart.category != "differs" or not _matters_for_a_port(counterpart):
                continue
            self._lines.add(node.lineno)
            context.report(node.func, _message(torch_name, counterpart), Severity.HINT)
            return


def preferred_counterpart(torch_name: str) -> Counterpart | None:
    """The counterpart a port is pointed to: the current table's, else the first legacy one that exists."""
    entry = load_mappings().lookup(torch_name)
    if entry is None:
        return None
    if entry.current is not None and entry.current.exists is not False:
        return entry.current
    return next((counterpart for counterpart in entry.legacy if counterpart.exists is not False), None)


def _matters_for_a_port(counterpart: Counterpart) -> bool:
    """False where the tables say "consistent, but ..." and the only differences are MindSpore-only extras.

    `nn.Linear` -> `mint.nn.Linear` "differs" by MindSpore's extra `weight_init` / `bias_init`, `optim.Adam`
    by PyTorch's `foreach` / `fused`: a port that keeps the PyTorch call is right, so no hint.
    """
    if differences(counterpart):
        return True
    return not counterpart.diff_text.lower().startswith(CONSISTENT_BUT)


def _message(torch_name: str, counterpart: Counterpart) -> str:
    text = f"`{torch_name}` → `{short_name(counterpart.api)}` differs"
    description = counterpart.diff_text.strip()
    if description and description.lower() not in ("diff", "differs"):
        text += f": {description.rstrip('.')}"
    listed = differences(counterpart)
    if listed:
        text += f"; parameters: {listed}"
    link = doc_link(counterpart)
    if link:
        text += f" ({link})"
    return text
