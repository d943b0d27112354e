"""Helpers for fixes that need a MindSpore name in scope (`ops`, `mindspore`)."""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m


def _dotted(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr.value}"
    return ""


def _top_level_imports(module: cst.Module) -> list[tuple[int, cst.Import | cst.ImportFrom]]:
    found: list[tuple[int, cst.Import | cst.ImportFrom]] = []
    for index, statement in enumerate(module.body):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import | cst.ImportFrom):
                    found.append((index, small))
    return found


def reference_to(module: cst.Module, package: str, name: str) -> str | None:
    """An expression already valid in `module` that names `package.name`, e.g. `ops` or `ms.ops`.

    A direct import of the name (`from mindspore import ops`, `import mindspore.ops as O`) is preferred
    over reaching it through the package (`ms.ops`), whatever order the imports come in.
    """
    through_package: str | None = None
    for _, statement in _top_level_imports(module):
        if (
            isinstance(statement, cst.ImportFrom)
            and not statement.relative
            and statement.module is not None
            and _dotted(statement.module) == package
            and not isinstance(statement.names, cst.ImportStar)
        ):
            for alias in statement.names:
                if _dotted(alias.name) == name:
                    return alias.asname.name.value if alias.asname else name  # type: ignore[union-attr]
        if isinstance(statement, cst.Import):
            for alias in statement.names:
                imported = _dotted(alias.name)
                if imported == f"{package}.{name}" and alias.asname:
                    return alias.asname.name.value  # type: ignore[union-attr]
                if through_package is not None:
                    continue
                if imported == package:
                    local = alias.asname.name.value if alias.asname else package  # type: ignore[union-attr]
                    through_package = f"{local}.{name}"
                elif imported.startswith(f"{package}.") and not alias.asname:
                    through_package = f"{package}.{name}"
    return through_package


def ensure_imported(module: cst.Module, package: str, name: str) -> tuple[cst.Module, str]:
    """`module` with `package.name` reachable, and the expression that reaches it.

    Reuses an existing import or alias; otherwise adds `from package import name` after the last
    top-level import.
    """
    existing = reference_to(module, package, name)
    if existing is not None:
        return module, existing
    new_line = cst.parse_statement(f"from {package} import {name}\n")
    imports = _top_level_imports(module)
    insert_at = imports[-1][0] + 1 if imports else _after_docstring(module)
    body = [*module.body[:insert_at], new_line, *module.body[insert_at:]]
    return module.with_changes(body=body), name


def _after_docstring(module: cst.Module) -> int:
    if module.body and m.matches(
        module.body[0], m.SimpleStatementLine(body=[m.Expr(value=m.SimpleString() | m.ConcatenatedString())])
    ):
        return 1
    return 0
