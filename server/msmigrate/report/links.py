"""Links from a Markdown report to source lines that a Markdown preview (VS Code's) actually follows.

VS Code's preview leaves `file://` links as plain text, but follows a path relative to the report's own
folder and opens it at the line given as `#L<line>`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from msmigrate.report.collect import Location


def relative_link(file: str | Path, base: Path, line: int | None = None) -> str:
    """The link target for `file` (at `line`) from a Markdown file in the folder `base`."""
    fragment = f"#L{line}" if line else ""
    try:
        relative = Path(os.path.relpath(file, base)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return Path(file).resolve().as_uri() + fragment
    return quote(relative) + fragment


def relative_links(base: Path) -> Callable[[Location], str]:
    """A migration report's `link_target`: each location relative to the report's folder `base`."""

    def link(location: Location) -> str:
        if not location.file:
            return f"{quote(location.path)}#L{location.line}"
        return relative_link(location.file, base, location.line)

    return link
