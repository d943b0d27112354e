"""Fixes of MSG001 and MSG003: a numpy call or a random draw rewritten to its MindSpore counterpart.

The correspondences are data (`mappings/numpy_to_mindspore.toml`); the rules pass the mapping's name
(and, for a `Tensor(...)` wrapper or a draw's template, where and which) in the offer's params.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider

from msmigrate.analysis.findings import Span
from msmigrate.fixes.core import FixError, FixTarget, register_fix
from msmigrate.fixes.imports import ensure_imported, reference_to
from msmigrate.rules.graph_syntax._numpy_mappings import Argument, numpy_mappings, render_variant

MINDSPORE_NUMPY_ALIAS = "mnp"
# Where an expression built of operators replaces a call, these parents need it parenthesised.
_TIGHT_PARENTS = (cst.BinaryOperation, cst.UnaryOperation, cst.Attribute, cst.Subscript, cst.Call)
_ATOMS = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Subscript,
    cst.Integer,
    cst.Float,
    cst.SimpleString,
    cst.Tuple,
    cst.List,
)


@register_fix("numpy-call-to-mindspore")
def numpy_call_to_mindspore(target: FixTarget) -> cst.Module:
    """`np.sin(x)` -> `ops.sin(x)`; `ms.Tensor(np.sin(x), ms.float32)` -> `ops.sin(x).astype(ms.float32)`."""
    mapping = numpy_mappings().functions.get(target.params.get("function", ""))
    if mapping is None or mapping.target is None:
        raise FixError("no MindSpore counterpart is known for this call")
    call = target.node_at(cst.Call)
    if not mapping.accepts([_argument_shape(argument) for argument in call.args]):
        raise FixError("the call's arguments have no counterpart; re-run the analysis")
    renamed = [
        argument.with_changes(keyword=cst.Name(mapping.keywords[argument.keyword.value]))
        if argument.keyword is not None
        else argument
        for argument in call.args
    ]
    # Ensuring the import keeps every existing node, so `call` and the wrapper are still found after it.
    module, reference = _mindspore_submodule(target.module, mapping.target_package)
    replacement = call.with_changes(func=cst.parse_expression(f"{reference}.{mapping.target_function}"), args=renamed)
    return _replace_call(module, target, call, replacement)


@register_fix("random-draw-to-mindspore")
def random_draw_to_mindspore(target: FixTarget) -> cst.Module:
    """`np.random.normal(size=s)` -> `ops.standard_normal(s)`, by the draw's template."""
    mapping = numpy_mappings().draws.get(target.params.get("draw", ""))
    variant_index = target.params.get("variant")
    if mapping is None or not isinstance(variant_index, int) or not 0 <= variant_index < len(mapping.variants):
        raise FixError("no MindSpore random operation is known for this draw")
    call = target.node_at(cst.Call)
    bound = mapping.bind([_argument_shape(argument) for argument in call.args])
    if bound is None or mapping.choose_variant(bound) != variant_index:
        raise FixError("the draw's arguments changed; re-run the analysis")
    module = target.module
    sources: dict[str, str] = {}
    atoms: set[str] = set()
    integer_literals: set[str] = set()
    for parameter, indices in bound.items():
        arguments = [call.args[index] for index in indices]
        sources[parameter] = ", ".join(
            f"{argument.star}{module.code_for_node(argument.value)}" for argument in arguments
        )
        value = arguments[0].value
        if len(arguments) == 1 and (isinstance(value, _ATOMS) or value.lpar):
            atoms.add(parameter)
        if len(arguments) == 1 and isinstance(value, cst.Integer):
            integer_literals.add(parameter)
    module, ops_reference = ensure_imported(module, "mindspore", "ops")
    text = render_variant(mapping, mapping.variants[variant_index], sources, atoms, integer_literals, ops_reference)
    return _replace_call(module, target, call, cst.parse_expression(text))


def _replace_call(module: cst.Module, target: FixTarget, call: cst.Call, replacement: cst.BaseExpression) -> cst.Module:
    """`module` with `call` (or the `Tensor(...)` wrapper the rule found around it) replaced.

    A wrapper's dtype becomes `.astype(dtype)`. An expression built of operators is parenthesised
    where its new parent binds tighter.
    """
    replaced: cst.BaseExpression = call
    wrapper_span = target.params.get("wrapper")
    if wrapper_span is not None:
        wrapper = target.node_at(cst.Call, Span(*wrapper_span))
        replaced = wrapper
        dtype = _wrapper_dtype(wrapper)
        if dtype is not None:
            replacement = cst.Call(
                func=cst.Attribute(value=_parenthesised(replacement), attr=cst.Name("astype")),
                args=[cst.Arg(value=dtype)],
            )
    if replaced.lpar:
        replacement = replacement.with_changes(lpar=replaced.lpar, rpar=replaced.rpar)
    elif isinstance(_parent(module, replaced), _TIGHT_PARENTS):
        replacement = _parenthesised(replacement)
    return module.deep_replace(replaced, replacement)  # type: ignore[return-value]


def _parenthesised(expression: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(expression, _ATOMS) or expression.lpar:
        return expression
    return expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _argument_shape(argument: cst.Arg) -> Argument:
    keyword = argument.keyword.value if argument.keyword is not None else None
    return Argument(keyword, starred=argument.star == "*", double_starred=argument.star == "**")


def _wrapper_dtype(wrapper: cst.Call) -> cst.BaseExpression | None:
    for argument in wrapper.args[1:]:
        if argument.keyword is None or argument.keyword.value == "dtype":
            return argument.value
    return None


def _parent(module: cst.Module, node: cst.CSTNode) -> cst.CSTNode | None:
    parents = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
    return parents.get(node)


def _mindspore_submodule(module: cst.Module, package: str) -> tuple[cst.Module, str]:
    """An expression naming `mindspore.<package>` in `module`, importing it if needed.

    `mindspore.numpy` is imported as `mnp`: `from mindspore import numpy` would shadow numpy itself.
    """
    if package != "numpy":
        return ensure_imported(module, "mindspore", package)
    existing = reference_to(module, "mindspore", "numpy")
    if existing is not None:
        return module, existing
    statement = cst.parse_statement(f"import mindspore.numpy as {MINDSPORE_NUMPY_ALIAS}\n")
    last_import = max(
        (
            index
            for index, line in enumerate(module.body)
            if isinstance(line, cst.SimpleStatementLine)
            and any(isinstance(small, cst.Import | cst.ImportFrom) for small in line.body)
        ),
        default=-1,
    )
    body = [*module.body[: last_import + 1], statement, *module.body[last_import + 1 :]]
    return module.with_changes(body=body), MINDSPORE_NUMPY_ALIAS
