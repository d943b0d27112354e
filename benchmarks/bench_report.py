"""Result rows shared by the benchmark scripts, and the plain-text table they print.

A row is one measured number with its unit, the target it is held to (if any) and whether the target
was met. Rows whose measurement could not be taken carry `value=None` and a `note` saying why.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
WORKSPACES = REPO / "tests" / "workspaces"


@dataclass
class Row:
    section: str
    name: str
    value: float | None
    unit: str
    target: str = ""  # human-readable, e.g. "<= 40 ms"
    passed: bool | None = None  # None: no target, or nothing measured
    note: str = ""

    @property
    def mark(self) -> str:
        if self.passed is None:
            return "n/a" if self.target and self.value is None else ""
        return "PASS" if self.passed else "FAIL"


def at_most(limit: float) -> Callable[[float], bool]:
    return lambda value: value <= limit


def at_least(limit: float) -> Callable[[float], bool]:
    return lambda value: value >= limit


def measured(
    section: str,
    name: str,
    value: float,
    unit: str,
    target: str = "",
    check: Callable[[float], bool] | None = None,
    note: str = "",
) -> Row:
    passed = check(value) if check is not None else None
    return Row(section, name, value, unit, target, passed, note)


def unavailable(section: str, name: str, unit: str, reason: str, target: str = "") -> Row:
    return Row(section, name, None, unit, target, None, reason)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear-interpolated percentile (the same definition as numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        number = f"{value:,.0f}"
    elif abs(value) >= 10:
        number = f"{value:.1f}"
    else:
        number = f"{value:.2f}"
    return f"{number} {unit}".strip()


def render_table(rows: Sequence[Row]) -> str:
    headers = ("section", "measurement", "value", "target", "result", "note")
    cells = [(row.section, row.name, format_value(row.value, row.unit), row.target, row.mark, row.note) for row in rows]
    widths = [max(len(header), *(len(line[index]) for line in cells)) for index, header in enumerate(headers)]
    # The note column is left ragged: notes can be long reasons.
    widths[-1] = len(headers[-1])

    def line(values: Sequence[str]) -> str:
        return "  ".join(value.ljust(width) for value, width in zip(values, widths, strict=True)).rstrip()

    separator = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), separator, *(line(values) for values in cells)])


def write_json(rows: Sequence[Row], path: Path, context: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"context": context, "rows": [asdict(row) | {"result": row.mark} for row in rows]}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
