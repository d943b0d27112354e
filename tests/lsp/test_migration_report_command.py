"""End-to-end: `msmigrate.showMigrationReport` over stdio writes the workspace's report for a preview."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import client_capabilities

from msmigrate.report import collect_report, report_json
from tests.lsp.lsp_client import PROFILES, RecordingClient, open_document, server_config

COMMAND = "msmigrate.showMigrationReport"
PYTORCH_PROJECT = Path(__file__).parents[1] / "workspaces" / "pytorch_project"
ANSWER_SECONDS = 60


@pytest_lsp.fixture(config=server_config(), params=PROFILES[:2])
async def reporter(lsp_client: RecordingClient, request: pytest.FixtureRequest):
    lsp_client.profile = request.param
    yield
    await lsp_client.shutdown_session()
    assert lsp_client._server is not None and lsp_client._server.returncode == 0, "the server exits cleanly"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "my project"  # a space, so paths and links are quoted where they must be
    shutil.copytree(PYTORCH_PROJECT, root)
    return root


async def start(client: RecordingClient, root: Path) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(client.profile),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )


async def execute(client: RecordingClient, *arguments: Any) -> Any:
    return await asyncio.wait_for(
        client.workspace_execute_command_async(types.ExecuteCommandParams(command=COMMAND, arguments=list(arguments))),
        ANSWER_SECONDS,
    )


async def test_report_of_the_workspace_folder(reporter: RecordingClient, workspace: Path, tmp_path: Path) -> None:
    result = await start(reporter, workspace)
    assert result.capabilities.execute_command_provider is not None
    assert COMMAND in result.capabilities.execute_command_provider.commands

    output = tmp_path / "reports"
    answer = await execute(reporter, {"outputDir": str(output)})
    assert set(answer) == {"summary", "reportMarkdown", "reportJson"}
    markdown, json_file = Path(answer["reportMarkdown"]), Path(answer["reportJson"])
    assert markdown.parent == output and json_file.parent == output
    assert markdown.name.startswith("migration-report-my_project-") and markdown.suffix == ".md"

    document = json.loads(json_file.read_text(encoding="utf-8"))
    expected = report_json(collect_report([str(workspace)], display_root=workspace))
    assert document["apis"] == expected["apis"], "the same report as collected in this process"
    assert document["files"]["scanned"] == 7
    assert answer["summary"] == f"my project: {document['summary']}"
    assert answer["summary"].startswith("my project: ") and " torch APIs (" in answer["summary"]
    assert {location["path"] for item in document["apis"] for location in item["locations"]} == {
        path.name for path in workspace.glob("*.py")
    }, "paths are relative to the folder"

    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# Migration report\n")
    # Links are relative to the report's folder: VS Code's Markdown preview follows those, not file:// URIs.
    targets = [link.split(")", 1)[0] for link in text.split("](")[1:]]
    links = [target for target in targets if "#L" in target]
    assert len(links) >= document["totals"]["uses"]
    for link in links:
        target = urlparse(link)
        assert not target.scheme
        path = (markdown.parent / unquote(target.path)).resolve()
        line = int(target.fragment.removeprefix("L"))
        assert path.parent == workspace and path.is_file()
        assert 1 <= line <= len(path.read_text(encoding="utf-8").splitlines())


async def test_open_documents_count_as_typed(reporter: RecordingClient, workspace: Path, tmp_path: Path) -> None:
    await start(reporter, workspace)
    vae = workspace / "vae.py"
    edited = vae.read_text(encoding="utf-8") + "\n\nEXTRA = nn.GELU(approximate='tanh')\n"
    open_document(reporter, vae.as_uri(), edited)
    await reporter.publish_log.wait_for(vae.as_uri(), 1)
    answer = await execute(reporter, {"rootUri": workspace.as_uri(), "outputDir": str(tmp_path / "out")})
    document = json.loads(Path(answer["reportJson"]).read_text(encoding="utf-8"))
    gelu = next(item for item in document["apis"] if item["torch"] == "torch.nn.GELU")
    assert [location["path"] for location in gelu["locations"]] == ["transformer.py", "vae.py"]
    assert gelu["locations"][1]["line"] == len(edited.splitlines())


async def test_a_single_file_and_the_default_output_directory(reporter: RecordingClient, workspace: Path) -> None:
    await start(reporter, workspace)
    answer = await execute(reporter, {"rootUri": (workspace / "vae.py").as_uri()})
    markdown = Path(answer["reportMarkdown"])
    assert markdown.parent == Path(tempfile.gettempdir()) / "msmigrate-report"
    document = json.loads(Path(answer["reportJson"]).read_text(encoding="utf-8"))
    assert document["files"]["scanned"] == 1
    assert {location["path"] for item in document["apis"] for location in item["locations"]} == {"vae.py"}


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (42, "takes one object"),
        ({"rootUri": "https://example.com/project"}, "rootUri must be a file: URI"),
        ({"rootUri": "file:///no/such/folder"}, "does not exist"),
    ],
)
async def test_bad_arguments_are_answered_with_an_error(
    reporter: RecordingClient, workspace: Path, argument: Any, message: str
) -> None:
    await start(reporter, workspace)
    with pytest.raises(Exception, match=message):
        await execute(reporter, argument)
    answer = await execute(reporter, {"rootUri": (workspace / "vae.py").as_uri()})
    assert Path(answer["reportJson"]).is_file(), "the server carries on"
