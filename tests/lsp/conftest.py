"""Fixtures for the end-to-end language server tests: one real server per test, per client profile."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp

from tests.lsp.lsp_client import DATA, PROFILES, RecordingClient, server_config

LSP_TEST_TIMEOUT_SECONDS = 90


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.lsp)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(LSP_TEST_TIMEOUT_SECONDS))


@pytest_lsp.fixture(config=server_config(), params=PROFILES)
async def client(lsp_client: RecordingClient, request: pytest.FixtureRequest):
    lsp_client.profile = request.param
    yield
    await lsp_client.shutdown_session()
    if lsp_client.capabilities is not None:
        assert lsp_client._server is not None and lsp_client._server.returncode == 0, "the server exits cleanly"


@pytest_lsp.fixture(
    config=server_config(command=[sys.executable, str(DATA / "failing_rule_server.py")]),
    params=PROFILES[:2],
)
async def failing_rule_client(lsp_client: RecordingClient, request: pytest.FixtureRequest):
    """A server whose registry holds one extra rule that always raises."""
    lsp_client.profile = request.param
    yield
    await lsp_client.shutdown_session()
