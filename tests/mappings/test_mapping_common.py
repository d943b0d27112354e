"""Signature text and canonical defaults, shared by the generators and the verifier."""

from __future__ import annotations

import pytest

from tools.mapping_common import (
    KEYWORD_ONLY,
    POSITIONAL,
    POSITIONAL_ONLY,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    SigParam,
    canonical_default_text,
    format_signature,
    parse_signature,
    same_default,
)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("1e-7", "1e-07"),
        ("0.00001", "1e-05"),
        ('"valid"', "'valid'"),
        ("(3. / 4., 4. / 3.)", "(0.75, 1.3333333333333333)"),
        ("-1", "-1"),
        ("mstype.float32", "mindspore.float32"),
        ("ms.float32", "mindspore.float32"),
        ("np.float32", "numpy.float32"),
        ("Shuffle.GLOBAL", "Shuffle.GLOBAL"),
        ("...", "..."),
        ("None async_op=False", "None async_op=False"),
    ],
)
def test_canonical_default_text(written: str, canonical: str) -> None:
    assert canonical_default_text(written) == canonical


def test_same_default_compares_values() -> None:
    assert same_default("0", "0.0")
    assert same_default("(1, 1)", "(1.0, 1)")
    assert not same_default("1", "True")
    assert not same_default("()", "[]")
    assert not same_default("'mean'", "'none'")
    assert not same_default("mindspore.float32", "torch.float32")


def test_parse_signature_kinds_and_defaults() -> None:
    params = parse_signature("(a, /, b=1, *args, c, d=(1, 2), e=',', **kwargs)")
    assert params == (
        SigParam("a", POSITIONAL_ONLY, None),
        SigParam("b", POSITIONAL, "1"),
        SigParam("args", VAR_POSITIONAL, None),
        SigParam("c", KEYWORD_ONLY, None),
        SigParam("d", KEYWORD_ONLY, "(1, 2)"),
        SigParam("e", KEYWORD_ONLY, "','"),
        SigParam("kwargs", VAR_KEYWORD, None),
    )
    assert format_signature(params) == "(a, /, b=1, *args, c, d=(1, 2), e=',', **kwargs)"


def test_parse_signature_tolerates_docstring_forms() -> None:
    # torch's docstring prints a required parameter after a default, and annotations.
    params = parse_signature("(start=0, end, step: int = 1, *, out=None) -> Tensor")
    assert [(p.name, p.default) for p in params] == [("start", "0"), ("end", None), ("step", "1"), ("out", "None")]
    assert parse_signature("(*size, *, dtype=None)")[1] == SigParam("dtype", KEYWORD_ONLY, "None")


def test_format_signature_round_trips() -> None:
    for text in ("()", "(input, dim=None, keepdim=False, *, dtype=None)", "(*shape)", "(x, /)"):
        assert format_signature(parse_signature(text)) == text
