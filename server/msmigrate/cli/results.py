"""What `msmigrate check` found in each file, and the totals and exit status derived from it.

Exit status: 0 when nothing is found, 1 when something is, 2 on a usage or internal error. A path
that does not exist is a usage error: the other paths are still checked and reported, then the exit
status is 2. So is a file whose analysis crashed. Files skipped for what they are (binary, not
decodable, too large, not valid Python) are reported on stderr and counted, but do not change the
exit status: there is nothing in them msmigrate could find.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from msmigrate.analysis.findings import Finding, FixSafety, Severity, TextEdit

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class Status(enum.Enum):
    CHECKED = "checked"
    SKIPPED = "skipped"  # unreadable as Python: binary, undecodable, too large, a syntax error
    MISSING = "missing"  # named on the command line, not on disk
    FAILED = "failed"  # msmigrate itself failed on it


@dataclass(frozen=True)
class ComputedFix:
    title: str
    safety: FixSafety
    edits: tuple[TextEdit, ...]  # positions as in the finding; empty for a suggestion


@dataclass(frozen=True)
class Problem:
    path: str
    finding: Finding  # for a notebook, its lines are counted within `cell`
    cell: int | None = None
    fixes: tuple[ComputedFix, ...] | None = None  # computed only for the JSON and SARIF formats

    @property
    def message(self) -> str:
        """The finding's message; in a notebook it names the cell, since the keys of JSON are fixed."""
        if self.cell is None:
            return self.finding.message
        return f"cell {self.cell}: {self.finding.message}"

    def fixable_with(self, safeties: frozenset[FixSafety]) -> bool:
        return any(offer.safety in safeties for offer in self.finding.fixes)


@dataclass
class FileOutcome:
    display: str
    status: Status = Status.CHECKED
    problems: list[Problem] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # for stderr, each naming the path
    fixes_applied: int = 0
    internal_error: bool = False  # something failed, though the file may still have been checked

    @property
    def errored(self) -> bool:
        return self.internal_error or self.status in (Status.MISSING, Status.FAILED)


SAFE_ONLY = frozenset({FixSafety.SAFE})
SAFE_AND_UNSAFE = frozenset({FixSafety.SAFE, FixSafety.UNSAFE})


@dataclass
class CheckReport:
    outcomes: list[FileOutcome]
    fixing: bool = False
    unsafe_fixes: bool = False

    @property
    def problems(self) -> list[Problem]:
        return [problem for outcome in self.outcomes for problem in outcome.problems]

    @property
    def checked_files(self) -> int:
        return sum(outcome.status is Status.CHECKED for outcome in self.outcomes)

    @property
    def skipped_files(self) -> int:
        return sum(outcome.status is Status.SKIPPED for outcome in self.outcomes)

    @property
    def files_with_problems(self) -> int:
        return sum(bool(outcome.problems) for outcome in self.outcomes)

    @property
    def fixes_applied(self) -> int:
        return sum(outcome.fixes_applied for outcome in self.outcomes)

    def severity_counts(self) -> Counter[Severity]:
        return Counter(problem.finding.severity for problem in self.problems)

    def fix_safeties(self) -> frozenset[FixSafety]:
        return SAFE_AND_UNSAFE if self.unsafe_fixes else SAFE_ONLY

    @property
    def exit_code(self) -> int:
        if any(outcome.errored for outcome in self.outcomes):
            return EXIT_ERROR
        return EXIT_FINDINGS if self.problems else EXIT_CLEAN
