"""End-to-end: the real server over stdio, driven by pytest-lsp with several client profiles.

Every test runs once per profile in `PROFILES` (VS Code, Neovim, Emacs), which differ in position
encoding (UTF-16, UTF-8, UTF-32), in resolving code-action edits, and in versioned `documentChanges`.
"""

from __future__ import annotations

import ast
import asyncio

import pytest
from lsprotocol import types

from tests.lsp.lsp_client import (
    DATA,
    RecordingClient,
    apply_text_edits,
    edits_for,
    encoding_of,
    initialize,
    open_document,
    position_at,
    position_of,
    replace_document,
    uri_for,
)
from tests.lsp.samples import FINDING, FIXABLE, HOST_COPY

FIX_ALL_KIND = "source.fixAll.msmigrate"
EXPECTED_ENCODING = {"visual-studio-code": "utf-16", "neovim": "utf-8", "emacs": "utf-32"}
RESOLVES_EDITS = {"visual-studio-code": True, "neovim": True, "emacs": False}
VERSIONED_EDITS = {"visual-studio-code": True, "neovim": False, "emacs": True}


def doc_id(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def codes(params: types.PublishDiagnosticsParams) -> list[str]:
    return sorted(str(diagnostic.code) for diagnostic in params.diagnostics)


def finding_range(text: str, needle: str, encoding: str) -> types.Range:
    start = text.index(needle)
    return types.Range(start=position_at(text, start, encoding), end=position_at(text, start + len(needle), encoding))


async def session(client: RecordingClient, options: object = None) -> str:
    """Initialize with the client's profile; the negotiated position encoding."""
    result = await initialize(client, client.profile, options)
    return encoding_of(result)


async def open_and_wait(
    client: RecordingClient, name: str, text: str, version: int = 1
) -> tuple[str, types.PublishDiagnosticsParams]:
    uri = uri_for(name)
    open_document(client, uri, text, version)
    return uri, await client.publish_log.wait_for(uri, version)


async def code_actions(
    client: RecordingClient,
    uri: str,
    diagnostics: list[types.Diagnostic],
    *,
    only: list[str] | None = None,
    whole: types.Range | None = None,
) -> list[types.CodeAction]:
    """The actions for `whole`, or else for the first diagnostic's range."""
    target = whole or diagnostics[0].range
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id(uri),
            range=target,
            context=types.CodeActionContext(diagnostics=diagnostics, only=only),
        )
    )
    return [action for action in result or [] if isinstance(action, types.CodeAction)]


async def resolved(client: RecordingClient, action: types.CodeAction) -> types.CodeAction:
    """The action with its edit: resolved by the server if the profile resolves edits, else as given."""
    if RESOLVES_EDITS[client.profile]:
        assert action.edit is None, "edits are computed lazily when the client can resolve them"
        action = await client.code_action_resolve_async(action)
    assert action.edit is not None
    return action


async def test_diagnostics_on_open_carry_version_code_and_encoded_range(client: RecordingClient) -> None:
    encoding = await session(client)
    assert encoding == EXPECTED_ENCODING[client.profile]
    uri, published = await open_and_wait(client, "host_copy.py", HOST_COPY, version=7)

    assert published.version == 7
    (diagnostic,) = published.diagnostics
    assert diagnostic.code == "MSG002"
    assert diagnostic.source == "msmigrate"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.range == finding_range(HOST_COPY, FINDING, encoding)
    # Independent of the helper: the column after "é😀" differs per encoding exactly as expected.
    prefix_units = {"utf-16": 27, "utf-8": 30, "utf-32": 26}[encoding]
    assert diagnostic.range.start == types.Position(line=6, character=prefix_units)
    assert diagnostic.code_description is not None and diagnostic.code_description.href.startswith("https://")
    assert diagnostic.data["uri"] == uri
    assert diagnostic.data["version"] == 7
    assert diagnostic.data["code"] == "MSG002"
    assert diagnostic.data["span"] == [7, 26, 7, 37]
    assert diagnostic.data["fixes"] == []


async def test_hover_on_a_diagnostic_shows_the_rule_doc(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, published = await open_and_wait(client, "hover.py", HOST_COPY)

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc_id(uri), position=position_of(HOST_COPY, "asnumpy", encoding))
    )
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    text = hover.contents.value
    assert text.startswith("**MSG002** `TensorToHostInGraph`")
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert f"**{heading}**" in text
    href = published.diagnostics[0].code_description.href
    assert f"]({href})" in text
    assert hover.range == published.diagnostics[0].range

    elsewhere = await client.text_document_hover_async(
        types.HoverParams(text_document=doc_id(uri), position=position_of(HOST_COPY, "class Net", encoding))
    )
    assert elsewhere is None


