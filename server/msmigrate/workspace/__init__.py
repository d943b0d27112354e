"""The user's files as every front end reads them: which source files a run covers (`files`), how a file
and a notebook are read (`files`, `notebooks`), and the `[tool.msmigrate]` configuration that selects rules
and excludes paths (`config`).

It sits below `cli/`, `lsp/`, `report/` and `equivalence/`, which all use it; it imports only `analysis`.
"""
