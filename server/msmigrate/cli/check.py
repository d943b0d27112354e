"""`msmigrate check`: find files, analyse each (in a process pool when there are many), fix, report.

Each file is handled by `check_file`, which never raises: whatever goes wrong becomes a message
naming the path, and the run goes on with the other files. libcst (through `msmigrate.fixes`) is
imported only when fixes are applied or their edits are printed, since the plain check is the fast
path and parses with `ast` alone.

`--fix` applies the fixes of the allowed safeties (safe; unsafe too with `--unsafe-fixes`) and
re-analyses, round after round, until no fix is left to apply or `MAX_FIX_ROUNDS` is reached. Fixes
whose edits overlap wait for the next round. A round whose result would not parse is not written.
"""

from __future__ import annotations

import ast
import logging
import multiprocessing
import os
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.context import BaseContext
from typing import TextIO

from msmigrate.analysis.engine import AnalysisResult, Engine
from msmigrate.analysis.findings import Finding, FixOffer, FixSafety, Span, TextEdit
from msmigrate.analysis.settings import AnalysisSettings
from msmigrate.cli.output import OutputFormat, render
from msmigrate.cli.results import (
    SAFE_AND_UNSAFE,
    SAFE_ONLY,
    CheckReport,
    ComputedFix,
    FileOutcome,
    Problem,
    Status,
)
from msmigrate.workspace.config import ConfigResolver, Overrides
from msmigrate.workspace.files import (
    DEFAULT_MAX_FILE_BYTES,
    SourceFile,
    Unreadable,
    discover,
    load,
    write_text,
)
from msmigrate.workspace.notebooks import NotebookCells

MAX_FIX_ROUNDS = 10
# Measured on 2 cores with fork: a pool of 2 costs ~8 ms of CPU to start and ~1 ms per file in
# transfers and page faults, while a 180-line model file takes ~5-12 ms to analyse. Ten such files
# already break even; below this count the gain is too small to be worth a second process.
PARALLEL_MIN_FILES = 20
SAFETY_ORDER = {FixSafety.SAFE: 0, FixSafety.UNSAFE: 1, FixSafety.SUGGESTION: 2}


@dataclass(frozen=True)
class CheckRequest:
    paths: tuple[str, ...]
    output_format: OutputFormat = OutputFormat.TEXT
    overrides: Overrides = field(default_factory=Overrides)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    fix: bool = False
    unsafe_fixes: bool = False
    jobs: int | None = None  # None: one per CPU
    statistics: bool = False
    colour: bool = False


@dataclass(frozen=True)
class FileJob:
    source: SourceFile
    settings: AnalysisSettings
    max_bytes: int
    with_edits: bool  # compute each offered fix's edits, for JSON and SARIF
    fix_safeties: frozenset[FixSafety]  # apply fixes of these safeties; empty: do not fix


def run_check(request: CheckRequest, stdout: TextIO, stderr: TextIO) -> int:
    def warn(message: str) -> None:
        print(message, file=stderr, flush=True)

    _silence_engine_log()
    resolver = ConfigResolver(warn, request.overrides)
    discovery = discover(request.paths, resolver.is_excluded)
    outcomes = [
        FileOutcome(argument, Status.MISSING, messages=[f"{argument}: no such file or directory"])
        for argument in discovery.missing
    ]
    for outcome in outcomes:
        warn(outcome.messages[0])
    fix_safeties = (SAFE_AND_UNSAFE if request.unsafe_fixes else SAFE_ONLY) if request.fix else frozenset()
    jobs = [
        FileJob(
            source=source,
            settings=resolver.settings_for(source.path),
            max_bytes=request.max_file_bytes,
            with_edits=request.output_format is not OutputFormat.TEXT,
            fix_safeties=fix_safeties,
        )
        for source in discovery.files
    ]
    for outcome in run_jobs(jobs, request.jobs):
        for message in outcome.messages:
            warn(message)
        outcomes.append(outcome)
    report = CheckReport(outcomes, fixing=request.fix, unsafe_fixes=request.unsafe_fixes)
    render(report, request.output_format, stdout, colour=request.colour, statistics=request.statistics)
    return report.exit_code


