"""Per-layer outputs in execution order, recorded by forward hooks (worker side).

A hook fires when a sub-module's forward returns, so records run in completion order: a container after
everything inside it. Each record is a copy: a later in-place operation (`ReLU(inplace=True)`) writes into
the very tensor a layer returned, and must not rewrite what was recorded for that layer.

Measured on MindSpore 2.10: `Cell.register_forward_hook` runs in PYNATIVE_MODE, also inside
`value_and_grad`; in GRAPH_MODE a Cell with a Python hook fails to compile ("Illegal AnfNode for
evaluating"), so layers are recorded in PyNative only and GRAPH_MODE runs use Cells without hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Flatten = Callable[[Any], list[np.ndarray]]
Shapes = list[list[int]]


@dataclass
class LayerRecord:
    path: str
    call: int  # 1 for the first call of this sub-module in the phase, 2 for the second, ...
    type_name: str
    input_shapes: Shapes
    output_shapes: Shapes
    outputs: list[np.ndarray]  # copies; empty when only shapes were kept


@dataclass
class LayerRecorder:
    """Collects sub-modules' outputs per phase label; `phase = None` pauses recording. `keep(phase)` says
    whether to keep the outputs themselves or only their shapes; `on_record(phase, index, record)`, when
    given, sees each record as it arrives (the float64 reference compares and drops them at once)."""

    flatten: Flatten
    keep: Callable[[str], bool] = lambda phase: True
    on_record: Callable[[str, int, LayerRecord], None] | None = None
    phase: str | None = None
    records: dict[str, list[LayerRecord]] = field(default_factory=dict)
    calls: dict[tuple[str, str], int] = field(default_factory=dict)

    def hook_for(self, path: str) -> Callable[..., None]:
        def record(module: Any, inputs: Any, output: Any) -> None:
            phase = self.phase
            if phase is None:
                return
            call = self.calls.get((phase, path), 0) + 1
            self.calls[(phase, path)] = call
            outputs = [np.array(array, copy=True) for array in self.flatten(output)]
            entry = LayerRecord(
                path=path,
                call=call,
                type_name=type(module).__name__,
                input_shapes=tensor_shapes(inputs),
                output_shapes=_shapes(outputs),
                outputs=outputs,
            )
            records = self.records.setdefault(phase, [])
            if self.on_record is not None:
                self.on_record(phase, len(records), entry)
            if not self.keep(phase):
                entry.outputs = []
            records.append(entry)

        return record


def _shapes(arrays: list[np.ndarray]) -> Shapes:
    return [list(array.shape) for array in arrays]


def tensor_shapes(value: Any) -> Shapes:
    """The shapes of the tensors (torch or MindSpore) in a nested value, without converting them."""
    if isinstance(value, dict):
        return [shape for key in value for shape in tensor_shapes(value[key])]
    if isinstance(value, (tuple, list)):
        return [shape for item in value for shape in tensor_shapes(item)]
    if hasattr(value, "shape") and (hasattr(value, "detach") or hasattr(value, "asnumpy")):
        return [[int(size) for size in value.shape]]
    return []
