"""`msmigrate.showMigrationReport`: the migration report of a workspace folder, for the editor to preview.

Arguments (one optional object): `rootUri` (the folder to report on; default: the first workspace
folder, else the root the client opened) and `outputDir` (default: `msmigrate-report/` in the temp
directory). The report is collected on a worker thread, with the text of open documents in place of
what is on disk, and written as Markdown (locations link to the files, for the preview) and JSON.

Returns `{"summary": str, "reportMarkdown": path, "reportJson": path}`; bad arguments or no folder to
report on are answered with an error that says why.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from pygls.uris import to_fs_path

from msmigrate.report import MigrationReport, collect_report, render_json, render_markdown
from msmigrate.report.links import relative_links
from msmigrate.workspace.config import ConfigResolver

if TYPE_CHECKING:
    from msmigrate.lsp.server import MsmigrateServer

NAME = "msmigrate.showMigrationReport"
DEFAULT_OUTPUT_DIRECTORY = Path(tempfile.gettempdir()) / "msmigrate-report"
_UNSAFE_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class ReportCommandError(ValueError):
    """The arguments do not say what to report on; the message is for a person."""


@dataclass(frozen=True)
class WrittenReport:
    summary: str
    markdown: Path
    json: Path

    def to_json(self) -> dict[str, str]:
        return {"summary": self.summary, "reportMarkdown": str(self.markdown), "reportJson": str(self.json)}


async def run(server: MsmigrateServer, arguments: list[Any]) -> dict[str, str]:
    options = _options(arguments)
    root = _root(server, options.get("rootUri"))
    output = Path(str(options.get("outputDir") or DEFAULT_OUTPUT_DIRECTORY)).expanduser()
    open_texts = {
        Path(path).resolve(): document.text
        for document in server.documents.analysable()
        if urlparse(document.uri).scheme == "file" and (path := to_fs_path(document.uri))
    }
    written = await server.run_in_worker(write_migration_report, root, output, open_texts)
    return written.to_json()


def _options(arguments: list[Any]) -> Mapping[str, Any]:
    if not arguments or arguments[0] is None:
        return {}
    options = arguments[0]
    if not isinstance(options, Mapping):
        raise ReportCommandError(f"{NAME} takes one object {{rootUri, outputDir}}, not {options!r}")
    return options


def _root(server: MsmigrateServer, root_uri: Any) -> Path:
    if root_uri is not None:
        if not isinstance(root_uri, str) or urlparse(root_uri).scheme != "file":
            raise ReportCommandError(f"rootUri must be a file: URI, not {root_uri!r}")
        root = Path(to_fs_path(root_uri))
    else:
        folders = [to_fs_path(folder.uri) for folder in server.workspace.folders.values()]
        candidates = [*folders, server.workspace.root_path]
        chosen = next((candidate for candidate in candidates if candidate), None)
        if chosen is None:
            raise ReportCommandError("no workspace folder is open: give rootUri")
        root = Path(chosen)
    if not root.exists():
        raise ReportCommandError(f"{root} does not exist")
    return root


def write_migration_report(root: Path, output_directory: Path, open_texts: Mapping[Path, str]) -> WrittenReport:
    """Collect the report of `root` and write it into `output_directory` as Markdown and JSON."""
    resolver = ConfigResolver(lambda message: None)
    display_root = root if root.is_dir() else root.parent
    report = collect_report(
        [str(root)], is_excluded=resolver.is_excluded, display_root=display_root, open_texts=open_texts
    )
    output_directory.mkdir(parents=True, exist_ok=True)
    stem = _file_stem(root)
    markdown = output_directory / f"{stem}.md"
    json_file = output_directory / f"{stem}.json"
    markdown.write_text(render_markdown(report, relative_links(output_directory.resolve())), encoding="utf-8")
    json_file.write_text(render_json(report), encoding="utf-8")
    return WrittenReport(_summary(report, root), markdown, json_file)


def _file_stem(root: Path) -> str:
    # One report per folder: the name says which folder, the hash keeps two folders of one name apart.
    digest = hashlib.sha1(str(root.resolve()).encode("utf-8", errors="surrogatepass")).hexdigest()[:8]
    name = _UNSAFE_FILE_NAME.sub("_", root.resolve().name) or "root"
    return f"migration-report-{name}-{digest}"


def _summary(report: MigrationReport, root: Path) -> str:
    return f"{root.name or root}: {report.summary()}"
