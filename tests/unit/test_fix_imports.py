"""Fixes reach MindSpore names through the file's own imports, preferring a direct one."""

from __future__ import annotations

import libcst as cst
import pytest

from msmigrate.fixes.imports import ensure_imported, reference_to


@pytest.mark.parametrize(
    "code,expected",
    [
        ("import mindspore as ms\nfrom mindspore import ops\n", "ops"),
        ("from mindspore import ops as O\nimport mindspore as ms\n", "O"),
        ("import mindspore.ops as P\n", "P"),
        ("import mindspore as ms\n", "ms.ops"),
        ("import mindspore\n", "mindspore.ops"),
        ("import mindspore.nn\n", "mindspore.ops"),
        ("import numpy as np\n", None),
    ],
)
def test_reference_to_ops(code: str, expected: str | None) -> None:
    assert reference_to(cst.parse_module(code), "mindspore", "ops") == expected


def test_import_is_added_once_after_the_last_import() -> None:
    module = cst.parse_module('"""Doc."""\nimport numpy as np\n\nx = 1\n')
    module, name = ensure_imported(module, "mindspore", "ops")
    module, again = ensure_imported(module, "mindspore", "ops")
    assert name == again == "ops"
    assert module.code == '"""Doc."""\nimport numpy as np\nfrom mindspore import ops\n\nx = 1\n'
