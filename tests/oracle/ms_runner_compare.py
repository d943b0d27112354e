"""Comparison of the runner's JSON arrays, without importing mindspore."""

from __future__ import annotations

from typing import Any

import numpy as np

RTOL, ATOL = 1e-5, 1e-6


def same_values(a: Any, b: Any) -> bool:
    fa, fb = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    return fa.shape == fb.shape and bool(np.allclose(fa, fb, rtol=RTOL, atol=ATOL))
