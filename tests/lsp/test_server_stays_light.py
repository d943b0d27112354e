"""The server never imports torch or mindspore: start-up and keystroke latency depend on it.

Only the equivalence worker (a subprocess) may import them. This runs, in a fresh interpreter, what the
server runs in-process for every feature — analysis of both example files, every fix offered, API hovers
on every line, the migration report, pairing and the equivalence report — and then looks at
`sys.modules`.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from lsprotocol.types import Position

    from msmigrate.analysis.engine import Engine
    from msmigrate.equivalence import pairing, report
    from msmigrate.fixes.core import compute_edits
    from msmigrate.lsp.api_hover import ApiHover
    from msmigrate.lsp.commands import command_modules
    from msmigrate.lsp.documents import Document, DocumentKind
    from msmigrate.lsp.server import create_server
    from msmigrate.report import collect_report

    repo = Path(sys.argv[1])
    create_server()
    command_modules()
    hover = ApiHover()
    offered = 0
    for path in sorted((repo / "examples").glob("*.py")) + sorted((repo / "tests/workspaces").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for finding in Engine().analyze(text).findings:
            for offer in finding.fixes:
                compute_edits(text, finding, offer)
                offered += 1
        pairing.module_classes(path, text)
    for path in sorted((repo / "examples").glob("*.py")):
        # Every attribute name (`nn.Dropout`, `x.transpose`) of the examples: the API hover's cases.
        document = Document(path.as_uri(), DocumentKind.PYTHON, 1, path.read_text(encoding="utf-8"))
        for line, content in enumerate(document.text.splitlines()):
            for character, char in enumerate(content):
                if char == ".":
                    hover(document, Position(line, character + 1), "utf-16")
    collect_report([str(repo / "tests/workspaces/pytorch_project")])
    heavy = sorted(name for name in ("torch", "mindspore") if name in sys.modules)
    print(offered, heavy)
    """
)


def test_every_in_process_feature_leaves_torch_and_mindspore_unimported() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO)], capture_output=True, text=True, timeout=600, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    offered, heavy = completed.stdout.strip().split(" ", 1)
    assert int(offered) >= 30, "the probe must exercise the fixes"
    assert heavy == "[]", f"the server process imported {heavy}"
