"""The official tables in `mappings/sources/` are the ones their provenance README describes, byte for byte."""

from __future__ import annotations

import hashlib
import re

from tools.mapping_common import SOURCES_DIR, read_tsv

# | `file.tsv` | 1,259 | what | `sha256` |
DESCRIBED_FILE = re.compile(r"^\| `(?P<name>[^`]+\.tsv)` \| (?P<rows>[\d,]+) \| .* \| `(?P<sha256>[0-9a-f]{64})` \|$")


def test_every_source_table_has_the_rows_and_checksum_its_readme_records() -> None:
    described = {
        match["name"]: (int(match["rows"].replace(",", "")), match["sha256"])
        for line in (SOURCES_DIR / "README.md").read_text(encoding="utf-8").splitlines()
        if (match := DESCRIBED_FILE.match(line))
    }
    on_disk = {path.name for path in SOURCES_DIR.glob("*.tsv")}
    assert on_disk and set(described) == on_disk
    for name, (rows, sha256) in described.items():
        assert len(read_tsv(name)) == rows, name
        assert hashlib.sha256((SOURCES_DIR / name).read_bytes()).hexdigest() == sha256, name
