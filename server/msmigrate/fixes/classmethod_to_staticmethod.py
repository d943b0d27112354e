"""MSG006 fix: a `@classmethod` whose body never uses `cls` becomes a `@staticmethod` without it.

Calls through `self.method(...)` and `Class.method(...)` pass the same arguments to both kinds, so
the call sites stay as they are; only the definition changes.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from msmigrate.fixes.core import FixError, FixTarget, register_fix


@register_fix("classmethod-to-staticmethod")
def classmethod_to_staticmethod(target: FixTarget) -> cst.Module:
    class_name = target.params["class_name"]
    method_name = target.params["method"]
    method = _find_method(target.module, class_name, method_name)
    decorators = [
        decorator.with_changes(decorator=cst.Name("staticmethod"))
        if m.matches(decorator.decorator, m.Name("classmethod"))
        else decorator
        for decorator in method.decorators
    ]
    if decorators == list(method.decorators):
        raise FixError(f"{class_name}.{method_name} is not decorated with @classmethod")
    parameters = method.params
    if parameters.posonly_params:
        first, *rest_posonly = parameters.posonly_params
        new_parameters = parameters.with_changes(posonly_params=rest_posonly)
    elif parameters.params:
        first, *rest = parameters.params
        new_parameters = parameters.with_changes(params=rest)
    else:
        raise FixError(f"{class_name}.{method_name} takes no `cls` parameter")
    if m.findall(method.body, m.Name(first.name.value)):
        raise FixError(f"{class_name}.{method_name} uses `{first.name.value}`")
    new_method = method.with_changes(decorators=decorators, params=new_parameters)
    return target.module.deep_replace(method, new_method)  # type: ignore[return-value]


def _find_method(module: cst.Module, class_name: str, method_name: str) -> cst.FunctionDef:
    """The method in a class of that name; classes under module-level `if` / `try` count too."""
    for class_def in m.findall(module, m.ClassDef(name=m.Name(class_name))):
        assert isinstance(class_def, cst.ClassDef)
        for item in class_def.body.body:
            if isinstance(item, cst.FunctionDef) and item.name.value == method_name:
                return item
    raise FixError(f"no method {class_name}.{method_name}; re-run the analysis")
