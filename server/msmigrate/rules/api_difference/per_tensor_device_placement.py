"""MSA102: in a PyTorch file, device placement per tensor or module (`torch.device`, `.cuda()`, `.to(device)`)."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category
from msmigrate.rules.api_difference._torch_files import FirstPerFile, torch_names
from msmigrate.rules.base import Rule, RuleContext

DEVICE_CONSTRUCTOR = "torch.device"
CUDA_NAMESPACE = "torch.cuda."
DEVICE_STRINGS = ("cpu", "cuda", "mps", "xpu")
# Words in a variable name that say it holds a device (`device`, `dev`, `self.device`).
DEVICE_WORDS = ("device", "dev")
ADVICE = (
    "MindSpore places every tensor and Cell on one device chosen per process with "
    "`mindspore.set_device('Ascend' | 'GPU' | 'CPU')`: drop the per-tensor placement when porting"
)


class PerTensorDevicePlacement(Rule):
    """Device placement per tensor or module, which MindSpore does once per process.

    **What it does**

    In files that use PyTorch only, flags `torch.device(...)`, calls into `torch.cuda`
    (`torch.cuda.is_available()`, `torch.cuda.synchronize()`), `.cuda()`, and `.to(...)` given a
    device: a `torch.device(...)`, a device string (`"cuda:0"`), a `device=` keyword or a variable
    named for a device (`.to(device)`, `.to(self.dev)`). `.to(torch.float16)` converts a dtype and
    is left alone. The first placement in a file is information, later ones hints.

    **Why is this bad?**

    MindSpore has no per-tensor device: `mindspore.set_device` picks the device for the process and
    every tensor and Cell lives there. In MindSpore 2.10 tensors have no `.cuda()` (AttributeError);
    `Tensor.to` exists but only for dtypes. Porting these lines one by one leaves dead or failing code.

    **Example**

    ```python
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = Net().to(device)
    ```

    **Use instead**

    ```python
    mindspore.set_device("GPU")
    model = Net()
    ```

    **Fix safety**

    No fix: this is a PyTorch file.

    **References**

    https://www.mindspore.cn/docs/en/r2.6.0/api_python/mindspore/mindspore.set_device.html
    """

    code = "MSA102"
    category = Category.API_DIFFERENCE
    node_types = (ast.Call,)
    frameworks = frozenset({Framework.TORCH})

    def __init__(self) -> None:
        self._repeats = FirstPerFile()

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        what = _placement(node, context)
        if what is None:
            return
        severity, repeat = self._repeats.severity("placement", node.lineno)
        context.report(node.func, f"{what}: {ADVICE}{repeat}", severity)


def _placement(call: ast.Call, context: RuleContext) -> str | None:
    names = torch_names(context, call.func)
    if DEVICE_CONSTRUCTOR in names:
        return "`torch.device(...)`"
    cuda = sorted(name for name in names if name.startswith(CUDA_NAMESPACE))
    if cuda:
        return f"`{cuda[0]}(...)` is CUDA-specific"
    func = call.func
    if names or not isinstance(func, ast.Attribute) or context.qualified_names(func.value):
        return None
    if func.attr == "cuda":
        return "`.cuda()`"
    if func.attr == "to" and _names_a_device(call, context):
        return "`.to(device)`"
    return None


def _names_a_device(call: ast.Call, context: RuleContext) -> bool:
    if any(keyword.arg == "device" for keyword in call.keywords):
        return True
    if not call.args:
        return False
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value.split(":", 1)[0] in DEVICE_STRINGS
    if isinstance(first, ast.Call):
        return DEVICE_CONSTRUCTOR in torch_names(context, first.func)
    name = first.attr if isinstance(first, ast.Attribute) else first.id if isinstance(first, ast.Name) else ""
    words = name.lower().split("_")
    return any(word in DEVICE_WORDS for word in words)
