"""Shared helpers for the equivalence tests: the model pairs and a skip when the frameworks are missing."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

PAIRS = Path(__file__).parent / "pairs"

requires_frameworks = pytest.mark.skipif(
    not (importlib.util.find_spec("mindspore") and importlib.util.find_spec("torch")) and not os.environ.get("CI"),
    reason="mindspore and torch are not installed (pip install -e '.[equiv]')",
)


def pair_file(name: str) -> str:
    return str(PAIRS / name)


def line_of(name: str, text: str) -> int:
    """The 1-based line of the first line of a pair file that contains `text`."""
    for number, content in enumerate((PAIRS / name).read_text(encoding="utf-8").splitlines(), start=1):
        if text in content:
            return number
    raise AssertionError(f"{text!r} is not in {name}")


# The result keys the contract with the editor and the VS Code client promises (schema 2).
CONTRACT_KEYS = {
    "schema",
    "status",
    "equivalent",
    "summary",
    "torch",
    "mindspore",
    "device",
    "inputs",
    "tolerances",
    "weight_mapping",
    "checks",
    "layers",
    "config_differences",
    "first_divergence",
    "notes",
    "error",
    "duration_s",
}
