"""How `msmigrate check` prints what it found: text for people, JSON and SARIF 2.1.0 for tools.

Positions, in every format: lines are 1-based; columns are 1-based and count Unicode code points
(the engine's 0-based column plus one). End positions are exclusive: `end_column` is the column just
past the last character, so `x.asnumpy()` starting at column 5 ends at column 16. This is SARIF's
convention with `columnKind: "unicodeCodePoints"`, and fix edits follow it too (an insertion starts
and ends at the same position).

JSON is a list with one object per finding and exactly these keys: `path`, `line`, `column`,
`end_line`, `end_column`, `code`, `category` (`graph-syntax`, `api-difference`, `dynamic-shape`),
`severity` (`error`, `warning`, `information`, `hint`), `message`, `doc_url` (a string or null) and
`fixes`: a list of `{title, safety, edits}`, `safety` being `safe`, `unsafe` or `suggestion`, each
edit `{line, column, end_line, end_column, new_text}`. A suggestion has no edits. A fix whose edits
cannot be computed is left out (with a note on stderr).

In a notebook, lines are counted within the code cell and, as the JSON keys are fixed, the message
starts with `cell N: `; text output shows `path:cell N:line:column`. JSON and SARIF are written in
ASCII (non-ASCII characters escaped), so they survive any terminal encoding.
"""

from __future__ import annotations

import enum
import json
from collections import Counter
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from msmigrate import __version__
from msmigrate.analysis.findings import Severity, Span
from msmigrate.cli.results import SAFE_AND_UNSAFE, CheckReport, Problem, Status
from msmigrate.rules import all_rules, rule_by_code

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "note",
    Severity.HINT: "note",
}
SOURCE_ROOT = "%SRCROOT%"


class OutputFormat(enum.Enum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"


def render(report: CheckReport, output_format: OutputFormat, stream: TextIO, *, colour: bool, statistics: bool) -> None:
    if output_format is OutputFormat.JSON:
        json.dump([problem_as_json(problem) for problem in report.problems], stream, indent=2)
        stream.write("\n")
    elif output_format is OutputFormat.SARIF:
        json.dump(sarif_log(report), stream, indent=2)
        stream.write("\n")
    else:
        TextRenderer(stream, colour).render(report, statistics)


# JSON


def position_keys(span: Span) -> dict[str, int]:
    return {
        "line": span.line,
        "column": span.column + 1,
        "end_line": span.end_line,
        "end_column": span.end_column + 1,
    }


def problem_as_json(problem: Problem) -> dict[str, Any]:
    finding = problem.finding
    return {
        "path": problem.path,
        **position_keys(finding.span),
        "code": finding.code,
        "category": finding.category.value,
        "severity": finding.severity.label,
        "message": problem.message,
        "doc_url": finding.doc_url,
        "fixes": [
            {
                "title": fix.title,
                "safety": fix.safety.value,
                "edits": [{**position_keys(edit.span), "new_text": edit.new_text} for edit in fix.edits],
            }
            for fix in problem.fixes or ()
        ],
    }


# SARIF


def sarif_log(report: CheckReport) -> dict[str, Any]:
    rules = all_rules()
    rule_index = {rule.code: index for index, rule in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "msmigrate",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_sarif_rule(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {SOURCE_ROOT: {"uri": Path.cwd().as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "invocations": [_sarif_invocation(report)],
                "results": [_sarif_result(problem, rule_index) for problem in report.problems],
            }
        ],
    }


def _sarif_rule(rule: Any) -> dict[str, Any]:
    doc = rule.doc()
    described: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name(),
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": doc.sections.get("What it does", doc.summary)},
        "help": {"text": doc.as_markdown(rule.code, rule.name()), "markdown": doc.as_markdown(rule.code, rule.name())},
        "properties": {"category": rule.category.value, "tags": [rule.category.value]},
    }
    if doc.url:
        described["helpUri"] = doc.url
    return described


def _artifact_location(path: str) -> dict[str, Any]:
    as_path = Path(path)
    if as_path.is_absolute():
        return {"uri": as_path.as_uri()}
    return {"uri": quote(as_path.as_posix()), "uriBaseId": SOURCE_ROOT}


def _region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.line,
        "startColumn": span.column + 1,
        "endLine": span.end_line,
        "endColumn": span.end_column + 1,
    }


def _sarif_result(problem: Problem, rule_index: dict[str, int]) -> dict[str, Any]:
    finding = problem.finding
    location = _artifact_location(problem.path)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": SARIF_LEVELS[finding.severity],
        "message": {"text": problem.message},
        "locations": [{"physicalLocation": {"artifactLocation": location, "region": _region(finding.span)}}],
        "properties": {"category": finding.category.value, "severity": finding.severity.label},
    }
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    if problem.cell is not None:
        result["properties"]["notebookCell"] = problem.cell
    # SARIF requires at least one change per fix, so suggestions are not listed.
    fixes = [
        {
            "description": {"text": fix.title},
            "artifactChanges": [
                {
                    "artifactLocation": location,
                    "replacements": [
                        {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.new_text}}
                        for edit in fix.edits
                    ],
                }
            ],
            "properties": {"safety": fix.safety.value},
        }
        for fix in problem.fixes or ()
        if fix.edits
    ]
    if fixes:
        result["fixes"] = fixes
    return result


