"""The migration report as text (a terminal), JSON (tools; schema in `msmigrate.report`) or Markdown."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from msmigrate.mappings import Counterpart
from msmigrate.report.collect import GROUP_ORDER, ApiUsage, Location, MigrationReport, counts_by_group
from msmigrate.report.describe import (
    GROUP_MEANINGS,
    MAPPING_TABLE_URL,
    ROLE_LABELS,
    Group,
    behaviour_notes,
    cpu_detail,
    cpu_text,
    differences_summary,
    doc_link,
    param_rows,
    short_api,
)

JSON_SCHEMA = 1
TEXT_LOCATIONS = 3  # locations printed per API in the text report
MARKDOWN_LOCATIONS = 3  # in a table row; the Locations section lists them all

LinkTarget = Callable[[Location], str]


# -- JSON -----------------------------------------------------------------------------------------------


def report_json(report: MigrationReport) -> dict[str, Any]:
    counts = counts_by_group(report.apis)
    return {
        "schema": JSON_SCHEMA,
        "generator": report.generator,
        "paths": list(report.paths),
        "mappings_verified": dict(report.verified),
        "summary": report.summary(),
        "files": {
            "scanned": report.files_scanned,
            "lines": report.lines_scanned,
            "using_torch": report.files_using_torch,
            "skipped": [{"path": item.path, "reason": item.reason} for item in report.skipped],
            "missing": list(report.missing),
        },
        "totals": {
            "apis": len(report.apis),
            "uses": report.total_uses,
            "groups": {group.value: {"apis": counts[group][0], "uses": counts[group][1]} for group in GROUP_ORDER},
        },
        "group_meanings": {group.value: GROUP_MEANINGS[group] for group in GROUP_ORDER},
        "apis": [_usage_json(usage) for usage in report.apis],
    }


def _usage_json(usage: ApiUsage) -> dict[str, Any]:
    entry = usage.entry
    counterparts = list(entry.counterparts()) if entry is not None else []
    return {
        "torch": usage.torch,
        "spellings": sorted(usage.spellings),
        "group": usage.group.value,
        "uses": usage.uses,
        "differences": differences_summary(entry) if entry is not None else "",
        "counterparts": [_counterpart_json(counterpart) for counterpart in counterparts],
        "behaviour": behaviour_notes(counterparts),
        "locations": [location.to_json() for location in usage.locations],
    }


def _counterpart_json(counterpart: Counterpart) -> dict[str, Any]:
    link = doc_link(counterpart)
    return {
        "role": counterpart.role,
        "api": counterpart.api,
        "namespace": counterpart.namespace,
        "verdict": counterpart.category,
        "exists": counterpart.exists,
        "cpu": counterpart.cpu if counterpart.is_mint else None,
        "cpu_probe": counterpart.cpu_probe if counterpart.is_mint else None,
        "doc": link[1] if link is not None else None,
        "diff_text": counterpart.diff_text,
        "params": [row.to_json() for row in param_rows(counterpart)],
    }


def render_json(report: MigrationReport) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"


# -- text -----------------------------------------------------------------------------------------------


def render_text(report: MigrationReport) -> str:
    lines = [f"msmigrate migration report: {', '.join(report.paths)}", _scope_line(report), report.summary()]
    counts = counts_by_group(report.apis)
    for group in GROUP_ORDER:
        usages = report.in_group(group)
        if not usages:
            continue
        apis, uses = counts[group]
        lines += ["", f"{group.title.upper()}: {GROUP_MEANINGS[group]} ({apis} APIs, {uses} uses)"]
        lines += _text_table(usages, with_counterparts=group is not Group.NO_COUNTERPART)
    if report.skipped:
        lines += ["", f"Skipped {len(report.skipped)} file(s):"]
        lines += [f"  {item.path}: {item.reason}" for item in report.skipped]
    return "\n".join(lines) + "\n"


def _scope_line(report: MigrationReport) -> str:
    verified = report.verified
    against = (
        f"; mappings checked against torch {verified['torch']} and mindspore {verified['mindspore']}"
        if "torch" in verified and "mindspore" in verified
        else ""
    )
    files = _count(report.files_scanned, "file")
    return f"{files} ({_count(report.lines_scanned, 'line')}), {report.files_using_torch} using torch{against}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _text_table(usages: list[ApiUsage], with_counterparts: bool) -> list[str]:
    header: tuple[str, ...] = ("uses", "torch API", "current (mostly mint)", "legacy (nn / ops / Tensor)")
    rows: list[tuple[str, ...]] = [
        (str(usage.uses), usage.torch, _namespace_cell(usage, "current"), _namespace_cell(usage, "legacy"))
        for usage in usages
    ]
    if not with_counterparts:
        header = header[:2]
        rows = [row[:2] for row in rows]
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    lines = ["  " + _text_row(header, widths)]
    for usage, row in zip(usages, rows, strict=True):
        lines.append("  " + _text_row(row, widths))
        indent = " " * (4 + widths[0])
        if usage.entry is not None and usage.group is Group.DIFFERS:
            lines.append(f"{indent}what differs: {differences_summary(usage.entry)}")
        shown = ", ".join(location.label() for location in usage.locations[:TEXT_LOCATIONS])
        more = usage.uses - TEXT_LOCATIONS
        lines.append(f"{indent}at {shown}" + (f" (+{more} more)" if more > 0 else ""))
    return lines


def _text_row(cells: tuple[str, ...], widths: list[int]) -> str:
    first = cells[0].rjust(widths[0])
    rest = [cell.ljust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
    return "  ".join([first, *rest]).rstrip()


def _namespace_cell(usage: ApiUsage, role: str) -> str:
    """`mint.nn.Dropout (consistent, no CPU kernel)` for the counterparts of one table."""
    if usage.entry is None:
        return "-"
    counterparts = [c for c in usage.entry.counterparts() if c.role == role]
    if role == "current" and not counterparts and usage.entry.mint_namesake is not None:
        counterparts = [usage.entry.mint_namesake]
    if not counterparts:
        return "-"
    return "; ".join(_counterpart_label(counterpart) for counterpart in counterparts)


def _counterpart_label(counterpart: Counterpart) -> str:
    notes = [counterpart.category if counterpart.role != "mint_namesake" else "same name, not judged"]
    if counterpart.exists is False:
        notes.append("not in 2.10")
    cpu = cpu_text(counterpart)
    if cpu:
        notes.append(cpu)
    return f"{short_api(counterpart.api)} ({', '.join(notes)})"


# -- Markdown -------------------------------------------------------------------------------------------


def render_markdown(report: MigrationReport, link_target: LinkTarget | None = None) -> str:
    """Markdown for a preview; `link_target` turns a location into a link (None: plain text)."""
    counts = counts_by_group(report.apis)
    lines = [
        "# Migration report",
        "",
        f"**{_md(report.summary())}**",
        "",
        f"Scanned: {', '.join(f'`{path}`' for path in report.paths)} — {_md(_scope_line(report))}.",
        "",
        "| group | APIs | uses | meaning |",
        "|---|---:|---:|---|",
    ]
    for group in GROUP_ORDER:
        apis, uses = counts[group]
        lines.append(f"| {group.title} | {apis} | {uses} | {_md(GROUP_MEANINGS[group])} |")
    for group in GROUP_ORDER:
        usages = report.in_group(group)
        if usages:
            lines += ["", f"## {group.title.capitalize()} ({counts[group][0]} APIs, {counts[group][1]} uses)", ""]
            lines += _markdown_group(group, usages, link_target)
    if report.apis:
        lines += ["", "## Locations", ""]
        for usage in report.apis:
            lines += _markdown_locations(usage, link_target)
    if report.skipped:
        lines += ["", "## Skipped files", ""]
        lines += [f"- `{item.path}`: {_md(item.reason)}" for item in report.skipped]
    lines += ["", f"Mapping tables: [current (r2.6.0)]({MAPPING_TABLE_URL}). Generated by {report.generator}."]
    return "\n".join(lines) + "\n"


def _markdown_group(group: Group, usages: list[ApiUsage], link_target: LinkTarget | None) -> list[str]:
    if group is Group.NO_COUNTERPART:
        lines = ["| torch API | uses | where |", "|---|---:|---|"]
        for usage in usages:
            lines.append(f"| `{usage.torch}` | {usage.uses} | {_where(usage, link_target)} |")
        return lines
    lines = [
        "| torch API | uses | current (mostly mint) | legacy (nn / ops / Tensor) | where |",
        "|---|---:|---|---|---|",
    ]
    for usage in usages:
        lines.append(
            f"| `{usage.torch}` | {usage.uses} | {_md(_namespace_cell(usage, 'current'))} "
            f"| {_md(_namespace_cell(usage, 'legacy'))} | {_where(usage, link_target)} |"
        )
    if group is Group.DIFFERS:
        lines += ["", "### What differs", ""]
        for usage in usages:
            lines += _markdown_differences(usage)
    return lines


def _markdown_differences(usage: ApiUsage) -> list[str]:
    entry = usage.entry
    if entry is None:
        return []
    lines = [f"#### `{usage.torch}`", ""]
    counterparts = list(entry.counterparts())
    for counterpart in counterparts:
        role = ROLE_LABELS.get(counterpart.role, counterpart.role)
        link = doc_link(counterpart)
        linked = f" — [{link[0]}]({link[1]})" if link is not None else ""
        cpu = cpu_text(counterpart)
        detail = cpu_detail(counterpart)
        cpu_note = f"; CPU in 2.10: {cpu}" + (f" ({_md(detail)})" if detail else "") if cpu else ""
        lines.append(f"- {role}: `{counterpart.api}` — {counterpart.category}{cpu_note}{linked}")
        rows = param_rows(counterpart)
        if rows and counterpart.category == "differs":
            lines += ["", "  | torch | MindSpore | difference |", "  |---|---|---|"]
            for row in rows:
                call = " (call)" if row.where == "call" else ""
                torch = f"`{row.torch}`{call}" if row.torch else "—"
                mindspore = f"`{row.mindspore}`{call}" if row.mindspore else "—"
                lines.append(f"  | {torch} | {mindspore} | {_md(row.difference)} |")
            lines.append("")
    lines += [f"- behaviour: {_md(note)}" for note in behaviour_notes(counterparts)]
    lines.append("")
    return lines


def _markdown_locations(usage: ApiUsage, link_target: LinkTarget | None) -> list[str]:
    # Collapsed, so a long project does not bury the tables; the preview opens each link in the editor.
    items = [f"- {_location_markdown(location, link_target)}" for location in usage.locations]
    return [f"<details><summary><code>{usage.torch}</code> ({usage.uses})</summary>", "", *items, "", "</details>"]


def _location_markdown(location: Location, link_target: LinkTarget | None) -> str:
    label = _md(location.label())
    return f"[{label}]({link_target(location)})" if link_target is not None else label


def _where(usage: ApiUsage, link_target: LinkTarget | None) -> str:
    shown = usage.locations[:MARKDOWN_LOCATIONS]
    labels = [_location_markdown(location, link_target) for location in shown]
    more = usage.uses - len(shown)
    return ", ".join(labels) + (f" (+{more} more)" if more > 0 else "")


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")
