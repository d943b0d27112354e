"""`python -m msmigrate.lsp` serves LSP over stdio (what `msmigrate serve` does, without the CLI)."""

import sys

from msmigrate.lsp.server import start_stdio

sys.exit(start_stdio())