async def test_noqa_action_edit_silences_the_finding(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, published = await open_and_wait(client, "noqa.py", HOST_COPY, version=3)

    actions = await code_actions(client, uri, list(published.diagnostics))
    (noqa,) = [action for action in actions if "noqa" in action.title]
    assert noqa.title == "Disable MSG002 for this line (# noqa: MSG002)"
    assert noqa.kind == types.CodeActionKind.QuickFix
    noqa = await resolved(client, noqa)
    edits, version = edits_for(noqa.edit, uri)
    if VERSIONED_EDITS[client.profile]:
        assert version == 3
    else:
        assert noqa.edit.changes is not None
    fixed = apply_text_edits(HOST_COPY, edits, encoding)
    assert "y = x.asnumpy()  # noqa: MSG002\n" in fixed

    replace_document(client, uri, fixed, 4)
    after = await client.publish_log.wait_for(uri, 4)
    assert after.diagnostics == ()


async def test_code_actions_without_client_diagnostics_use_the_current_analysis(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, _ = await open_and_wait(client, "no_context.py", HOST_COPY)
    line_range = types.Range(
        start=types.Position(line=6, character=0), end=position_of(HOST_COPY, "return ms", encoding)
    )
    actions = await code_actions(client, uri, [], whole=line_range)
    assert [action.title for action in actions] == ["Disable MSG002 for this line (# noqa: MSG002)"]


async def test_syntax_error_adds_one_diagnostic_and_keeps_the_last_good_ones(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, good = await open_and_wait(client, "typing.py", HOST_COPY)
    (migration,) = good.diagnostics

    # Type an unfinished call on a new line before the class, as one incremental change.
    insert_at = position_of(HOST_COPY, "class Net", encoding)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=insert_at, end=insert_at), text="value = ops.relu((\n"
                )
            ],
        )
    )
    broken = await client.publish_log.wait_for(uri, 2)
    syntax = [diagnostic for diagnostic in broken.diagnostics if diagnostic.code == "syntax-error"]
    assert len(syntax) == 1
    assert syntax[0].severity == types.DiagnosticSeverity.Error
    assert syntax[0].source == "msmigrate"
    kept = [diagnostic for diagnostic in broken.diagnostics if diagnostic.code != "syntax-error"]
    assert kept == [migration], "the last good diagnostics stay, with their ranges as they were"

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc_id(uri), position=migration.range.start)
    )
    assert hover is not None and "MSG002" in hover.contents.value

    # Close the bracket: the file parses again and the diagnostics follow the new text.
    fixed = HOST_COPY.replace("class Net", "value = ops.relu(())\nclass Net")
    replace_document(client, uri, fixed, 3)
    healed = await client.publish_log.wait_for(uri, 3)
    assert codes(healed) == ["MSG002"]
    assert healed.diagnostics[0].range == finding_range(fixed, FINDING, encoding)


async def test_show_syntax_errors_false_keeps_only_the_last_good_ones(client: RecordingClient) -> None:
    await session(client, {"settings": {"showSyntaxErrors": False}})
    uri, good = await open_and_wait(client, "quiet.py", HOST_COPY)
    replace_document(client, uri, HOST_COPY + "def broken(:\n", 2)
    broken = await client.publish_log.wait_for(uri, 2)
    assert broken.diagnostics == good.diagnostics


async def test_initialization_options_select_rules(client: RecordingClient) -> None:
    await session(client, {"ignore": ["MSG"]})
    _, published = await open_and_wait(client, "ignored.py", HOST_COPY)
    assert published.diagnostics == ()


async def test_jit_syntax_level_setting_changes_severity(client: RecordingClient) -> None:
    await session(client, {"msmigrate": {"jitSyntaxLevel": "strict"}})
    _, published = await open_and_wait(client, "strict.py", HOST_COPY)
    assert [diagnostic.severity for diagnostic in published.diagnostics] == [types.DiagnosticSeverity.Error]


async def test_pushed_configuration_change_republishes(client: RecordingClient) -> None:
    await session(client)
    uri, first = await open_and_wait(client, "push.py", HOST_COPY)
    assert codes(first) == ["MSG002"]

    mark = len(client.publish_log.published)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"msmigrate": {"ignore": ["MSG002"]}})
    )
    without = await client.publish_log.wait_for(uri, 1, after=mark)
    assert without.diagnostics == ()

    mark = len(client.publish_log.published)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"msmigrate": {}}))
    again = await client.publish_log.wait_for(uri, 1, after=mark)
    assert codes(again) == ["MSG002"]


