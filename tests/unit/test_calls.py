"""Binding call arguments to installed signatures, in the four call styles a mapping must survive."""

from __future__ import annotations

import ast

import pytest

from msmigrate.analysis.calls import ParameterKind, Signature, bind_call, bind_to_api, signatures_for

CONV2D = "mindspore.nn.Conv2d"


def call_of(source: str) -> ast.Call:
    expression = ast.parse(source, mode="eval").body
    assert isinstance(expression, ast.Call)
    return expression


def text_of(binding_value: ast.expr | None) -> str | None:
    return None if binding_value is None else ast.unparse(binding_value)


@pytest.mark.parametrize(
    "source",
    [
        "Conv2d(3, 8, 3, 1, 'pad', 1)",
        "Conv2d(in_channels=3, out_channels=8, kernel_size=3, stride=1, pad_mode='pad', padding=1)",
        "Conv2d(padding=1, pad_mode='pad', kernel_size=3, out_channels=8, stride=1, in_channels=3)",
        "Conv2d(3, 8, 3, padding=1, pad_mode='pad', stride=1)",
    ],
    ids=["positional", "keyword", "reordered", "mixed"],
)
def test_every_call_style_binds_the_same_arguments(source: str) -> None:
    binding = bind_to_api(call_of(source), CONV2D)
    assert binding is not None
    assert {name: text_of(value) for name, value in binding.arguments.items()} == {
        "in_channels": "3",
        "out_channels": "8",
        "kernel_size": "3",
        "stride": "1",
        "pad_mode": "'pad'",
        "padding": "1",
    }
    assert binding.problems == 0


def test_defaults_only_call_leaves_parameters_to_their_installed_defaults() -> None:
    binding = bind_to_api(call_of("Conv2d(3, 8, 3)"), CONV2D)
    assert binding is not None
    assert binding.left_to_default("pad_mode")
    assert binding.default_of("pad_mode") == "'same'"
    assert binding.default_of("has_bias") == "False"


def test_torch_keywords_are_unknown_to_the_mindspore_signature() -> None:
    binding = bind_to_api(call_of("Conv2d(3, 8, 3, bias=False, padding_mode='zeros')"), CONV2D)
    assert binding is not None
    assert [keyword.arg for keyword in binding.unknown_keywords] == ["bias", "padding_mode"]


def test_spread_arguments_make_the_binding_uncertain() -> None:
    binding = bind_to_api(call_of("Conv2d(*shape, **options)"), CONV2D)
    assert binding is not None
    assert binding.uncertain
    assert not binding.left_to_default("pad_mode")
    assert binding.missing == ()


def test_too_many_positionals_and_a_parameter_given_twice_are_recorded() -> None:
    signature = Signature.parse("(a, b=1)")
    assert signature is not None
    binding = bind_call(call_of("f(1, 2, 3, b=4)"), signature)
    assert [text_of(value) for value in binding.extra_positional] == ["3"]
    assert binding.given_twice == ("b",)


def test_signature_text_that_is_not_python_still_parses() -> None:
    signature = Signature.parse("(start=0, end, step=1, *, out=None, activation=<function>, size=(1, 2))")
    assert signature is not None
    assert signature.names == ("start", "end", "step", "out", "activation", "size")
    assert signature.parameter("end") is not None and signature.parameter("end").required
    assert signature.parameter("out").kind is ParameterKind.KEYWORD_ONLY  # type: ignore[union-attr]
    assert signature.parameter("size").default == "(1, 2)"  # type: ignore[union-attr]


def test_positional_only_marker_and_var_arguments() -> None:
    signature = Signature.parse("(x, /, *dims, **kwargs)")
    assert signature is not None
    assert signature.parameter("x").kind is ParameterKind.POSITIONAL_ONLY  # type: ignore[union-attr]
    binding = bind_call(call_of("f(t, 0, 1, anything=2)"), signature)
    assert binding.problems == 0
    assert bind_call(call_of("f(x=t)"), signature).missing == ("x",)


def test_overloads_pick_the_one_the_call_fits() -> None:
    assert len(signatures_for("torch.topk")) >= 2
    binding = bind_to_api(call_of("topk(x, 5, dim=1, out=y)"), "torch.topk")
    assert binding is not None and binding.problems == 0
    assert text_of(binding.get("k")) == "5"


def test_unknown_api_has_no_binding() -> None:
    assert bind_to_api(call_of("f(1)"), "mindspore.no_such_api") is None
