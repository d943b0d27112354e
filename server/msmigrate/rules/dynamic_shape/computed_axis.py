"""MSD007: a reduction or transpose whose axes are computed from tensor values."""

from __future__ import annotations

import ast

from msmigrate.analysis.facts import Framework
from msmigrate.analysis.findings import Category
from msmigrate.rules.base import Rule, RuleContext
from msmigrate.rules.dynamic_shape._apis import ResolvedCall, is_computed_tensor, is_literal, resolve, short
from msmigrate.rules.dynamic_shape._families import AXIS_PARAMETERS, PERMUTATION_PARAMETERS, PERMUTATIONS, REDUCTIONS
from msmigrate.rules.dynamic_shape._report import report_dynamic


class ComputedAxis(Rule):
    """A reduction or a transpose whose axes are computed from tensor values.

    **What it does**

    Flags reductions (`sum`, `mean`, `amax`, `amin`, `prod`, `std`, `var`, `logsumexp`, `all`, `any`
    as functions, tensor methods and `ops.Reduce*` primitives) whose `axis`/`dim` is a tensor or
    computed from one, and `ops.transpose`, `ops.permute`, `mint.transpose`, `x.transpose(...)`,
    `x.permute(...)` and `ops.Transpose()` whose permutation is. Axes that are literals, tuples of
    literals or attributes set in `__init__` are not flagged. In PyTorch files the same calls are
    reported as information for the port.

    **Why is this bad?**

    Which axis is reduced or moved decides the shape of the result; an axis known only at run time
    gives the graph a dynamic shape (even a dynamic rank). Measured on MindSpore 2.10 in GRAPH_MODE
    (CPU, STRICT and LAX): `x.sum(axis)`, `ops.sum`, `x.mean(axis=...)`, `ops.ReduceSum()` and
    `ops.transpose(x, (a, 1 - a))` with `a` computed from the input compile, and two inputs of the
    same shape give results of different shapes.

    **Example**

    ```python
    class ReduceLongest(nn.Cell):
        def construct(self, x):
            axis = (x.abs().sum(0) > 1).sum() % 2
            return x.sum(axis)
    ```

    **Use instead**

    Decide the axis from shapes or configuration, known when compiling, or compute both reductions
    and select between them with a mask:

    ```python
    class ReduceLongest(nn.Cell):
        def construct(self, x):
            return x.sum(0) if x.shape[0] > x.shape[1] else x.sum(1)
    ```

    **Fix safety**

    No automatic fix: the intended axis cannot be read from the code.

    **References**

    https://www.mindspore.cn/docs/en/r2.4.10/migration_guide/dynamic_shape.html
    """

    code = "MSD007"
    category = Category.DYNAMIC_SHAPE
    node_types = (ast.Call,)
    frameworks = frozenset({Framework.MINDSPORE, Framework.BOTH, Framework.TORCH})

    def check(self, node: ast.AST, context: RuleContext) -> None:
        assert isinstance(node, ast.Call)
        for apis, parameters, what in (
            (REDUCTIONS, AXIS_PARAMETERS, "reduces along"),
            (PERMUTATIONS, PERMUTATION_PARAMETERS, "permutes the axes by"),
        ):
            resolved = resolve(node, context, apis, lambda found, axes=parameters: _any_computed(found, axes))
            if resolved is None:
                continue
            axis = next(
                (value for value in _axis_arguments(resolved, parameters) if is_computed_tensor(value, context)), None
            )
            if axis is not None:
                detail = f"{what} `{short(axis)}`, computed from tensors, so the result's shape depends on the data"
                report_dynamic(context, node, resolved.shown, detail, torch_api=resolved.api.torch)
            return


def _axis_arguments(resolved: ResolvedCall, parameters: tuple[str, ...]) -> list[ast.expr]:
    """The expressions passed as axes: bound parameters, `dim=`/`axis=` a signature does not name, and
    the positional axes of `x.transpose(*axes)` / `x.permute(*dims)`."""
    found = [value for name in parameters if (value := resolved.arguments.get(name)) is not None]
    found.extend(keyword.value for keyword in resolved.arguments.unknown_keywords if keyword.arg in parameters)
    if resolved.arguments.signature.accepts_any_positional:
        found.extend(argument for argument in resolved.call.args if not isinstance(argument, ast.Starred))
    return found


def _any_computed(resolved: ResolvedCall, parameters: tuple[str, ...]) -> bool:
    return any(not is_literal(axis) for axis in _axis_arguments(resolved, parameters))
