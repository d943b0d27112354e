"""End-to-end: `msmigrate.runEquivalenceCheck` and its CodeLens, over stdio, on the seeded pairs.

`tests/workspaces/equivalence_pair/` holds a PyTorch file (`reference/`) and its MindSpore port (`port/`):
`ConvBlock` is a faithful port, `LeakyHead` keeps MindSpore's LeakyReLU default (alpha 0.2 where torch's
slope is 0.01), `Exploding` raises while it is built, `Orphan` has no PyTorch counterpart. The tests
marked `oracle` run the real check (torch and MindSpore in a subprocess of the server), in one client
profile each to keep them short; the others run in every profile.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import client_capabilities

from tests.lsp.lsp_client import PROFILES, RecordingClient, encoding_of, open_document, replace_document, server_config

WORKSPACE = Path(__file__).parents[1] / "workspaces" / "equivalence_pair"
PORT = WORKSPACE / "port" / "conv_block.py"
BROKEN = WORKSPACE / "port" / "broken.py"
ORPHAN = WORKSPACE / "port" / "orphan.py"
REFERENCE = WORKSPACE / "reference" / "conv_block.py"
COMMAND = "msmigrate.runEquivalenceCheck"
SOURCE = "msmigrate-equivalence"
RUN_SECONDS = 120  # one real check takes ~6 s here; the timeout is for a loaded CI machine


@pytest_lsp.fixture(config=server_config(), params=PROFILES[:1])
async def vscode(lsp_client: RecordingClient, request: pytest.FixtureRequest):
    """A VS Code-profile client, for the tests that run the real check once."""
    lsp_client.profile = request.param
    yield
    await lsp_client.shutdown_session()
    assert lsp_client._server is not None and lsp_client._server.returncode == 0, "the server exits cleanly"


async def start(client: RecordingClient, options: Any = None) -> str:
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(client.profile),
            root_uri=WORKSPACE.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=WORKSPACE.as_uri(), name="equivalence_pair")],
            initialization_options=options,
        )
    )
    return encoding_of(result)


def line_of(path: Path, needle: str, occurrence: int = 0) -> int:
    """The 0-based line of the `occurrence`-th line of `path` containing `needle`."""
    found = [number for number, text in enumerate(path.read_text().splitlines()) if needle in text]
    return found[occurrence]


def at_class(path: Path, name: str) -> dict[str, Any]:
    return {"uri": path.as_uri(), "position": {"line": line_of(path, f"class {name}("), "character": 4}}


async def execute(client: RecordingClient, argument: Any, timeout: float = RUN_SECONDS) -> dict[str, Any]:
    arguments = [argument] if argument is not None else []
    answer = await asyncio.wait_for(
        client.workspace_execute_command_async(types.ExecuteCommandParams(command=COMMAND, arguments=arguments)),
        timeout,
    )
    assert isinstance(answer, dict), answer
    return answer


async def open_and_wait(client: RecordingClient, path: Path) -> types.PublishDiagnosticsParams:
    open_document(client, path.as_uri(), path.read_text())
    return await client.publish_log.wait_for(path.as_uri(), 1)


# -- without running the check ------------------------------------------------------------------------
async def test_the_command_is_advertised_with_a_code_lens_provider(client: RecordingClient) -> None:
    result = await client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities(client.profile), root_uri=WORKSPACE.as_uri())
    )
    capabilities = result.capabilities
    assert capabilities.execute_command_provider is not None
    assert COMMAND in capabilities.execute_command_provider.commands
    assert capabilities.code_lens_provider is not None


async def test_code_lenses_sit_on_paired_cells_only(client: RecordingClient) -> None:
    await start(client)
    for path in (PORT, BROKEN, ORPHAN):
        await open_and_wait(client, path)

    lenses = {}
    for path in (PORT, BROKEN, ORPHAN):
        found = await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=path.as_uri()))
        )
        lenses[path.name] = [
            (lens.range.start.line, lens.command.title, list(lens.command.arguments or ())) for lens in found or []
        ]

    conv_line, head_line = line_of(PORT, "class ConvBlock("), line_of(PORT, "class LeakyHead(")
    assert lenses["conv_block.py"] == [
        (
            conv_line,
            "Check equivalence with reference/conv_block.py:ConvBlock",
            [{"uri": PORT.as_uri(), "position": {"line": conv_line, "character": 0}}],
        ),
        (
            head_line,
            "Check equivalence with reference/conv_block.py:LeakyHead",
            [{"uri": PORT.as_uri(), "position": {"line": head_line, "character": 0}}],
        ),
    ]
    assert [title for _, title, _ in lenses["broken.py"]] == [
        "Check equivalence with reference/conv_block.py:ConvBlock"
    ]
    assert lenses["orphan.py"] == [], "no pair, no lens"


async def test_a_cell_without_a_pair_is_refused_with_a_message(client: RecordingClient) -> None:
    await start(client)

    answer = await execute(client, at_class(ORPHAN, "Orphan"))

    assert answer["status"] == "error" and answer["equivalent"] is None
    assert answer["error"]["kind"] == "bad_request"
    assert "no torch.nn.Module named Orphan" in answer["summary"]
    assert "# msmigrate: pair=" in answer["summary"]
    assert answer["reportMarkdown"] is None
    shown = [message for message in client.messages if message.type == types.MessageType.Error]
    assert shown and "no torch.nn.Module named Orphan" in shown[-1].message


BAD_ARGUMENTS = [
    (None, "expects one object"),
    ("conv_block.py", "expects one object"),
    ({"uri": PORT.as_uri()}, "position.line must be a 0-based line number"),
    ({"uri": PORT.as_uri(), "position": {"line": 0, "character": 0}}, "line 1 of conv_block.py is not inside a Cell"),
    ({"torch": str(REFERENCE), "mindspore": f"{PORT}:ConvBlock"}, "torch must be path.py:Class"),
    ({"torch": f"{REFERENCE}:Missing", "mindspore": f"{PORT}:ConvBlock"}, "defines no class Missing"),
    ({**at_class(PORT, "ConvBlock"), "inputs": ["two,3:float32"]}, "is not SHAPE[:DTYPE]"),
    ({**at_class(PORT, "ConvBlock"), "timeoutSeconds": -1}, "timeoutSeconds must be a positive number"),
    ({**at_class(PORT, "ConvBlock"), "initArgs": "channels=4"}, "initArgs must be an object"),
]


async def test_bad_arguments_are_answered_not_raised(vscode: RecordingClient) -> None:
    await start(vscode)

    for argument, message in BAD_ARGUMENTS:
        answer = await execute(vscode, argument)
        assert answer["status"] == "error", argument
        assert message in answer["summary"], argument
    assert vscode.progress_reports == {}, "nothing was started"


async def test_a_pair_without_inputs_is_refused_before_any_code_runs(client: RecordingClient, tmp_path: Path) -> None:
    (tmp_path / "reference.py").write_text(REFERENCE.read_text().split("def example_inputs")[0])
    (tmp_path / "port.py").write_text(PORT.read_text())
    await start(client)

    answer = await execute(
        client, {"torch": f"{tmp_path / 'reference.py'}:ConvBlock", "mindspore": f"{tmp_path / 'port.py'}:ConvBlock"}
    )

    assert answer["status"] == "error"
    assert "no inputs: set msmigrate.equivalence.inputs" in answer["summary"]
    assert client.progress_reports == {}, "nothing was started"


# -- the real check -----------------------------------------------------------------------------------
@pytest.mark.oracle
async def test_a_faithful_port_is_equivalent_with_progress_and_a_report(
    vscode: RecordingClient, tmp_path: Path
) -> None:
    client = vscode
    await start(client)

    answer = await execute(client, {**at_class(PORT, "ConvBlock"), "outputDir": str(tmp_path)})

    assert answer["status"] == "equivalent", answer["summary"]
    assert answer["equivalent"] is True and answer["firstDivergence"] is None
    markdown, report_json, chart = (Path(answer[key]) for key in ("reportMarkdown", "reportJson", "chart"))
    assert markdown.parent == tmp_path and markdown.is_file() and chart.is_file()
    assert f"![Relative error of each sub-module's output, in execution order]({chart.name})" in markdown.read_text()
    saved = json.loads(report_json.read_text())
    assert saved["status"] == "equivalent" and saved["mindspore"]["name"] == "ConvBlock"
    assert {(check["phase"], check["mode"]) for check in saved["checks"]} >= {
        ("eval_forward", "pynative"),
        ("sgd_step", "graph"),
    }

    [reports] = client.progress_reports.values()
    kinds = [report.kind for report in reports]
    assert kinds[0] == "begin" and kinds[-1] == "end" and kinds.count("report") >= 3
    assert reports[0].cancellable is True
    assert any("MindSpore graph" in (report.message or "") for report in reports[1:-1])
    info = [message for message in client.messages if message.type == types.MessageType.Info]
    assert info and info[-1].message.startswith("msmigrate: Equivalent")


@pytest.mark.oracle
async def test_a_divergent_port_marks_the_first_diverging_line_until_the_document_changes(
    vscode: RecordingClient, tmp_path: Path
) -> None:
    client = vscode
    await start(client)
    uri = PORT.as_uri()
    opened = await open_and_wait(client, PORT)
    analysis_codes = sorted(str(diagnostic.code) for diagnostic in opened.diagnostics)
    assert analysis_codes == ["MSA015"]
    before = len(client.publish_log.published)

    answer = await execute(client, {**at_class(PORT, "LeakyHead"), "outputDir": str(tmp_path)})

    assert answer["status"] == "divergent" and answer["equivalent"] is False
    divergence = answer["firstDivergence"]
    act_line = line_of(PORT, "self.act = nn.LeakyReLU()")
    assert (divergence["mindspore_path"], divergence["mindspore_line"]) == ("act", act_line + 1)
    published = await client.publish_log.wait_for(
        uri, after=before, matching=lambda params: any(d.source == SOURCE for d in params.diagnostics)
    )
    [marked] = [diagnostic for diagnostic in published.diagnostics if diagnostic.source == SOURCE]
    assert marked.range.start.line == marked.range.end.line == act_line
    assert marked.severity == types.DiagnosticSeverity.Warning
    assert "`act` is the first layer whose output differs" in marked.message
    assert "Configured differently: negative_slope PyTorch 0.01, MindSpore 0.2" in marked.message
    assert "Static checks on this line: MSA015" in marked.message, "linked to the LeakyReLU default rule"
    assert marked.code_description.href == Path(answer["reportMarkdown"]).as_uri()
    others = sorted(str(diagnostic.code) for diagnostic in published.diagnostics if diagnostic.source != SOURCE)
    assert others == analysis_codes, "the analysis diagnostics are still published next to it"
    warnings = [message for message in client.messages if message.type == types.MessageType.Warning]
    assert warnings and warnings[-1].message.startswith(
        "msmigrate: Divergent: first at act (PyTorch) / act (MindSpore)"
    )

    after_run = len(client.publish_log.published)
    replace_document(client, uri, PORT.read_text() + "\n", version=2)
    changed = await client.publish_log.wait_for(uri, 2, after=after_run)
    assert all(diagnostic.source != SOURCE for diagnostic in changed.diagnostics), "dropped once the text changes"


@pytest.mark.oracle
async def test_user_code_that_raises_ends_with_a_message_and_a_live_server(
    vscode: RecordingClient, tmp_path: Path
) -> None:
    client = vscode
    await start(client)

    answer = await execute(client, {**at_class(BROKEN, "Exploding"), "outputDir": str(tmp_path)})

    assert answer["status"] == "error" and answer["equivalent"] is None
    assert answer["error"]["kind"] == "user_code_raised"
    assert "RuntimeError: cannot build a block of 4 channels" in answer["summary"]
    assert "cannot build a block of 4 channels" in Path(answer["reportMarkdown"]).read_text()
    errors = [message for message in client.messages if message.type == types.MessageType.Error]
    assert errors and "cannot build a block of 4 channels" in errors[-1].message

    # The server still answers, and runs the next command.
    await open_and_wait(client, ORPHAN)
    again = await execute(client, at_class(ORPHAN, "Orphan"))
    assert "no torch.nn.Module named Orphan" in again["summary"]


@pytest.mark.oracle
async def test_cancelling_the_progress_stops_the_check(vscode: RecordingClient, tmp_path: Path) -> None:
    client = vscode
    await start(client)
    not_a_directory = tmp_path / "taken"
    not_a_directory.write_text("a file where the report folder should go")
    running = asyncio.ensure_future(execute(client, {**at_class(PORT, "ConvBlock"), "outputDir": str(not_a_directory)}))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not any(len(reports) >= 2 for reports in client.progress_reports.values()):  # begun and reporting
        assert loop.time() < deadline and not running.done(), "no progress reported"
        await asyncio.sleep(0.05)
    [token] = client.progress_reports
    second = await execute(client, at_class(PORT, "LeakyHead"))
    assert "already running" in second["summary"], "one check at a time"

    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    started = loop.time()
    answer = await asyncio.wait_for(running, 30)

    assert answer["status"] == "error" and answer["error"]["kind"] == "cancelled"
    assert loop.time() - started < 10, "the subprocess is killed, not waited for"
    assert client.progress_reports[token][-1].kind == "end"
    assert answer["reportMarkdown"] is None, "the output folder is a file"
    assert "The report could not be written" in client.messages[-1].message, "the verdict is still shown"
