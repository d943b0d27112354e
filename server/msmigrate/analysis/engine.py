"""Runs every enabled rule over one document in a single pass per code unit.

The document is parsed once with the stdlib `ast` (the fast path: ~10x faster than libcst). Module
facts come first; then each top-level function or method is walked once and its nodes are dispatched
by type to the rules that asked for them. Graph-only rules see only functions compiled in graph mode.
"""

from __future__ import annotations

import ast
import logging
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field

from msmigrate.analysis.facts import (
    Framework,
    FunctionNode,
    ModuleFacts,
    collect_facts,
    mentions_a_framework,
)
from msmigrate.analysis.findings import Category, Finding, Severity, Span, SyntaxProblem
from msmigrate.analysis.names import ImportTable
from msmigrate.analysis.noqa import is_suppressed, suppressions
from msmigrate.analysis.settings import AnalysisSettings
from msmigrate.analysis.source import SourceText
from msmigrate.rules import all_rules
from msmigrate.rules.base import Report, Rule, RuleContext

log = logging.getLogger(__name__)


@dataclass
class RuleFailure:
    code: str
    error: str


@dataclass
class AnalysisResult:
    findings: list[Finding] = field(default_factory=list)
    syntax_problem: SyntaxProblem | None = None
    facts: ModuleFacts | None = None
    skipped_reason: str | None = None
    rule_failures: list[RuleFailure] = field(default_factory=list)


def parse(text: str) -> ast.Module | SyntaxProblem:
    source = SourceText(text)
    try:
        return ast.parse(text, type_comments=False)
    except SyntaxError as error:
        line = error.lineno or 1
        # SyntaxError.offset is 1-based and counts characters of the decoded line.
        column = max((error.offset or 1) - 1, 0)
        column = min(column, len(source.line(line)))
        message = f"SyntaxError: {error.msg}"
        return SyntaxProblem(message, Span(line, column, line, column + 1))
    except ValueError as error:  # e.g. "source code string cannot contain null bytes"
        return SyntaxProblem(f"Cannot parse: {error}", Span(1, 0, 1, 0))
    except (RecursionError, MemoryError):
        return SyntaxProblem("Cannot parse: the code is nested too deeply", Span(1, 0, 1, 0))


class Engine:
    """Holds the enabled rules; `analyze` is re-entrant and keeps no per-document state."""

    def __init__(self, settings: AnalysisSettings | None = None, rules: tuple[type[Rule], ...] | None = None) -> None:
        self.settings = settings or AnalysisSettings()
        chosen = rules if rules is not None else all_rules()
        self.rules = tuple(rule for rule in chosen if self.settings.enabled(rule.code))

    def analyze(self, text: str) -> AnalysisResult:
        if not mentions_a_framework(text):
            return AnalysisResult(skipped_reason="mentions neither torch nor mindspore")
        tree = parse(text)
        if isinstance(tree, SyntaxProblem):
            return AnalysisResult(syntax_problem=tree)
        source = SourceText(text)
        facts = collect_facts(tree, text, self.settings.jit_syntax_level)
        result = AnalysisResult(facts=facts)
        if facts.framework is Framework.NEITHER:
            result.skipped_reason = "imports neither torch nor mindspore"
            return result
        rules = [rule() for rule in self.rules if facts.framework in rule.frameworks]
        if not rules:
            return result
        reports = _Runner(source, facts, rules, result).run(tree)
        suppressed = suppressions(source)
        findings = [_to_finding(report) for report in reports]
        result.findings = sorted(
            (finding for finding in findings if not is_suppressed(finding, suppressed)),
            key=lambda finding: (finding.span, finding.code),
        )
        return result


def _to_finding(report: Report) -> Finding:
    rule = report.rule
    return Finding(
        code=rule.code,
        message=report.message,
        severity=report.severity,
        span=report.span,
        category=rule.category,
        doc_url=rule.doc_url(),
        fixes=report.fixes,
    )


class _Dispatch:
    """Which rules see a node: by node type, and for `x.attr(...)` calls also by `attr`."""

    def __init__(self, by_type: dict[type[ast.AST], list[Rule]], calls_by_callee: dict[str, list[Rule]]) -> None:
        self.by_type = by_type
        self.calls_by_callee = calls_by_callee
        self.calls_for_any_callee = [rule for rule in by_type.get(ast.Call, ()) if rule.callee_names is None]

    def rules_for(self, node: ast.AST) -> list[Rule]:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            named = self.calls_by_callee.get(node.func.attr)
            return self.calls_for_any_callee + named if named else self.calls_for_any_callee
        return self.by_type.get(type(node), [])


