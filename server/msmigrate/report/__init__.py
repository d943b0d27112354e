"""The migration report: every torch API a project uses, with counts and locations, grouped by what
the mapping data says about its MindSpore counterparts (`msmigrate report PATH`, and the language
server's `msmigrate.showMigrationReport` command).

Groups (`describe.Group`): `differs` (a counterpart the official tables name differs: the parameter
differences say how), `no_counterpart` (neither table lists the API), `unknown` (a counterpart no table
judged, or one missing in MindSpore 2.10), `consistent`.

JSON shape, schema 1 (keys are stable; new keys may be added, none removed without a schema bump):

    {
      "schema": 1,
      "generator": "msmigrate 0.1.0",
      "paths": ["project/"],                           # as given
      "mappings_verified": {"torch": "2.13.0", "mindspore": "2.10.0"},
      "summary": "one sentence",
      "files": {"scanned": int, "lines": int, "using_torch": int,
                "skipped": [{"path": str, "reason": str}], "missing": [str]},
      "totals": {"apis": int, "uses": int,
                 "groups": {"differs": {"apis": int, "uses": int}, "no_counterpart": {...},
                            "unknown": {...}, "consistent": {...}}},
      "group_meanings": {"differs": str, ...},
      "apis": [                                         # differs, no_counterpart, unknown, consistent;
        {                                               # then most used first
          "torch": "torch.nn.Dropout",                  # the tables' spelling when mapped
          "spellings": ["torch.nn.Dropout"],            # as the code wrote it
          "group": "differs", "uses": 4,
          "differences": "nn.Dropout: keep_prob = 1 - p; ...",   # one line; "" unless mapped
          "counterparts": [{"role": "current" | "legacy" | "mint_namesake", "api": str,
                            "namespace": str, "verdict": "consistent" | "differs" | "unknown",
                            "exists": bool | null, "cpu": bool | null (mint only),
                            "cpu_probe": str | null, "doc": url | null, "diff_text": str,
                            "params": [{"kind": "rename" | "default" | "transform" | "torch_only"
                                                | "ms_only" | "note",
                                        "torch": str | null, "mindspore": str | null,
                                        "where": "init" | "call" | null, "difference": str}]}],
          "behaviour": [str],
          "locations": [{"path": str, "line": int, "column": int, "end_line": int,
                         "end_column": int, "cell": int | null,
                         "kind": "call" | "reference" | "base" | "decorator"}]
        }
      ]
    }

Lines and columns are 1-based (columns count code points, end exclusive), as in `msmigrate check`;
in a notebook, lines count within the code cell `cell`.
"""

from msmigrate.report.collect import ApiUsage, Location, MigrationReport, SkippedFile, collect_report
from msmigrate.report.describe import Group
from msmigrate.report.render import JSON_SCHEMA, render_json, render_markdown, render_text, report_json

__all__ = [
    "JSON_SCHEMA",
    "ApiUsage",
    "Group",
    "Location",
    "MigrationReport",
    "SkippedFile",
    "collect_report",
    "render_json",
    "render_markdown",
    "render_text",
    "report_json",
]
