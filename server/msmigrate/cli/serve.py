"""`msmigrate serve`: run the language server over stdio."""

from __future__ import annotations


def run_server() -> int:
    """Serve LSP on stdin/stdout until the client exits; returns the process exit code."""
    # Imported here so that the linting commands never load pygls.
    from msmigrate.lsp.server import start_stdio

    return start_stdio()