def _silence_engine_log() -> None:
    # The engine logs a failing rule with its traceback; the CLI reports it as one line per file
    # instead (`rule_failures`), so without a handler Python's last-resort stderr output would repeat it.
    logger = logging.getLogger("msmigrate")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def run_jobs(jobs: list[FileJob], workers: int | None) -> Iterator[FileOutcome]:
    """Outcomes in the order of `jobs`, computed in a process pool when that pays off."""
    workers = workers or _usable_cpus()
    workers = min(workers, len(jobs) // (PARALLEL_MIN_FILES // 2) or 1)
    if workers <= 1 or len(jobs) < PARALLEL_MIN_FILES:
        yield from map(check_file, jobs)
        return
    # Small chunks keep the workers evenly loaded when a few files are much larger than the rest.
    chunk_size = max(1, min(32, len(jobs) // (workers * 8)))
    with _pool_context().Pool(workers) as pool:
        yield from pool.imap(check_file, jobs, chunksize=chunk_size)


def _usable_cpus() -> int:
    # A container or `taskset` may allow fewer CPUs than the machine has.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _pool_context() -> BaseContext:
    # fork starts a worker in milliseconds with the engine already imported; spawn re-imports it.
    # macOS lists fork too, but forking there is unsafe once system frameworks are loaded.
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


_ENGINES: dict[AnalysisSettings, Engine] = {}


def _engine(settings: AnalysisSettings) -> Engine:
    engine = _ENGINES.get(settings)
    if engine is None:
        engine = _ENGINES[settings] = Engine(settings)
    return engine


def check_file(job: FileJob) -> FileOutcome:
    """Read, analyse and (if asked) fix one file. Never raises."""
    outcome = FileOutcome(job.source.display)
    try:
        _check(job, outcome)
    except Unreadable as error:
        outcome.status = Status.MISSING if error.missing else Status.SKIPPED
        outcome.messages.append(f"{job.source.display}: {error.message}")
    except Exception as error:  # one file must not stop the run; the user gets the trace to report
        outcome.status = Status.FAILED
        outcome.problems = []
        outcome.messages.append(
            f"{job.source.display}: internal error, file not checked (please report): "
            f"{type(error).__name__}: {error}\n{_indented(traceback.format_exc())}"
        )
    return outcome


def _check(job: FileJob, outcome: FileOutcome) -> None:
    source = job.source
    loaded = load(source, job.max_bytes)
    engine = _engine(job.settings)
    text = loaded.text
    if job.fix_safeties and loaded.cells is not None:
        outcome.messages.append(f"{source.display}: note: --fix does not change notebooks; findings are reported")
    if job.fix_safeties and loaded.cells is None:
        fixer = _Fixer(engine, job.fix_safeties, source.display, outcome)
        text, result = fixer.run(text)
        if outcome.fixes_applied:
            try:
                write_text(source.path, text, loaded.encoding)
            except (OSError, UnicodeEncodeError) as error:
                outcome.internal_error = True
                outcome.messages.append(f"{source.display}: error: cannot write the fixes, file unchanged: {error}")
                outcome.fixes_applied = 0
                result = engine.analyze(loaded.text)
    else:
        result = engine.analyze(text)

    if result.syntax_problem is not None:
        problem = result.syntax_problem
        where = _location(source.display, problem.span, loaded.cells)
        outcome.status = Status.SKIPPED
        outcome.messages.append(f"{where}: skipped: {problem.message}")
        return
    for failure in result.rule_failures:
        last_line = failure.error.strip().splitlines()[-1] if failure.error.strip() else "unknown error"
        outcome.messages.append(
            f"{source.display}: warning: rule {failure.code} failed and was skipped for this file "
            f"(please report): {last_line}"
        )
    for finding in result.findings:
        fixes = _computed_fixes(text, finding, loaded.cells, source.display, outcome) if job.with_edits else None
        outcome.problems.append(_problem(source.display, finding, loaded.cells, fixes))


def _problem(
    display: str, finding: Finding, cells: NotebookCells | None, fixes: tuple[ComputedFix, ...] | None
) -> Problem:
    if cells is None:
        return Problem(display, finding, None, fixes)
    mapped = cells.map_span(finding.span)
    if mapped is None:  # a statement cannot span cells; keep the joined-text position rather than guess
        return Problem(display, finding, None, fixes)
    cell, span = mapped
    return Problem(display, replace(finding, span=span), cell, fixes)


def _location(display: str, span: Span, cells: NotebookCells | None) -> str:
    if cells is not None:
        mapped = cells.map_span(span)
        if mapped is not None:
            cell, local = mapped
            return f"{display}:cell {cell}:{local.line}:{local.column + 1}"
    return f"{display}:{span.line}:{span.column + 1}"


def _computed_fixes(
    text: str, finding: Finding, cells: NotebookCells | None, display: str, outcome: FileOutcome
) -> tuple[ComputedFix, ...]:
    from msmigrate.fixes import FixError, compute_edits

    fixes: list[ComputedFix] = []
    for offer in finding.fixes:
        where = _location(display, finding.span, cells)
        try:
            edits = compute_edits(text, finding, offer)
        except FixError as error:
            outcome.messages.append(f"{where}: note: fix {offer.title!r} for {finding.code} left out: {error}")
            continue
        except Exception as error:  # a broken fix must not hide the finding
            outcome.messages.append(
                f"{where}: warning: fix {offer.title!r} for {finding.code} failed (please report): "
                f"{type(error).__name__}: {error}"
            )
            continue
        if cells is not None:
            mapped = _edits_in_cells(edits, cells)
            if mapped is None:
                outcome.messages.append(
                    f"{where}: note: fix {offer.title!r} for {finding.code} left out: it changes more than one cell"
                )
                continue
            edits = mapped
        fixes.append(ComputedFix(offer.title, offer.safety, tuple(edits)))
    return tuple(fixes)


def _edits_in_cells(edits: list[TextEdit], cells: NotebookCells) -> list[TextEdit] | None:
    mapped_edits: list[TextEdit] = []
    cell_numbers: set[int] = set()
    for edit in edits:
        mapped = cells.map_span(edit.span)
        if mapped is None:
            return None
        cell_numbers.add(mapped[0])
        mapped_edits.append(TextEdit(mapped[1], edit.new_text))
    return mapped_edits if len(cell_numbers) <= 1 else None


class _Fixer:
    """Applies fixes to one text round by round until it settles."""

    def __init__(self, engine: Engine, safeties: frozenset[FixSafety], display: str, outcome: FileOutcome) -> None:
        self.engine = engine
        self.safeties = safeties
        self.display = display
        self.outcome = outcome
        self.failed: set[tuple[str, Span, str]] = set()

    def run(self, text: str) -> tuple[str, AnalysisResult]:
        for _ in range(MAX_FIX_ROUNDS):
            result = self.engine.analyze(text)
            if result.syntax_problem is not None:
                return text, result
            edits, applied = self._one_round(text, result)
            if not applied:
                return text, result
            new_text = _apply(text, edits)
            try:
                ast.parse(new_text)
            except SyntaxError as error:
                self.outcome.internal_error = True
                self.outcome.messages.append(
                    f"{self.display}: internal error (please report): fixes produced code that does not parse "
                    f"({error.msg}, line {error.lineno}); the last round was not applied"
                )
                return text, result
            text = new_text
            self.outcome.fixes_applied += applied
        result = self.engine.analyze(text)
        if any(self._candidates(result)):
            self.outcome.messages.append(
                f"{self.display}: warning: fixes did not settle after {MAX_FIX_ROUNDS} rounds; run --fix again"
            )
        return text, result

    def _candidates(self, result: AnalysisResult) -> Iterator[tuple[Finding, list[FixOffer]]]:
        for finding in result.findings:
            offers = sorted(
                (offer for offer in finding.fixes if offer.safety in self.safeties),
                key=lambda offer: SAFETY_ORDER[offer.safety],
            )
            offers = [offer for offer in offers if (finding.code, finding.span, offer.fix_id) not in self.failed]
            if offers:
                yield finding, offers

    def _one_round(self, text: str, result: AnalysisResult) -> tuple[list[TextEdit], int]:
        from msmigrate.fixes import FixError, compute_edits

        chosen: list[TextEdit] = []
        applied = 0
        for finding, offers in self._candidates(result):
            for offer in offers:
                try:
                    edits = compute_edits(text, finding, offer)
                except FixError as error:
                    self._give_up(
                        finding, offer.fix_id, f"note: fix {offer.title!r} for {finding.code} skipped: {error}"
                    )
                    continue
                except Exception as error:  # a broken fix must not stop the others
                    self._give_up(
                        finding,
                        offer.fix_id,
                        f"warning: fix {offer.title!r} for {finding.code} failed (please report): "
                        f"{type(error).__name__}: {error}",
                    )
                    continue
                if any(_overlaps(edit, other) for edit in edits for other in chosen):
                    break  # next round, against the text as it will be then
                chosen.extend(edits)
                applied += 1
                break
        return chosen, applied

    def _give_up(self, finding: Finding, fix_id: str, message: str) -> None:
        self.failed.add((finding.code, finding.span, fix_id))
        span = finding.span
        self.outcome.messages.append(f"{self.display}:{span.line}:{span.column + 1}: {message}")


def _overlaps(first: TextEdit, second: TextEdit) -> bool:
    a, b = first.span, second.span
    a_start, a_end = (a.line, a.column), (a.end_line, a.end_column)
    b_start, b_end = (b.line, b.column), (b.end_line, b.end_column)
    # Two insertions at one point would be applied in an arbitrary order: treat them as a conflict.
    return a_start == b_start or (a_start < b_end and b_start < a_end)


def _apply(text: str, edits: list[TextEdit]) -> str:
    from msmigrate.fixes.core import apply_edits

    return apply_edits(text, edits)


def _indented(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.rstrip().splitlines())
