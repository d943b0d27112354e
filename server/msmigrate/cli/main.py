"""The `msmigrate` console script (also `python -m msmigrate`).

    msmigrate check [PATH ...]   report what breaks when this code is ported to MindSpore
    msmigrate rules              list the rules: code, name, category, summary
    msmigrate rule CODE          print one rule's documentation
    msmigrate serve              run the language server on stdio
    msmigrate equiv T.py:A M.py:B  check that Cell B computes what torch module A computes
    msmigrate report [PATH ...]  the torch APIs a project uses, grouped by what MindSpore offers for each

Exit status of `check`: 0 nothing found, 1 something found, 2 a usage or internal error (see
`msmigrate.cli.results`). Every subcommand imports only what it needs: `check` never imports the
language server, and imports libcst only for `--fix` or the JSON and SARIF formats.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from msmigrate import __version__
from msmigrate.analysis.facts import SyntaxLevel
from msmigrate.cli.equiv import add_parser as add_equiv_parser
from msmigrate.cli.output import OutputFormat
from msmigrate.cli.report import add_parser as add_report_parser
from msmigrate.cli.results import EXIT_ERROR
from msmigrate.workspace.config import Overrides, parse_code_list, parse_exclude_patterns, parse_level
from msmigrate.workspace.files import DEFAULT_MAX_FILE_BYTES

EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    _tolerate_unencodable_output()
    parser = build_parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as exit_request:  # --help, --version, or a usage error (status 2)
        return exit_request.code if isinstance(exit_request.code, int) else EXIT_ERROR
    try:
        return arguments.run(arguments, sys.stdout, sys.stderr)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (`| head`) went away: stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception:
        print(f"msmigrate: internal error (please report):\n{traceback.format_exc()}", file=sys.stderr)
        return EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msmigrate",
        description="Find what breaks when PyTorch code is ported to MindSpore.",
    )
    parser.add_argument("--version", action="version", version=f"msmigrate {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    check = commands.add_parser(
        "check",
        help="check files and directories",
        description="Check Python files (directories are searched for *.py and *.pyi; notebooks named "
        "explicitly are read too). Exit status: 0 nothing found, 1 problems found, 2 usage or internal error.",
    )
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)")
    check.add_argument(
        "--format",
        choices=[output_format.value for output_format in OutputFormat],
        default=OutputFormat.TEXT.value,
        help="output format (default: text)",
    )
    check.add_argument(
        "--select",
        action="append",
        type=_codes,
        metavar="CODES",
        help="only these rule codes or code prefixes, comma-separated; repeatable (replaces the configured select)",
    )
    check.add_argument(
        "--ignore",
        action="append",
        type=_codes,
        metavar="CODES",
        help="skip these rule codes or code prefixes, comma-separated; repeatable (replaces the configured ignore)",
    )
    check.add_argument(
        "--jit-syntax-level",
        type=_level,
        metavar="{strict,lax}",
        help="assume this jit_syntax_level instead of what each file sets (MindSpore's default: lax)",
    )
    check.add_argument(
        "--extend-exclude",
        action="append",
        default=[],
        metavar="PATTERNS",
        help="also skip files and directories matching these globs while searching directories, comma-separated",
    )
    check.add_argument("--fix", action="store_true", help="apply safe fixes in place, then report what is left")
    check.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix, also apply fixes that may change behaviour"
    )
    check.add_argument(
        "--max-file-size",
        type=_megabytes,
        default=DEFAULT_MAX_FILE_BYTES,
        metavar="MB",
        help=f"skip larger files (default: {DEFAULT_MAX_FILE_BYTES // (1024 * 1024)})",
    )
    check.add_argument("-j", "--jobs", type=_positive_int, metavar="N", help="worker processes (default: CPU count)")
    check.add_argument("--statistics", action="store_true", help="also count findings per rule")
    check.set_defaults(run=_run_check)

    rules = commands.add_parser("rules", help="list the rules", description="List every rule.")
    rules.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    rules.set_defaults(run=_run_rules)

    rule = commands.add_parser("rule", help="print a rule's documentation", description="Print a rule's documentation.")
    rule.add_argument("code", metavar="CODE", help="a rule code, such as MSG001")
    rule.set_defaults(run=_run_rule)

    serve = commands.add_parser(
        "serve", help="run the language server on stdio", description="Run the language server."
    )
    # Language clients (vscode-languageclient among them) pass --stdio; stdio is the only transport.
    serve.add_argument("--stdio", action="store_true", help=argparse.SUPPRESS)
    serve.set_defaults(run=_run_serve)

    add_equiv_parser(commands)
    add_report_parser(commands)
    return parser


def _codes(value: str) -> tuple[str, ...]:
    try:
        return parse_code_list([value])
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _level(value: str) -> SyntaxLevel:
    try:
        return parse_level(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _megabytes(value: str) -> int:
    try:
        megabytes = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of megabytes") from None
    if not megabytes > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return int(megabytes * 1024 * 1024)


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _flatten(groups: list[tuple[str, ...]] | None) -> tuple[str, ...] | None:
    if groups is None:
        return None
    return tuple(code for group in groups for code in group)


def _run_check(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from msmigrate.cli.check import CheckRequest, run_check

    overrides = Overrides(
        select=_flatten(arguments.select),
        ignore=_flatten(arguments.ignore),
        jit_syntax_level=arguments.jit_syntax_level,
        extend_exclude=parse_exclude_patterns(arguments.extend_exclude),
    )
    _warn_about_unmatched_codes(overrides, stderr)
    request = CheckRequest(
        paths=tuple(arguments.paths),
        output_format=OutputFormat(arguments.format),
        overrides=overrides,
        max_file_bytes=arguments.max_file_size,
        fix=arguments.fix,
        unsafe_fixes=arguments.unsafe_fixes,
        jobs=arguments.jobs,
        statistics=arguments.statistics,
        colour=_wants_colour(stdout),
    )
    return run_check(request, stdout, stderr)


def _warn_about_unmatched_codes(overrides: Overrides, stderr: TextIO) -> None:
    from msmigrate.rules import all_rules

    codes = [rule.code for rule in all_rules()]
    for flag, prefixes in (("--select", overrides.select), ("--ignore", overrides.ignore)):
        for prefix in prefixes or ():
            if not any(code.startswith(prefix) for code in codes):
                print(f"msmigrate: warning: {flag} {prefix} matches no rule", file=stderr)


def _wants_colour(stream: TextIO) -> bool:
    # https://no-color.org: any non-empty NO_COLOR turns colour off.
    return not os.environ.get("NO_COLOR") and stream.isatty()


def _run_rules(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from msmigrate.rules import all_rules

    rules = all_rules()
    if arguments.format == "json":
        listed = [
            {
                "code": rule.code,
                "name": rule.name(),
                "category": rule.category.value,
                "summary": rule.doc().summary,
                "doc_url": rule.doc_url(),
            }
            for rule in rules
        ]
        json.dump(listed, stdout, indent=2)
        stdout.write("\n")
        return 0
    name_width = max((len(rule.name()) for rule in rules), default=0)
    for rule in rules:
        stdout.write(f"{rule.code}  {rule.name():<{name_width}}  {rule.category.value:<14}  {rule.doc().summary}\n")
    return 0


def _run_rule(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from msmigrate.rules import rule_by_code

    code = arguments.code.strip().upper()
    rule = rule_by_code(code)
    if rule is None:
        print(f"msmigrate: no rule {code}; `msmigrate rules` lists them", file=stderr)
        return EXIT_ERROR
    stdout.write(rule.doc().as_markdown(rule.code, rule.name()) + "\n")
    return 0


def _run_serve(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from msmigrate.cli.serve import run_server

    return run_server()


def _tolerate_unencodable_output() -> None:
    # Messages quote source code; a terminal that cannot show a character must not crash the run.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
