"""Real public model code, installed from the package registry at test time, never copied into the repository.

`real_packages()` installs torchvision's wheel (without its dependencies: it would pull a CUDA build of
torch) and mindcv (MindSpore's model zoo) with tqdm, which it imports, into a folder of their own that is
reused between runs, and returns that folder. `import torchvision` fails beside the CPU build of torch
("operator torchvision::nms does not exist"); its model modules import once the package __init__ is
bypassed, which the equivalence check does by itself. When the registry cannot be reached the tests that
need these packages skip, with one reason; any other failure to install fails them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

PACKAGES = ("torchvision==0.28.0", "mindcv==0.3.0", "tqdm")
CACHE = Path(os.environ.get("MSMIGRATE_REAL_PACKAGES", Path.home() / ".cache" / "msmigrate-tests" / "real-packages"))
_UNREACHABLE = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "Connection refused",
    "Max retries exceeded",
    "ConnectTimeout",
    "ReadTimeoutError",
)


class RegistryUnreachable(Exception):
    """The package registry cannot be reached: the packages cannot be installed here."""


def real_packages() -> Path:
    """The folder holding the installed packages (put it on sys.path or PYTHONPATH); skips the test when
    the registry cannot be reached."""
    try:
        return install_real_packages()
    except RegistryUnreachable as reason:
        pytest.skip(str(reason))


@cache
def install_real_packages() -> Path:
    """The folder holding the installed packages; RegistryUnreachable when they cannot be downloaded."""
    target = CACHE / "-".join(package.replace("==", "_") for package in PACKAGES)
    if (target / "torchvision" / "models" / "resnet.py").is_file() and (target / "mindcv" / "models").is_dir():
        return target
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
        "--target", str(target), *PACKAGES,
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if completed.returncode != 0:
        output = completed.stdout + completed.stderr
        if any(sign in output for sign in _UNREACHABLE):
            raise RegistryUnreachable(f"the package registry cannot be reached to install {', '.join(PACKAGES)}")
        raise AssertionError(f"installing {', '.join(PACKAGES)} failed:\n{output[-3000:]}")
    return target


def package_file(relative: str) -> Path:
    """A file of an installed real package, such as `mindcv/models/resnet.py`."""
    path = real_packages() / relative
    assert path.is_file(), f"{relative} is not in the installed packages"
    return path
