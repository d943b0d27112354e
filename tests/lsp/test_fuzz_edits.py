"""Property: whatever is typed, the server survives, answers, and publishes for the latest version.

One server (VS Code profile, UTF-16) serves the whole run. Each example opens a realistic model file,
applies random edits as `didChange` notifications (incremental and full-document; deletions,
insertions of tokens, brackets, line breaks of every kind, non-BMP characters, a lone surrogate),
with saves, pauses and requests in between, then checks that

- the last publish for the document carries the final version, and versions never go backwards;
- the diagnostics made for the final version are exactly what the engine finds in the text the client
  holds (so the server's copy of the document never drifted from the client's);
- hover and code action requests are still answered.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import astuple, dataclass

import pytest
import pytest_lsp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from msmigrate.analysis.engine import Engine
from tests.lsp.lsp_client import (
    DATA,
    RecordingClient,
    initialize,
    position_at,
    server_config,
    units,
    uri_for,
)

BASE_FILES = {path.name: path.read_text(encoding="utf-8") for path in sorted(DATA.glob("*_port.py"))}
ENCODING = "utf-16"
EXAMPLES = 250
FINAL_WAIT_SECONDS = 10.0

TOKENS = (
    "(", ")", "[", "]", "{", "}", ":", ",", ".", "=", "+", "*", "@", "\\", "#", '"', "'", '"""',
    "\n", "\r\n", "\r", "    ", "\t", "\x0c", "\u2028", "\x00", "\ud800",
    "é", "😀", "\U0001d518", "中文", "«»",
    "def ", "class ", "return ", "lambda: ", "yield ", "await ", "try:", "except ValueError:", "finally:",
    "if x in {1, 2}:", "for i in range(3):", "while True:", "with open(p) as f:", "global g",
    "import torch", "import mindspore as ms", "from mindspore import nn, ops",
    "x.asnumpy()", "x.item()", "np.sqrt(x)", "print(x)", "self.construct(x)", "@ms.jit\n", "nn.Cell",
)  # fmt: skip


@dataclass(frozen=True)
class Step:
    kind: str  # insert | delete | replace | whole | save | request | pause
    at: int  # where: a share (0..10_000) of the text's length, or (if `near`) a move of at % 41 - 20
    near: bool  # typing goes on close to the last edit, as it does in an editor
    size: int  # how many code points to delete or replace
    token: str


steps = st.builds(
    Step,
    kind=st.sampled_from(
        ("insert", "insert", "insert", "delete", "delete", "replace", "whole", "save", "request", "pause")
    ),
    at=st.integers(0, 10_000),
    near=st.booleans(),
    size=st.one_of(st.integers(0, 3), st.integers(0, 80)),
    token=st.one_of(
        st.sampled_from(TOKENS),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=4),
    ),
)
scripts = st.tuples(st.sampled_from(sorted(BASE_FILES)), st.lists(steps, min_size=1, max_size=24))


@pytest_lsp.fixture(config=server_config(), scope="session")
async def fuzz_client(lsp_client: RecordingClient):
    await initialize(lsp_client, "visual-studio-code")
    yield
    await lsp_client.shutdown_session()


def _boundary(text: str, offset: int) -> int:
    """`offset`, moved off the middle of a "\r\n": no LSP position lies between its two characters."""
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        return offset - 1
    return offset


def _change(text: str, start: int, end: int, new_text: str) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(start=position_at(text, start, ENCODING), end=position_at(text, end, ENCODING)),
        text=new_text,
    )


def _edit(text: str, step: Step, cursor: int) -> tuple[str, int, types.TextDocumentContentChangeEvent]:
    """The text after `step`, where the cursor is then, and the change event that tells the server."""
    at = cursor + step.at % 41 - 20 if step.near else len(text) * step.at // 10_000
    start = _boundary(text, max(0, min(at, len(text))))
    if step.kind == "whole":
        edited = text[:start] + step.token + text[start:]
        return edited, start + len(step.token), types.TextDocumentContentChangeWholeDocument(text=edited)
    end = start if step.kind == "insert" else _boundary(text, min(len(text), start + step.size))
    inserted = "" if step.kind == "delete" else step.token
    return text[:start] + inserted + text[end:], start + len(inserted), _change(text, start, end, inserted)


