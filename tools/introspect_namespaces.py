"""Regenerate `mappings/namespaces.json`: the public member names of the namespaces ports touch.

    python -m tools.introspect_namespaces           # rewrite the file
    python -m tools.introspect_namespaces --check   # exit 1 if the file differs from the installed packages

Rules ask "does `mindspore.nn` have `Linear` in 2.10?" or "is `detach` a method of a MindSpore tensor?"
without importing mindspore (the server never does). A member is every name `dir()` lists, and every
submodule of a package, that does not start with `_`: what attribute access can reach, inherited methods
included.

Imports torch and mindspore; `tests/mappings/test_namespaces.py` runs `--check` in a subprocess.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import warnings
from pathlib import Path
from typing import Any

from tools.mapping_common import MAPPINGS_DIR, dump_json

os.environ.setdefault("GLOG_v", "3")  # MindSpore's C++ logging: errors only

NAMESPACES_PATH = MAPPINGS_DIR / "namespaces.json"

# Modules and classes whose members rules look up. numpy.ndarray is here because a method name that a
# torch tensor shares with numpy arrays says nothing about the receiver's framework.
NAMESPACES = (
    "mindspore",
    "mindspore.nn",
    "mindspore.ops",
    "mindspore.mint",
    "mindspore.mint.nn",
    "mindspore.mint.nn.functional",
    "mindspore.mint.linalg",
    "mindspore.mint.special",
    "mindspore.mint.optim",
    "mindspore.Tensor",
    "mindspore.nn.Cell",
    "torch",
    "torch.nn",
    "torch.nn.functional",
    "torch.linalg",
    "torch.special",
    "torch.optim",
    "torch.Tensor",
    "torch.nn.Module",
    "numpy.ndarray",
)


def resolve(dotted: str) -> Any:
    """The module or class a dotted name denotes (the longest importable prefix, then attributes)."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(dotted)


def introspect() -> dict[str, Any]:
    warnings.filterwarnings("ignore")
    import mindspore
    import numpy
    import torch

    namespaces: dict[str, Any] = {}
    for dotted in NAMESPACES:
        obj = resolve(dotted)
        kind = "module" if type(obj).__name__ == "module" else "class"
        names = set(dir(obj))
        if kind == "module" and hasattr(obj, "__path__"):
            # `import mindspore.profiler` makes `mindspore.profiler` reachable even where the package's
            # `__init__` does not import it, so a submodule counts as a member.
            names.update(info.name for info in pkgutil.iter_modules(obj.__path__))
        members = sorted(name for name in names if not name.startswith("_"))
        namespaces[dotted] = {"kind": kind, "members": members}
    return {
        "generated_by": "python -m tools.introspect_namespaces",
        "versions": {
            "mindspore": mindspore.__version__,
            "torch": torch.__version__.split("+", 1)[0],
            "numpy": numpy.__version__,
        },
        "namespaces": namespaces,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="exit 1 if a file (default: mappings/namespaces.json) differs from the installed packages",
    )
    args = parser.parse_args(argv)
    text = dump_json(introspect())
    if args.check is not None:
        stale = [path for path in args.check or [NAMESPACES_PATH] if _read(path) != text]
        for path in stale:
            print(f"{path} is out of date: run python -m tools.introspect_namespaces")
        return 1 if stale else 0
    NAMESPACES_PATH.write_text(text, encoding="utf-8")
    sizes = ", ".join(f"{name} {len(record['members'])}" for name, record in json.loads(text)["namespaces"].items())
    print(f"wrote {NAMESPACES_PATH}: {sizes}")
    return 0


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


if __name__ == "__main__":
    sys.exit(main())
