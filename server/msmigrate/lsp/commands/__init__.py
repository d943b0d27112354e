"""`workspace/executeCommand` handlers: one module per command, registered here.

Each command module defines `NAME` (the command id the client sends) and
`async def run(server: MsmigrateServer, arguments: list[Any]) -> Any`. The server advertises every
command listed in `COMMAND_MODULES`, so a client sees them in `executeCommandProvider.commands`.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from msmigrate.lsp.server import MsmigrateServer

log = logging.getLogger(__name__)

# Module names under msmigrate.lsp.commands; each adds one command.
COMMAND_MODULES: tuple[str, ...] = ("run_equivalence_check", "migration_report")

CommandRunner = Callable[["MsmigrateServer", list[Any]], Awaitable[Any]]


def command_modules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{name}") for name in COMMAND_MODULES]


def register_commands(server: MsmigrateServer) -> None:
    """Register every command module's `run` under its `NAME`."""
    for module in command_modules():
        _register(server, module.NAME, module.run)


def _register(server: MsmigrateServer, name: str, run: CommandRunner) -> None:
    # pygls binds the JSON arguments to the handler's parameters by name; a single *arguments
    # parameter receives them all as sent, and `run` validates them itself.
    @server.command(name)
    async def handler(*arguments: Any) -> Any:
        try:
            return await run(server, list(arguments))
        except Exception as error:  # a failing command must not take the server down
            log.exception("command %s failed", name)
            server.log_to_client(f"msmigrate: command {name} failed: {error}", error=True)
            raise
