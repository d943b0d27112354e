"""What the mapping generators share: paths, TSV reading, signature text and canonical defaults.

Pure Python (no torch, no mindspore), so `tools.build_mappings` and the tests run without the frameworks.

A signature is stored as text, the way Python prints it: `(input, dim=None, keepdim=False, *, dtype=None)`.
Defaults in that text are *canonical*: the same value written two ways (`1e-7` and `1e-07`, `"valid"` and
`'valid'`, `mstype.float32` and `mindspore.float32`) canonicalises to one string, so a default taken from
the docs compares equal to the default read from the installed package.
"""

from __future__ import annotations

import ast
import csv
import itertools
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msmigrate.mappings.model import UNKNOWN_DEFAULT
from msmigrate.mappings.store import ENTRIES_SUBDIR, SIGNATURES_FILE

REPO_ROOT = Path(__file__).resolve().parents[1]
MAPPINGS_DIR = REPO_ROOT / "mappings"
SOURCES_DIR = MAPPINGS_DIR / "sources"  # the official tables, with their provenance
SIGNATURES_PATH = MAPPINGS_DIR / SIGNATURES_FILE
CURATED_PATH = MAPPINGS_DIR / "curated.toml"
ENTRIES_DIR = MAPPINGS_DIR / ENTRIES_SUBDIR

CURRENT_TABLE = "pytorch_mindspore_api_mapping.tsv"
LEGACY_TABLE = "pytorch_mindspore_api_mapping_r2.4.10.tsv"
PARAM_DIFFS = "pytorch_mindspore_param_diffs.tsv"

# The docs branch each table was read from (see mappings/sources/README.md).
CURRENT_REF = "master"
LEGACY_REF = "r2.4.10"

# Packages of the tables that are not installed here (and not in the `equiv` extra): their side of an
# entry cannot be checked against a signature.
UNINSTALLED_TORCH_PACKAGES = ("torchvision", "torchaudio", "torchtext")

POSITIONAL_ONLY = "positional_only"
POSITIONAL = "positional"
VAR_POSITIONAL = "var_positional"
KEYWORD_ONLY = "keyword_only"
VAR_KEYWORD = "var_keyword"


