"""Qualified names from imports and aliases, computed on the fast (`ast`) path.

The answer to "what is this name?" is a *set* of dotted names, with the semantics of libcst's
`QualifiedNameProvider`: after `try: import torch as T / except ImportError: import mindspore as T`,
`T.nn` is both `torch.nn` and `mindspore.nn`. Rules must handle several candidates; nothing here
picks one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

EMPTY: frozenset[str] = frozenset()


class ImportTable:
    """Local name -> qualified-name candidates, for one module (plus function-local layers)."""

    def __init__(self, parent: ImportTable | None = None) -> None:
        self._bindings: dict[str, set[str]] = {}
        self._star_modules: list[str] = []
        self._parent = parent

    # -- building -----------------------------------------------------------------------------------
    def add_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self._bind(alias.asname, alias.name)
                else:
                    # `import a.b.c` binds `a`; `a.b.c` then resolves attribute by attribute.
                    root = alias.name.split(".", 1)[0]
                    self._bind(root, root)
            return
        if node.level:  # relative imports name project modules, never torch or mindspore
            return
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                self._star_modules.append(module)
                continue
            self._bind(alias.asname or alias.name, f"{module}.{alias.name}")

    def add_alias_assignment(self, target: str, value: ast.expr) -> None:
        """`Tensor = ms.Tensor` at module level makes `Tensor` an alias like an import would."""
        names = self.qualified_names(value)
        for name in names:
            self._bind(target, name)

    def _bind(self, local: str, qualified: str) -> None:
        self._bindings.setdefault(local, set()).add(qualified)

    # -- querying -----------------------------------------------------------------------------------
    def lookup(self, local: str) -> frozenset[str]:
        found = self._bindings.get(local)
        if found is not None:
            return frozenset(found)
        if self._parent is not None:
            return self._parent.lookup(local)
        return EMPTY

    def star_candidates(self, local: str) -> frozenset[str]:
        modules = self._all_star_modules()
        return frozenset(f"{module}.{local}" for module in modules)

    def _all_star_modules(self) -> list[str]:
        if self._parent is None:
            return self._star_modules
        return self._star_modules + self._parent._all_star_modules()

    def qualified_names(self, expr: ast.expr) -> frozenset[str]:
        """Qualified-name candidates of a Name or dotted Attribute chain; empty when unknown."""
        if isinstance(expr, ast.Name):
            found = self.lookup(expr.id)
            return found if found else self.star_candidates(expr.id)
        if isinstance(expr, ast.Attribute):
            base = self.qualified_names(expr.value)
            if not base:
                return EMPTY
            return frozenset(f"{name}.{expr.attr}" for name in base)
        return EMPTY

    def bound_roots(self) -> set[str]:
        """Top-level packages any name is bound to (`torch`, `mindspore`, `numpy`, ...)."""
        roots = {name.split(".", 1)[0] for names in self._bindings.values() for name in names}
        roots.update(module.split(".", 1)[0] for module in self._star_modules)
        if self._parent is not None:
            roots |= self._parent.bound_roots()
        return roots


def any_matches(names: Iterable[str], wanted: frozenset[str] | set[str]) -> bool:
    return any(name in wanted for name in names)


def any_startswith(names: Iterable[str], prefixes: tuple[str, ...]) -> bool:
    return any(name.startswith(prefixes) for name in names)
