"""How a model is named on the command line and in a request: `SOURCE:NAME` (pure, parent and worker).

SOURCE is a Python file (`models/resnet.py`) or a dotted module name (`torchvision.models.resnet`); NAME is
a class or a function returning a model, defined there.
"""

from __future__ import annotations

import os


def looks_like_file(source: str) -> bool:
    return source.endswith((".py", ".pyw")) or os.sep in source or (os.altsep or os.sep) in source


def parse_model_reference(text: str) -> tuple[str, str]:
    """`SOURCE:NAME` as (SOURCE, NAME); ValueError with a sentence for a person when it is not one."""
    source, separator, name = text.rpartition(":")
    if not separator or not source or not name.isidentifier():
        raise ValueError(f"{text!r} is not FILE.py:Name or package.module:Name")
    if looks_like_file(source):
        if not os.path.isfile(source):
            raise ValueError(f"{source} does not exist")
    elif not all(part.isidentifier() for part in source.split(".")):
        raise ValueError(f"{source!r} is neither an existing .py file nor a dotted module name")
    return source, name