def read_tsv(name: str, data_dir: Path = SOURCES_DIR) -> list[dict[str, str]]:
    """Rows of one reference TSV (tab-separated, no quoting) as dicts keyed by the header."""
    with (data_dir / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


# Keys of generated objects come in this order (the rest alphabetically after them), so that a file reads
# top-down: what an object is, then its facts, then its provenance.
KEY_ORDER = (
    *("schema", "generated_by", "verified", "sources", "section", "torch", "doc_names", "torch_exists"),
    *("did_you_mean", "mindspore", "kind", "what", "side", "api", "param", "doc_api", "namespace", "current"),
    *("legacy", "mint_namesake"),
    *("where", "transform", "torch_default", "ms_default", "defaults_differ", "torch_missing", "ms_missing"),
    *("torch_is_self", "ms_is_self", "check", "category", "labels", "diff_text", "diff_text_zh", "exists", "cpu"),
    *("cpu_probe", "expect_signature", "note", "doc_note", "doc_torch_default", "doc_ms_default", "doc_label"),
    *("links", "doc", "installed", "torch_doc_version", "curated", "source", "params", "false_friends"),
    *("corrections",),
    *("entries", "mindspore_only"),
)
_KEY_RANK = {key: rank for rank, key in enumerate(KEY_ORDER)}


def _ordered(data: Any) -> Any:
    if isinstance(data, dict):
        keys = sorted(data, key=lambda key: (_KEY_RANK.get(key, len(_KEY_RANK)), key))
        return {key: _ordered(data[key]) for key in keys}
    if isinstance(data, list):
        return [_ordered(item) for item in data]
    return data


def dump_json(data: Any) -> str:
    """The one JSON layout of every generated file: fixed key order, one item per line, final newline."""
    return json.dumps(_ordered(data), indent=1, ensure_ascii=False) + "\n"


def uninstalled_torch_package(torch_api: str) -> str | None:
    """The top-level package of `torch_api` when it is one the tables cover but this project does not install."""
    top = torch_api.split(".", 1)[0]
    return top if top in UNINSTALLED_TORCH_PACKAGES else None


@dataclass(frozen=True)
class SigParam:
    """One parameter of a stored signature; `default` is canonical text, None when the parameter is required."""

    name: str
    kind: str
    default: str | None


def _top_level(text: str, wanted: str) -> Iterator[int]:
    """Positions of the characters in `wanted` outside brackets and quotes (a default such as `(1, 1)`
    or `','` contains commas, one such as `'a=b'` an equals sign)."""
    depth = 0
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char in wanted and depth == 0:
            yield index


def _split_top_level(text: str) -> list[str]:
    """The comma-separated pieces of a parameter list."""
    cuts = [-1, *_top_level(text, ","), len(text)]
    pieces = (text[start + 1 : end].strip() for start, end in itertools.pairwise(cuts))
    return [piece for piece in pieces if piece]


def _split_default(piece: str) -> tuple[str, str | None]:
    """`name: T = value` -> (`name: T`, `value`)."""
    for index in _top_level(piece, "="):
        if piece[index + 1 : index + 2] != "=":
            return piece[:index].strip(), piece[index + 1 :].strip()
    return piece.strip(), None


def parse_signature(text: str) -> tuple[SigParam, ...]:
    """Parameters of a signature text such as `(a, /, b=1, *args, c, **kw)`.

    Tolerant of what docstrings print: required parameters after defaults, annotations, a `*` after
    `*args`. Pieces that are not parameter names (prose, `...`) are skipped.
    """
    inner = text.strip()
    if inner.startswith("("):
        depth = 0
        for index, char in enumerate(inner):
            depth += char == "("
            depth -= char == ")"
            if depth == 0:
                inner = inner[1:index]
                break
    params: list[SigParam] = []
    keyword_only = False
    for piece in _split_top_level(inner):
        if piece == "/":
            params = [SigParam(p.name, POSITIONAL_ONLY, p.default) for p in params]
            continue
        if piece == "*":
            keyword_only = True
            continue
        head, default = _split_default(piece)
        head = head.split(":", 1)[0].strip()
        if head.startswith("**"):
            kind, name = VAR_KEYWORD, head[2:]
        elif head.startswith("*"):
            kind, name = VAR_POSITIONAL, head[1:]
            keyword_only = True
        else:
            kind, name = (KEYWORD_ONLY if keyword_only else POSITIONAL), head
        name = name.strip()
        if not name.isidentifier():
            continue
        params.append(SigParam(name, kind, None if default is None else canonical_default_text(default)))
    return tuple(params)


def format_signature(params: Iterable[SigParam]) -> str:
    """The text `parse_signature` reads back (markers `/` and `*` where the kinds change)."""
    parts: list[str] = []
    params = list(params)
    seen_star = False
    for index, param in enumerate(params):
        if param.kind == VAR_POSITIONAL:
            seen_star = True
        elif param.kind == KEYWORD_ONLY and not seen_star:
            parts.append("*")
            seen_star = True
        text = {VAR_POSITIONAL: "*", VAR_KEYWORD: "**"}.get(param.kind, "") + param.name
        if param.default is not None:
            text += "=" + param.default
        parts.append(text)
        next_kind = params[index + 1].kind if index + 1 < len(params) else None
        if param.kind == POSITIONAL_ONLY and next_kind != POSITIONAL_ONLY:
            parts.append("/")
    return "(" + ", ".join(parts) + ")"


_BINARY_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_NOT_LITERAL = object()
# Spellings of the same module in the docs and in reprs.
_NAME_PREFIXES = (
    (re.compile(r"\bmindspore\.common\.dtype\."), "mindspore."),
    (re.compile(r"\bmstype\."), "mindspore."),
    (re.compile(r"\bms\."), "mindspore."),
    (re.compile(r"\bnp\."), "numpy."),
)


def _literal(node: ast.expr) -> Any:
    """The value of a literal expression, also allowing arithmetic such as `3. / 4.` (the docs print that)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple | ast.List):
        items = [_literal(item) for item in node.elts]
        if any(item is _NOT_LITERAL for item in items):
            return _NOT_LITERAL
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _literal(node.operand)
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand if isinstance(node.op, ast.USub) else operand
        return _NOT_LITERAL
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPERATORS:
        left, right = _literal(node.left), _literal(node.right)
        numbers = all(isinstance(side, int | float) and not isinstance(side, bool) for side in (left, right))
        if numbers:
            try:
                return _BINARY_OPERATORS[type(node.op)](left, right)
            except (ArithmeticError, ValueError):
                return _NOT_LITERAL
    return _NOT_LITERAL


def canonical_literal(value: Any) -> str:
    """Canonical text of a literal value (`repr`, which prints floats the shortest way that round-trips)."""
    return repr(value)


def same_default(first: str, second: str) -> bool:
    """Whether two canonical defaults denote the same value (`0` and `0.0` do; `1` and `True` do not)."""
    if first == second:
        return True
    try:
        first_value, second_value = ast.literal_eval(first), ast.literal_eval(second)
    except (ValueError, SyntaxError):
        return False
    return _number_key(first_value) == _number_key(second_value)


def _number_key(value: Any) -> Any:
    """Numbers compare by value, booleans stay apart from 0 and 1, containers compare item by item."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    if isinstance(value, tuple | list):
        return (type(value).__name__, tuple(_number_key(item) for item in value))
    return ("other", repr(value))


def canonical_default_text(text: str) -> str:
    """Canonical form of a default written as source text (from the docs, a docstring or a repr)."""
    text = text.strip()
    if text == UNKNOWN_DEFAULT:
        return text
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return " ".join(text.split())
    value = _literal(node)
    if value is not _NOT_LITERAL:
        return canonical_literal(value)
    canonical = ast.unparse(node)
    for pattern, replacement in _NAME_PREFIXES:
        canonical = pattern.sub(replacement, canonical)
    return canonical