def _sarif_invocation(report: CheckReport) -> dict[str, Any]:
    notifications = []
    for outcome in report.outcomes:
        error = outcome.status in (Status.MISSING, Status.FAILED) or outcome.internal_error
        for message in outcome.messages:
            notifications.append(
                {
                    "level": "error" if error else "warning",
                    "message": {"text": message},
                    "locations": [{"physicalLocation": {"artifactLocation": _artifact_location(outcome.display)}}],
                }
            )
    return {
        "executionSuccessful": report.exit_code != 2,
        "toolExecutionNotifications": notifications,
    }


# Text


class _Style:
    RESET = "\x1b[0m"
    BOLD = "\x1b[1m"
    DIM = "\x1b[2m"
    RED = "\x1b[31m"
    GREEN = "\x1b[32m"
    YELLOW = "\x1b[33m"
    BLUE = "\x1b[34m"
    CYAN = "\x1b[36m"


SEVERITY_STYLE = {
    Severity.ERROR: _Style.RED,
    Severity.WARNING: _Style.YELLOW,
    Severity.INFORMATION: _Style.BLUE,
    Severity.HINT: _Style.CYAN,
}


class TextRenderer:
    """ruff-like lines: `path:line:col: CODE [severity] message`, a docs link, then a summary."""

    def __init__(self, stream: TextIO, colour: bool) -> None:
        self.stream = stream
        self.colour = colour

    def paint(self, text: str, *styles: str) -> str:
        if not self.colour or not styles:
            return text
        return "".join(styles) + text + _Style.RESET

    def render(self, report: CheckReport, statistics: bool) -> None:
        write = self.stream.write
        safeties = report.fix_safeties()
        for problem in report.problems:
            finding = problem.finding
            span = finding.span
            where = problem.path if problem.cell is None else f"{problem.path}:cell {problem.cell}"
            fixable = " " + self.paint("[*]", _Style.GREEN) if problem.fixable_with(safeties) else ""
            write(
                f"{self.paint(where, _Style.BOLD)}:{span.line}:{span.column + 1}: "
                f"{self.paint(finding.code, _Style.BOLD, SEVERITY_STYLE[finding.severity])} "
                f"[{self.paint(finding.severity.label, SEVERITY_STYLE[finding.severity])}]{fixable} "
                f"{finding.message}\n"
            )
            if finding.doc_url:
                write(f"  {self.paint('docs: ' + finding.doc_url, _Style.DIM)}\n")
        if statistics and report.problems:
            write("\n")
            self._statistics(report)
        if report.problems:
            write("\n")
        for line in self.summary_lines(report):
            write(line + "\n")

    def _statistics(self, report: CheckReport) -> None:
        counts = Counter(problem.finding.code for problem in report.problems)
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            rule = rule_by_code(code)
            name = rule.name() if rule is not None else ""
            self.stream.write(f"{count:>6}  {code:<8}{name}\n")

    def summary_lines(self, report: CheckReport) -> list[str]:
        lines = []
        if report.fixing:
            fixed = report.fixes_applied
            lines.append(f"Fixed {fixed} {_plural(fixed, 'problem')}.")
        problems = report.problems
        skipped = report.skipped_files
        skipped_text = f"; {skipped} {_plural(skipped, 'file')} skipped" if skipped else ""
        checked = report.checked_files
        if problems:
            counts = report.severity_counts()
            by_severity = ", ".join(
                f"{counts[severity]} {_plural(counts[severity], severity.label)}"
                for severity in Severity
                if counts[severity]
            )
            found = self.paint(f"Found {len(problems)} {_plural(len(problems), 'problem')}", _Style.BOLD)
            lines.append(
                f"{found} ({by_severity}) in {report.files_with_problems} {_plural(report.files_with_problems, 'file')}"
                f" of {checked} checked{skipped_text}."
            )
        else:
            passed = self.paint("All checks passed", _Style.BOLD, _Style.GREEN)
            lines.append(f"{passed}: {checked} {_plural(checked, 'file')} checked{skipped_text}.")
        if not report.fixing:
            fixable = sum(problem.fixable_with(report.fix_safeties()) for problem in problems)
            with_unsafe = sum(problem.fixable_with(SAFE_AND_UNSAFE) for problem in problems)
            flags = "--fix --unsafe-fixes" if report.unsafe_fixes else "--fix"
            if fixable:
                more = f" ({with_unsafe - fixable} more with --fix --unsafe-fixes)" if with_unsafe > fixable else ""
                lines.append(f"[*] {fixable} fixable with {flags}{more}.")
            elif with_unsafe:
                lines.append(f"{with_unsafe} fixable with --fix --unsafe-fixes.")
        errors = sum(outcome.errored for outcome in report.outcomes)
        if errors:
            lines.append(f"{errors} {_plural(errors, 'path')} could not be checked (see above).")
        return lines


def _plural(count: int, word: str) -> str:
    if count == 1:
        return word
    if word == "information":
        return word
    return word + "s"
