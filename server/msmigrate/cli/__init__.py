"""The `msmigrate` command line: `check` files and directories, list `rules`, `serve` the language server."""
