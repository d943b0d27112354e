"""`# noqa` and `# noqa: MSG001, MSA002` suppression comments."""

from __future__ import annotations

import re

from msmigrate.analysis.findings import Finding
from msmigrate.analysis.source import SourceText

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)

ALL_CODES = "*"


def suppressions(source: SourceText) -> dict[int, frozenset[str]]:
    """1-based line -> suppressed codes (`{"*"}` for a bare `# noqa`)."""
    found: dict[int, frozenset[str]] = {}
    if "noqa" not in source.text.lower():
        return found
    for index, line in enumerate(source.lines, start=1):
        if "noqa" not in line.lower():
            continue
        match = _NOQA.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        found[index] = frozenset(re.split(r"[\s,]+", codes.upper())) if codes else frozenset({ALL_CODES})
    return found


def is_suppressed(finding: Finding, suppressed: dict[int, frozenset[str]]) -> bool:
    # A statement that spans lines can carry its comment on its first or its last line.
    for line in {finding.span.line, finding.span.end_line}:
        codes = suppressed.get(line)
        if codes and (ALL_CODES in codes or finding.code in codes):
            return True
    return False
