"""`msmigrate report PATH...`: every torch API a project uses, grouped by what MindSpore offers for it.

Files are found as `msmigrate check` finds them (directories walked, notebooks named explicitly,
`[tool.msmigrate] exclude` and `--extend-exclude`). The report goes to stdout, or to `--output FILE`
(Markdown then links each location relative to that file, for a preview that opens the code).

Exit status: 0 the report was written (files that cannot be read are listed in it and on stderr),
2 a path that does not exist, an output file that cannot be written, or a usage error.
"""

from __future__ import annotations

import argparse
import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from msmigrate.cli.results import EXIT_CLEAN, EXIT_ERROR
from msmigrate.workspace.config import ConfigResolver, Overrides, parse_exclude_patterns
from msmigrate.workspace.files import DEFAULT_MAX_FILE_BYTES

if TYPE_CHECKING:
    pass


class ReportFormat(enum.Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class ReportRequest:
    paths: tuple[str, ...]
    output_format: ReportFormat = ReportFormat.TEXT
    output: Path | None = None
    extend_exclude: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES


def add_parser(commands: Any) -> None:
    """Register the `report` subcommand on the `add_subparsers()` object of the main parser."""
    report = commands.add_parser(
        "report",
        help="list the torch APIs a project uses and what MindSpore offers for each",
        description="Every torch API used under PATH, with counts and locations, grouped as differs / no "
        "counterpart / unknown / consistent according to the PyTorch-to-MindSpore mapping tables. Exit status: "
        "0 report written, 2 a missing path, an unwritable output file or a usage error.",
    )
    report.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)")
    report.add_argument(
        "--format",
        choices=[report_format.value for report_format in ReportFormat],
        default=ReportFormat.TEXT.value,
        help="output format (default: text)",
    )
    report.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report to FILE, not stdout")
    report.add_argument(
        "--extend-exclude",
        action="append",
        default=[],
        metavar="PATTERNS",
        help="also skip files and directories matching these globs while searching directories, comma-separated",
    )
    report.set_defaults(run=_run)


def _run(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    request = ReportRequest(
        paths=tuple(arguments.paths),
        output_format=ReportFormat(arguments.format),
        output=arguments.output,
        extend_exclude=parse_exclude_patterns(arguments.extend_exclude),
    )
    return run_report(request, stdout, stderr)


def run_report(request: ReportRequest, stdout: TextIO, stderr: TextIO) -> int:
    # The report's modules are imported here: `msmigrate check` imports this module and needs none of them.
    from msmigrate.report import collect_report, render_json, render_markdown, render_text
    from msmigrate.report.links import relative_links

    def warn(message: str) -> None:
        print(f"msmigrate: {message}", file=stderr, flush=True)

    resolver = ConfigResolver(warn, Overrides(extend_exclude=request.extend_exclude))
    report = collect_report(
        request.paths, is_excluded=resolver.is_excluded, max_file_bytes=request.max_file_bytes, warn=warn
    )
    if request.output_format is ReportFormat.JSON:
        rendered = render_json(report)
    elif request.output_format is ReportFormat.MARKDOWN:
        rendered = render_markdown(report, relative_links(request.output.resolve().parent) if request.output else None)
    else:
        rendered = render_text(report)
    if request.output is None:
        stdout.write(rendered)
    else:
        try:
            request.output.write_text(rendered, encoding="utf-8")
        except OSError as error:
            warn(f"cannot write the report to {request.output}: {error.strerror or error}")
            return EXIT_ERROR
        print(f"{report.summary()} Report written to {request.output}.", file=stderr)
    return EXIT_ERROR if report.missing else EXIT_CLEAN