async def test_pulled_configuration_change_republishes(client: RecordingClient) -> None:
    await session(client)
    uri, first = await open_and_wait(client, "pull.py", HOST_COPY)
    assert codes(first) == ["MSG002"]

    client.set_configuration({"ignore": ["MSG002"]}, section="msmigrate")
    mark = len(client.publish_log.published)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    without = await client.publish_log.wait_for(uri, 1, after=mark)
    assert without.diagnostics == ()


async def test_server_registers_for_configuration_changes_where_the_client_wants_it(client: RecordingClient) -> None:
    await session(client)
    await open_and_wait(client, "registration.py", HOST_COPY)  # by now `initialized` has run
    registered = [registration.method for registration in client.registrations]
    dynamic = client.profile == "visual-studio-code"  # the others take the notification unasked
    assert registered == (["workspace/didChangeConfiguration"] if dynamic else [])


async def test_configuration_is_pulled_after_initialization(client: RecordingClient) -> None:
    client.set_configuration({"ignore": ["MSG002"]}, section="msmigrate")
    await session(client)
    uri = uri_for("pulled_at_start.py")
    open_document(client, uri, HOST_COPY)
    # The open may be analysed before the pulled settings arrive; then a second publish follows.
    await client.publish_log.wait_for(uri, 1, matching=lambda params: params.diagnostics == ())


async def test_quick_changes_are_debounced_and_the_final_publish_has_the_last_version(
    client: RecordingClient,
) -> None:
    encoding = await session(client)
    uri, _ = await open_and_wait(client, "debounce.py", HOST_COPY)
    mark = len(client.publish_log.published)

    text = HOST_COPY
    for version in range(2, 32):
        # Type "# note" one character at a time at the end of the first line.
        at = position_at(text, text.index("\n"), encoding)
        character = "# note "[version % 7]
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=character)
                ],
            )
        )
        text = text[: text.index("\n")] + character + text[text.index("\n") :]
    final = await client.publish_log.wait_for(uri, 31, after=mark)
    await asyncio.sleep(0.5)
    versions = [params.version for params in client.publish_log.published[mark:] if params.uri == uri]
    assert versions == [31], "only the last version of a burst of changes is analysed"
    assert final.diagnostics[0].range == finding_range(text, FINDING, encoding)


async def test_save_analyses_at_once_instead_of_waiting(client: RecordingClient) -> None:
    await session(client)
    uri, _ = await open_and_wait(client, "save.py", HOST_COPY)
    mark = len(client.publish_log.published)
    replace_document(client, uri, HOST_COPY.replace("* 2", "* 3"), 2)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=doc_id(uri)))
    await client.publish_log.wait_for(uri, 2, after=mark)
    await asyncio.sleep(0.6)  # past the debounce: the change's own run was replaced by the save's
    assert [params.version for params in client.publish_log.published[mark:]] == [2]


async def test_file_without_either_framework_gets_empty_diagnostics(client: RecordingClient) -> None:
    await session(client)
    text = "import numpy as np\n\n\ndef scale(x):\n    return np.asarray(x).item()\n"
    _, published = await open_and_wait(client, "plain.py", text)
    assert published.diagnostics == ()


async def test_other_languages_and_notebook_cells_are_left_alone(client: RecordingClient) -> None:
    await session(client)
    mark = len(client.publish_log.published)
    open_document(client, uri_for("notes.md"), "import mindspore\nx.asnumpy()\n", language="markdown")
    cell = "vscode-notebook-cell:/work/nb.ipynb#W0sZmlsZQ%3D%3D"
    open_document(client, cell, "%matplotlib inline\nimport mindspore as ms\n", language="python")
    open_document(client, uri_for("nb.ipynb"), '{"cells": []}', language="json")
    uri, _ = await open_and_wait(client, "after.py", HOST_COPY)
    assert {params.uri for params in client.publish_log.published[mark:]} == {uri}
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc_id(cell), position=types.Position(line=1, character=3))
    )
    assert hover is None


async def test_notebook_notifications_do_not_crash(client: RecordingClient) -> None:
    await session(client)
    notebook = types.NotebookDocument(
        uri="file:///work/nb.ipynb",
        notebook_type="jupyter-notebook",
        version=1,
        cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document="vscode-notebook-cell:/work/nb.ipynb#a")],
    )
    cell = types.TextDocumentItem(
        uri="vscode-notebook-cell:/work/nb.ipynb#a", language_id="python", version=1, text="import mindspore\n"
    )
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(notebook_document=notebook, cell_text_documents=[cell])
    )
    _, published = await open_and_wait(client, "after_notebook.py", HOST_COPY)
    assert codes(published) == ["MSG002"]


