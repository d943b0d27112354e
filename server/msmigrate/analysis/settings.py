"""Settings that change what the engine reports (shared by the CLI, the server and the tests)."""

from __future__ import annotations

from dataclasses import dataclass

from msmigrate.analysis.facts import SyntaxLevel


@dataclass(frozen=True)
class AnalysisSettings:
    select: tuple[str, ...] = ()  # code prefixes; empty means every rule
    ignore: tuple[str, ...] = ()
    jit_syntax_level: SyntaxLevel | None = None  # None: what the file sets, else MindSpore's default

    def enabled(self, code: str) -> bool:
        """The longest matching prefix decides, so `--ignore MSG --select MSG003` keeps MSG003."""
        best_length = -1
        verdict = not self.select
        for prefix in self.select:
            if code.startswith(prefix) and len(prefix) > best_length:
                best_length, verdict = len(prefix), True
        for prefix in self.ignore:
            if code.startswith(prefix) and len(prefix) >= best_length:
                best_length, verdict = len(prefix), False
        return verdict
