"""The msmigrate language server (pygls): diagnostics, rule hovers and fixes as code actions.

`start_stdio()` serves over stdin/stdout; `create_server()` builds the server object.
"""

from msmigrate.lsp.server import MsmigrateServer, create_server, start_stdio

__all__ = ["MsmigrateServer", "create_server", "start_stdio"]
