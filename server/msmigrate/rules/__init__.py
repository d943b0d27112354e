"""Rule registry: every module under `rules/<category>/` defines one Rule subclass.

Discovery walks the packages, so adding a rule is adding a module; codes are checked to be unique.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

from msmigrate.rules.base import Rule

CATEGORY_PACKAGES = ("graph_syntax", "api_difference", "dynamic_shape")


class RuleRegistryError(RuntimeError):
    pass


@cache
def all_rules() -> tuple[type[Rule], ...]:
    found: list[type[Rule]] = []
    for package_name in CATEGORY_PACKAGES:
        package = importlib.import_module(f"{__name__}.{package_name}")
        for module_info in pkgutil.iter_modules(package.__path__):
            if module_info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            defined = [
                member
                for _, member in inspect.getmembers(module, inspect.isclass)
                if issubclass(member, Rule) and member is not Rule and member.__module__ == module.__name__
            ]
            if len(defined) != 1:
                raise RuleRegistryError(f"{module.__name__} must define exactly one rule, found {len(defined)}")
            found.append(defined[0])
    codes = [rule.code for rule in found]
    duplicates = {code for code in codes if codes.count(code) > 1}
    if duplicates:
        raise RuleRegistryError(f"rule codes used twice: {sorted(duplicates)}")
    return tuple(sorted(found, key=lambda rule: rule.code))


def rule_by_code(code: str) -> type[Rule] | None:
    return next((rule for rule in all_rules() if rule.code == code), None)