async def test_huge_document_gets_one_information_diagnostic(client: RecordingClient) -> None:
    await session(client)
    line = "x = 1  # mindspore " + "é" * 4 + "\n"
    text = "import mindspore\n" + line * (5_100_000 // len(line.encode()))
    _, published = await open_and_wait(client, "huge.py", text)
    (notice,) = published.diagnostics
    assert notice.severity == types.DiagnosticSeverity.Information
    assert "skipped" in notice.message


INSERTED = '(self, x):\r        label = "é😀"; '


async def test_mixed_line_endings_and_odd_characters_keep_positions_exact(client: RecordingClient) -> None:
    encoding = await session(client)
    # "\r\n" and a lone "\r" end lines; a form feed and "\u2028" do not (for LSP and for Python).
    text = (
        "import mindspore as ms\r\nfrom mindspore import nn\r\r\n"
        "# \x0c form feed, \u2028 separator 😀\n"
        "class Net(nn.Cell):\r\n    def construct(self, x):\n        y = x.asnumpy()\r\n        return y\n"
    )
    uri, published = await open_and_wait(client, "endings.py", text)
    assert [diagnostic.range for diagnostic in published.diagnostics] == [finding_range(text, FINDING, encoding)]

    # Insert before the finding on its line, and across the "\r\n" of the line above.
    start = position_of(text, "y = x", encoding)
    edit_range = types.Range(start=position_of(text, "(self, x):", encoding), end=start)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=edit_range, text=INSERTED)],
        )
    )
    start_offset = text.index("(self, x):")
    changed = text[:start_offset] + INSERTED + text[text.index("y = x") :]
    after = await client.publish_log.wait_for(uri, 2)
    assert [diagnostic.range for diagnostic in after.diagnostics] == [finding_range(changed, FINDING, encoding)]


async def test_lone_surrogate_is_a_syntax_error_not_a_crash(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, good = await open_and_wait(client, "surrogate.py", HOST_COPY)
    replace_document(client, uri, HOST_COPY.replace("é😀", "\ud800"), 2)
    broken = await client.publish_log.wait_for(uri, 2)
    assert codes(broken) == ["MSG002", "syntax-error"]
    assert [diagnostic for diagnostic in broken.diagnostics if diagnostic.code == "MSG002"] == list(good.diagnostics)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc_id(uri), position=position_of(HOST_COPY, "asnumpy", encoding))
    )
    assert hover is not None


async def test_close_clears_diagnostics(client: RecordingClient) -> None:
    await session(client)
    uri, _ = await open_and_wait(client, "close.py", HOST_COPY)
    mark = len(client.publish_log.published)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=doc_id(uri)))
    cleared = await client.publish_log.wait_for(uri, after=mark)
    assert cleared.diagnostics == ()


@pytest.mark.parametrize("name", ["vit_port.py", "seq2seq_port.py"])
async def test_realistic_model_files(client: RecordingClient, name: str) -> None:
    encoding = await session(client)
    text = (DATA / name).read_text(encoding="utf-8")
    uri, published = await open_and_wait(client, name, text)
    assert "MSG002" in codes(published)
    for diagnostic in published.diagnostics:
        hover = await client.text_document_hover_async(
            types.HoverParams(text_document=doc_id(uri), position=diagnostic.range.start)
        )
        assert hover is not None and str(diagnostic.code) in hover.contents.value
    whole = types.Range(start=types.Position(line=0, character=0), end=position_at(text, len(text), encoding))
    actions = await code_actions(client, uri, list(published.diagnostics), whole=whole)
    assert len([action for action in actions if "noqa" in action.title]) == len(published.diagnostics)