class _Runner:
    def __init__(self, source: SourceText, facts: ModuleFacts, rules: list[Rule], result: AnalysisResult) -> None:
        self.source = source
        self.facts = facts
        self.result = result
        self.reports: list[Report] = []
        self.failed: set[str] = set()
        self.any_scope: dict[type[ast.AST], list[Rule]] = {}
        self.graph_only: dict[type[ast.AST], list[Rule]] = {}
        # Per table, the call rules that declare `callee_names`, by name: most calls concern none of
        # them, and skipping those here saves one Python call per rule per call node.
        self.any_scope_calls: dict[str, list[Rule]] = {}
        self.graph_only_calls: dict[str, list[Rule]] = {}
        for rule in rules:
            table = self.graph_only if rule.graph_scope_only else self.any_scope
            by_callee = self.graph_only_calls if rule.graph_scope_only else self.any_scope_calls
            for node_type in rule.node_types:
                if node_type is ast.Call and rule.callee_names is not None:
                    for name in rule.callee_names:
                        by_callee.setdefault(name, []).append(rule)
                table.setdefault(node_type, []).append(rule)
        self.any_scope_dispatch = _Dispatch(self.any_scope, self.any_scope_calls)
        self.graph_only_dispatch = _Dispatch(self.graph_only, self.graph_only_calls)

    def run(self, tree: ast.Module) -> list[Report]:
        for root, function in _units(tree.body):
            scope = self.facts.graph_scopes.get(function) if function is not None else None
            if scope is None and not self.any_scope:
                continue
            nodes = self.facts.index_of(function).nodes if function is not None else list(ast.walk(root))
            imports = self._imports_for(function, nodes)
            context = RuleContext(self.source, self.facts, imports, function, scope, self._collect)
            dispatch = (
                (self.any_scope_dispatch, self.graph_only_dispatch) if scope is not None else (self.any_scope_dispatch,)
            )
            for node in nodes:
                for table in dispatch:
                    for rule in table.rules_for(node):
                        self._check(rule, node, context)
        return self.reports

    def _imports_for(self, function: FunctionNode | None, nodes: list[ast.AST]) -> ImportTable:
        local_imports = [node for node in nodes if isinstance(node, ast.Import | ast.ImportFrom)]
        if function is None or not local_imports:
            return self.facts.imports
        table = ImportTable(parent=self.facts.imports)
        for node in local_imports:
            table.add_import(node)
        self.facts.local_imports[function] = table
        return table

    def _collect(self, report: Report) -> None:
        self.reports.append(report)

    def _check(self, rule: Rule, node: ast.AST, context: RuleContext) -> None:
        if rule.code in self.failed:
            return
        context.current_rule = type(rule)
        try:
            before = len(self.reports)
            rule.check(node, context)
            if context.scope is not None and context.scope.capped_to_hint:
                self._cap_new_reports(before, rule)
        except Exception:  # a broken rule must not take the others (or the server) down
            self.failed.add(rule.code)
            error = traceback.format_exc()
            log.error("rule %s failed and is skipped for this file:\n%s", rule.code, error)
            self.result.rule_failures.append(RuleFailure(rule.code, error))

    def _cap_new_reports(self, start: int, rule: Rule) -> None:
        if rule.category is not Category.GRAPH_SYNTAX:
            return
        for report in self.reports[start:]:
            if report.severity < Severity.HINT:
                report.severity = Severity.HINT
                report.message += " (hint only: this file runs in PYNATIVE_MODE)"


def _units(body: list[ast.stmt]) -> Iterator[tuple[ast.AST, FunctionNode | None]]:
    """Top-level code units: each function and method on its own, other statements as they come.

    Blocks at module level (`if`, `try`, `with`) are entered, so classes defined under a condition are
    split into methods like any other.
    """
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            yield stmt, stmt
        elif isinstance(stmt, ast.ClassDef):
            for decorator in stmt.decorator_list:
                yield decorator, None
            for base in stmt.bases:
                yield base, None
            for item in stmt.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield item, item
                else:
                    yield item, None
        elif isinstance(stmt, ast.If | ast.Try | ast.With):
            header = getattr(stmt, "test", None)
            if header is not None:
                yield header, None
            for item in getattr(stmt, "items", ()):
                yield item, None
            for attribute in ("body", "orelse", "finalbody"):
                yield from _units(getattr(stmt, attribute, []) or [])
            for handler in getattr(stmt, "handlers", ()):
                if handler.type is not None:
                    yield handler.type, None
                yield from _units(handler.body)
        else:
            yield stmt, None
