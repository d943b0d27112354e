"""The package's layers, read from the import statements of every module under `server/msmigrate/`.

engine (`analysis`, `rules`, `fixes`, `mappings`) < `workspace` (finding and reading the user's files) <
`report`, `lsp`, `equivalence` < `cli` < the entry point (`msmigrate/__main__.py`). A module imports its
own layer or lower ones, so nothing but the entry point imports `cli`; the engine and the workspace layer
never import the language-server or framework packages, wherever the import statement stands.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "server" / "msmigrate"

LAYER_OF = {
    "analysis": 0,
    "rules": 0,
    "fixes": 0,
    "mappings": 0,
    "workspace": 1,
    "report": 2,
    "lsp": 2,
    "equivalence": 2,
    "cli": 3,
    "__main__": 4,
}
TOP_LEVEL = -1  # `msmigrate/__init__.py` (the version): importable from anywhere
PURE_LAYERS = frozenset({0, 1})
# The engine and the workspace layer run in the CLI, the server and the subprocesses alike.
NOT_IN_PURE_LAYERS = frozenset({"pygls", "lsprotocol", "mindspore", "torch"})


def _layer(package: str) -> int:
    return TOP_LEVEL if package in ("", "__init__") else LAYER_OF[package]


def _imported_modules(tree: ast.AST) -> list[str]:
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
    return modules


def layering_violations(relative: Path, source: str) -> list[str]:
    """What a module at `relative` (under `msmigrate/`) imports against the layering."""
    own_package = relative.parts[0] if len(relative.parts) > 1 else relative.stem
    own_layer = _layer(own_package)
    violations = []
    for module in _imported_modules(ast.parse(source)):
        parts = module.split(".")
        if parts[0] == "msmigrate":
            target = parts[1] if len(parts) > 1 else ""
            if target not in LAYER_OF and target not in ("", "__init__"):
                violations.append(f"{relative}: imports {module}, a package no layer names")
            elif _layer(target) > own_layer:
                violations.append(f"{relative}: imports {module} from a higher layer")
        elif own_layer in PURE_LAYERS and parts[0] in NOT_IN_PURE_LAYERS:
            violations.append(f"{relative}: imports {module}")
    return violations


def test_every_module_imports_only_its_own_layer_or_lower_ones() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 100
    violations = [
        violation
        for path in modules
        for violation in layering_violations(path.relative_to(PACKAGE), path.read_text(encoding="utf-8"))
    ]
    assert violations == []


def test_every_package_has_a_layer() -> None:
    packages = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    assert packages == set(LAYER_OF) - {"__main__"}


def test_file_reading_lives_in_the_workspace_layer_that_every_front_end_uses() -> None:
    for package in ("cli", "report", "lsp", "equivalence"):
        sources = (path.read_text(encoding="utf-8") for path in (PACKAGE / package).rglob("*.py"))
        assert any("from msmigrate.workspace" in source for source in sources), package


def test_the_check_reports_what_breaks_the_layering() -> None:
    assert layering_violations(Path("report/collect.py"), "from msmigrate.cli.files import load\n") == [
        "report/collect.py: imports msmigrate.cli.files from a higher layer"
    ]
    assert layering_violations(Path("lsp/server.py"), "def f():\n    import msmigrate.cli.main\n") == [
        "lsp/server.py: imports msmigrate.cli.main from a higher layer"
    ]
    assert layering_violations(Path("workspace/files.py"), "from msmigrate.lsp import documents\n") != []
    assert layering_violations(Path("analysis/engine.py"), "def f():\n    import torch\n") == [
        "analysis/engine.py: imports torch"
    ]
    assert layering_violations(Path("__main__.py"), "from msmigrate.cli.main import main\n") == []
    assert layering_violations(Path("lsp/server.py"), "from msmigrate import __version__\n") == []