async def test_safe_fix_action_applies_and_the_diagnostic_goes(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, published = await open_and_wait(client, "fixable.py", FIXABLE, version=5)
    assert codes(published) == ["MSG006", "MSG006"]
    first = next(d for d in published.diagnostics if d.range == finding_range(FIXABLE, '{"train", "é😀"}', encoding))
    assert first.data["fixes"] == [
        {
            "title": "Use a tuple for the membership test",
            "safety": "safe",
            "fixId": "set-display-to-tuple",
            "params": {},
        }
    ]

    actions = await code_actions(client, uri, [first])
    (fix,) = [action for action in actions if action.title == "Use a tuple for the membership test"]
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.is_preferred is True
    assert fix.diagnostics == (first,)
    fix = await resolved(client, fix)
    edits, version = edits_for(fix.edit, uri)
    assert version == (5 if VERSIONED_EDITS[client.profile] else None)
    fixed = apply_text_edits(FIXABLE, edits, encoding)
    assert fixed == FIXABLE.replace('{"train", "é😀"}', '("train", "é😀")')

    replace_document(client, uri, fixed, 6)
    after = await client.publish_log.wait_for(uri, 6)
    assert [d.range for d in after.diagnostics] == [finding_range(fixed, "{1, 2}", encoding)]


async def test_fix_all_applies_every_safe_fix(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, _ = await open_and_wait(client, "fix_all.py", FIXABLE, version=2)
    whole = types.Range(start=types.Position(line=0, character=0), end=position_at(FIXABLE, len(FIXABLE), encoding))
    actions = await code_actions(client, uri, [], only=[types.CodeActionKind.SourceFixAll.value], whole=whole)
    (fix_all,) = actions
    assert fix_all.kind == FIX_ALL_KIND
    fix_all = await resolved(client, fix_all)
    edits, version = edits_for(fix_all.edit, uri)
    assert version == (2 if VERSIONED_EDITS[client.profile] else None)
    fixed = apply_text_edits(FIXABLE, edits, encoding)
    assert fixed == FIXABLE.replace('{"train", "é😀"}', '("train", "é😀")').replace("{1, 2}", "(1, 2)")

    replace_document(client, uri, fixed, 3)
    assert (await client.publish_log.wait_for(uri, 3)).diagnostics == ()


async def test_fix_all_is_not_offered_without_safe_fixes(client: RecordingClient) -> None:
    encoding = await session(client)
    uri, _ = await open_and_wait(client, "no_fix_all.py", HOST_COPY)
    whole = types.Range(start=types.Position(line=0, character=0), end=position_at(HOST_COPY, len(HOST_COPY), encoding))
    assert await code_actions(client, uri, [], only=[types.CodeActionKind.SourceFixAll.value], whole=whole) == []


async def test_stale_resolve_edit_is_for_the_version_it_was_made_for(client: RecordingClient) -> None:
    """A fix resolved after the user typed on is versioned for the old text, so the client rejects it."""
    await session(client)  # first: pytest-lsp cannot stop a server that was never initialized
    if not VERSIONED_EDITS[client.profile] or not RESOLVES_EDITS[client.profile]:
        pytest.skip("needs versioned edits and codeAction/resolve")
    uri, published = await open_and_wait(client, "stale.py", FIXABLE)
    actions = await code_actions(client, uri, [published.diagnostics[0]])
    fix = next(action for action in actions if action.is_preferred)
    replace_document(client, uri, "# typed\n" + FIXABLE, 2)
    fix = await client.code_action_resolve_async(fix)
    _, version = edits_for(fix.edit, uri)
    assert version == 1


async def test_failing_rule_is_logged_once_per_version_and_skipped(failing_rule_client: RecordingClient) -> None:
    client = failing_rule_client
    await session(client)
    uri, published = await open_and_wait(client, "failing.py", HOST_COPY)
    assert codes(published) == ["MSG002"], "the other rules still report"

    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=doc_id(uri)))
    replace_document(client, uri, HOST_COPY + "\n", 2)
    await client.publish_log.wait_for(uri, 2)
    failures = [message for message in client.log_messages if "MSG999" in message.message]
    assert [message.type for message in failures] == [types.MessageType.Error] * 2
    assert "version 1" in failures[0].message and "version 2" in failures[1].message
    assert "this rule always fails" in failures[0].message
    assert client.messages == [], "a failing rule is logged, not shown as a popup"


async def test_fix_all_on_a_realistic_model_file(client: RecordingClient) -> None:
    encoding = await session(client)
    text = (DATA / "vit_port.py").read_text(encoding="utf-8")
    uri, published = await open_and_wait(client, "vit_fix_all.py", text)
    safe_before = [d for d in published.diagnostics if any(fix["safety"] == "safe" for fix in d.data["fixes"])]
    assert len(safe_before) >= 2
    whole = types.Range(start=types.Position(line=0, character=0), end=position_at(text, len(text), encoding))
    (fix_all,) = await code_actions(client, uri, [], only=[FIX_ALL_KIND], whole=whole)
    edits, _ = edits_for((await resolved(client, fix_all)).edit, uri)
    fixed = apply_text_edits(text, edits, encoding)
    ast.parse(fixed)

    replace_document(client, uri, fixed, 2)
    after = await client.publish_log.wait_for(uri, 2)
    assert not [d for d in after.diagnostics if any(fix["safety"] == "safe" for fix in d.data["fixes"])]
    assert len(after.diagnostics) == len(published.diagnostics) - len(safe_before)