def _span_range(text: str, line: int, column: int, end_line: int, end_column: int) -> types.Range:
    """An engine span as a UTF-16 range in `text` (columns past a line's end mean its end)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    def position(line: int, column: int) -> types.Position:
        if line > len(lines):
            return position_at(text, len(text), ENCODING)
        line_text = lines[max(line, 1) - 1]
        return types.Position(line=max(line, 1) - 1, character=units(line_text[: max(column, 0)], ENCODING))

    start, end = position(line, column), position(end_line, end_column)
    return types.Range(start=start, end=max(start, end, key=lambda p: (p.line, p.character)))


@dataclass(frozen=True)
class Expected:
    findings: list[tuple[str, list[int]]]  # (code, span) of every finding
    syntax_error: types.Range | None  # where the text stops parsing, if it does


def _expected(text: str) -> Expected:
    result = Engine().analyze(text)
    findings = sorted(
        (finding.code, [finding.span.line, finding.span.column, finding.span.end_line, finding.span.end_column])
        for finding in result.findings
    )
    problem = result.syntax_problem
    syntax_error = None if problem is None else _span_range(text, *astuple(problem.span))
    return Expected(findings, syntax_error)


async def _request_everything(client: RecordingClient, uri: str, text: str) -> None:
    document = types.TextDocumentIdentifier(uri=uri)
    latest = client.publish_log.latest(uri)
    middle = position_at(text, len(text) // 2, ENCODING)
    await client.text_document_hover_async(types.HoverParams(text_document=document, position=middle))
    whole = types.Range(start=types.Position(line=0, character=0), end=position_at(text, len(text), ENCODING))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=document,
            range=whole,
            context=types.CodeActionContext(diagnostics=list(latest.diagnostics) if latest else []),
        )
    )
    for action in actions or []:
        if isinstance(action, types.CodeAction) and action.edit is None and action.data is not None:
            await client.code_action_resolve_async(action)
            break


_example_numbers = itertools.count()


@pytest.mark.timeout(240)
@pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")  # from parsing typed code
@pytest.mark.asyncio(loop_scope="session")
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(script=scripts)
async def test_random_edits_never_break_the_server(
    fuzz_client: RecordingClient, script: tuple[str, list[Step]]
) -> None:
    client = fuzz_client
    base, edit_steps = script
    uri = uri_for(f"fuzz_{next(_example_numbers)}_{base}")
    text = BASE_FILES[base]
    version = 1
    cursor = 0
    mark = len(client.publish_log.published)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )
    for step in edit_steps:
        if step.kind == "save":
            client.text_document_did_save(
                types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
        elif step.kind == "request":
            await _request_everything(client, uri, text)
        elif step.kind == "pause":
            await asyncio.sleep(step.size / 1000)
        else:
            text, cursor, change = _edit(text, step, cursor)
            version += 1
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[change],
                )
            )
    # Saving analyses at once; every tenth example waits out the debounce instead.
    if version % 10:
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    final = await client.publish_log.wait_for(uri, version, after=mark, timeout=FINAL_WAIT_SECONDS)

    versions = [params.version for params in client.publish_log.published[mark:] if params.uri == uri]
    assert versions == sorted(versions), f"a publish went back in time: {versions}"

    expected = _expected(text)
    current = [d for d in final.diagnostics if isinstance(d.data, dict) and d.data.get("version") == version]
    syntax_errors = [d.range for d in final.diagnostics if d.code == "syntax-error"]
    assert syntax_errors == ([expected.syntax_error] if expected.syntax_error else [])
    if expected.syntax_error is None:
        assert sorted((str(d.code), d.data["span"]) for d in current) == expected.findings
        assert len(final.diagnostics) == len(current)

    await _request_everything(client, uri, text)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
