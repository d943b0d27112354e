"""Bind a call's arguments to an API's parameters, as the installed packages declare them.

Rules about a parameter (`momentum`, `pad_mode`, `k`) must see it whichever way it is passed: all
positional, all keyword, keywords in any order, or left to its default. `bind_call` answers "which
expression was passed for parameter P, if any" from the signature text recorded in
`mappings/signatures.json` (introspected from torch 2.13 / mindspore 2.10; the server never imports
them).

Signature text is what `inspect` or a docstring printed, so it is not always valid Python: torch's
`arange(start=0, end, step=1)` puts a required parameter after a defaulted one, and defaults print as
`<function>` or `...`. The parser here splits on top-level commas instead of calling `ast.parse`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import Enum
from functools import cache

from msmigrate.mappings import load_mappings


class ParameterKind(Enum):
    POSITIONAL_ONLY = "positional_only"
    POSITIONAL_OR_KEYWORD = "positional_or_keyword"
    VAR_POSITIONAL = "var_positional"
    KEYWORD_ONLY = "keyword_only"
    VAR_KEYWORD = "var_keyword"


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    kind: ParameterKind
    default: str | None  # source text of the default; None when the argument is required

    @property
    def required(self) -> bool:
        return self.default is None and self.kind not in (ParameterKind.VAR_POSITIONAL, ParameterKind.VAR_KEYWORD)

    @property
    def positional(self) -> bool:
        return self.kind in (ParameterKind.POSITIONAL_ONLY, ParameterKind.POSITIONAL_OR_KEYWORD)

    @property
    def keyword(self) -> bool:
        return self.kind in (ParameterKind.POSITIONAL_OR_KEYWORD, ParameterKind.KEYWORD_ONLY)


@dataclass(frozen=True, slots=True)
class Signature:
    text: str
    parameters: tuple[Parameter, ...]

    def parameter(self, name: str) -> Parameter | None:
        return next((parameter for parameter in self.parameters if parameter.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(parameter.name for parameter in self.parameters if parameter.kind is not ParameterKind.VAR_KEYWORD)

    @property
    def accepts_any_keyword(self) -> bool:
        return any(parameter.kind is ParameterKind.VAR_KEYWORD for parameter in self.parameters)

    @property
    def accepts_any_positional(self) -> bool:
        return any(parameter.kind is ParameterKind.VAR_POSITIONAL for parameter in self.parameters)

    @classmethod
    def parse(cls, text: str) -> Signature | None:
        """Parse `(a, b=1, *args, c, **kw)`; None when the text is not a parameter list."""
        stripped = text.strip()
        if not (stripped.startswith("(") and ")" in stripped):
            return None
        inner = stripped[1 : stripped.rindex(")")]
        parameters: list[Parameter] = []
        positional_kind = ParameterKind.POSITIONAL_OR_KEYWORD
        keyword_only = False
        for piece in _split_top_level(inner):
            if piece == "/":
                parameters = [
                    Parameter(p.name, ParameterKind.POSITIONAL_ONLY, p.default) if p.positional else p
                    for p in parameters
                ]
                continue
            if piece == "*":
                keyword_only = True
                continue
            if piece.startswith("**"):
                parameters.append(Parameter(_bare_name(piece[2:]), ParameterKind.VAR_KEYWORD, None))
                continue
            if piece.startswith("*"):
                parameters.append(Parameter(_bare_name(piece[1:]), ParameterKind.VAR_POSITIONAL, None))
                keyword_only = True
                continue
            name, _, default = piece.partition("=")
            name = _bare_name(name)
            if not name.isidentifier():
                return None
            kind = ParameterKind.KEYWORD_ONLY if keyword_only else positional_kind
            parameters.append(Parameter(name, kind, default.strip() or None if "=" in piece else None))
        return cls(text, tuple(parameters))


def _bare_name(declaration: str) -> str:
    """`x: int` → `x`."""
    return declaration.partition(":")[0].strip()


_OPENERS = {"(": ")", "[": "]", "{": "}", "<": ">"}


def _split_top_level(text: str) -> list[str]:
    pieces: list[str] = []
    depth: list[str] = []
    quote: str | None = None
    start = 0
    for index, char in enumerate(text):
        if quote is not None:
            if char == quote and text[index - 1] != "\\":
                quote = None
        elif char in "'\"":
            quote = char
        elif char in _OPENERS:
            depth.append(_OPENERS[char])
        elif depth and char == depth[-1]:
            depth.pop()
        elif char == "," and not depth:
            pieces.append(text[start:index].strip())
            start = index + 1
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    return [piece for piece in pieces if piece]


@dataclass(frozen=True, slots=True)
class BoundArguments:
    """Which argument expression the call passes for each parameter it gives.

    `uncertain` is set when the call spreads `*args` or `**kwargs`: anything not listed may still be
    passed, so a rule must not claim a parameter was left to its default.
    """

    signature: Signature
    arguments: dict[str, ast.expr]
    by_position: frozenset[str]
    unknown_keywords: tuple[ast.keyword, ...]
    extra_positional: tuple[ast.expr, ...]
    given_twice: tuple[str, ...]
    missing: tuple[str, ...]
    uncertain: bool

    def get(self, name: str) -> ast.expr | None:
        return self.arguments.get(name)

    def given(self, name: str) -> bool:
        return name in self.arguments

    def left_to_default(self, name: str) -> bool:
        """The parameter exists and the call certainly does not pass it."""
        return not self.uncertain and name not in self.arguments and self.signature.parameter(name) is not None

    def default_of(self, name: str) -> str | None:
        parameter = self.signature.parameter(name)
        return parameter.default if parameter is not None else None

    @property
    def problems(self) -> int:
        return len(self.unknown_keywords) + len(self.extra_positional) + len(self.given_twice) + len(self.missing)


def bind_call(call: ast.Call, signature: Signature) -> BoundArguments:
    """Bind `call`'s arguments as Python would, recording (not raising on) what does not fit."""
    arguments: dict[str, ast.expr] = {}
    by_position: set[str] = set()
    extra: list[ast.expr] = []
    uncertain = False
    positional_slots = [parameter for parameter in signature.parameters if parameter.positional]
    takes_var_positional = signature.accepts_any_positional
    for index, argument in enumerate(call.args):
        if isinstance(argument, ast.Starred):
            uncertain = True
            break
        if index < len(positional_slots):
            name = positional_slots[index].name
            arguments[name] = argument
            by_position.add(name)
        elif not takes_var_positional:
            extra.append(argument)
    unknown: list[ast.keyword] = []
    twice: list[str] = []
    for keyword in call.keywords:
        if keyword.arg is None:
            uncertain = True
            continue
        parameter = signature.parameter(keyword.arg)
        if parameter is None or not parameter.keyword:
            if not signature.accepts_any_keyword:
                unknown.append(keyword)
            continue
        if keyword.arg in arguments:
            twice.append(keyword.arg)
            continue
        arguments[keyword.arg] = keyword.value
    missing = () if uncertain else tuple(p.name for p in signature.parameters if p.required and p.name not in arguments)
    return BoundArguments(
        signature=signature,
        arguments=arguments,
        by_position=frozenset(by_position),
        unknown_keywords=tuple(unknown),
        extra_positional=tuple(extra),
        given_twice=tuple(twice),
        missing=missing,
        uncertain=uncertain,
    )


@cache
def signatures_for(api: str) -> tuple[Signature, ...]:
    """The installed signatures of `api` (several for overloaded torch builtins); empty when unknown."""
    parsed = (Signature.parse(text) for text in load_mappings().signatures(api))
    return tuple(signature for signature in parsed if signature is not None)


def bind_to_api(call: ast.Call, api: str) -> BoundArguments | None:
    """Bind `call` to the overload of `api` it fits best (fewest problems, first on ties)."""
    bindings = [bind_call(call, signature) for signature in signatures_for(api)]
    if not bindings:
        return None
    return min(bindings, key=lambda binding: binding.problems)
