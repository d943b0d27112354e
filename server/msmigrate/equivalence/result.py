"""What an equivalence check is asked and what it answers: the wire and CLI format (schema 1).

Plain dataclasses with `to_json()` / `from_json()`. The worker writes a result as JSON, the parent (CLI or
language server) reads it back; nothing here imports torch or mindspore. Metrics that cannot be a finite
number (a shape mismatch, a NaN output) travel as `null`, because JSON has no NaN or Infinity and
JavaScript's `JSON.parse` rejects Python's spelling of them.
"""

from __future__ import annotations

import enum
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self, cast

SCHEMA_VERSION = 1


class Status(str, enum.Enum):
    EQUIVALENT = "equivalent"
    NOISE = "noise"  # differs beyond tolerance, but only as much as kernels differ (see NoiseBound)
    DIVERGENT = "divergent"
    ERROR = "error"


class Phase(str, enum.Enum):
    EVAL_FORWARD = "eval_forward"
    TRAIN_FORWARD = "train_forward"
    INPUT_GRADIENTS = "input_gradients"
    PARAMETER_GRADIENTS = "parameter_gradients"
    RUNNING_STATS = "running_stats"
    SGD_STEP = "sgd_step"


class Mode(str, enum.Enum):
    PYNATIVE = "pynative"
    GRAPH = "graph"


class ErrorKind(str, enum.Enum):
    USER_CODE_RAISED = "user_code_raised"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    CANCELLED = "cancelled"
    BAD_REQUEST = "bad_request"
    IMPORT_ERROR = "import_error"
    UNMAPPED_WEIGHTS = "unmapped_weights"


@dataclass(frozen=True)
class InputSpec:
    """One random input tensor; CLI form `2,3,32,32:float32` (dtype optional, default float32)."""

    shape: list[int]
    dtype: str = "float32"

    @classmethod
    def parse(cls, text: str) -> InputSpec:
        shape_text, _, dtype = text.strip().partition(":")
        try:
            shape = [int(size) for size in shape_text.replace("x", ",").split(",") if size.strip()]
        except ValueError:
            raise ValueError(f"{text!r} is not SHAPE[:DTYPE], such as 2,3,32,32:float32") from None
        if not shape or any(size < 0 for size in shape):
            raise ValueError(f"{text!r} has no valid shape; write it as 2,3,32,32:float32")
        return cls(shape=shape, dtype=dtype.strip() or "float32")

    def to_json(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "dtype": self.dtype}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InputSpec:
        return cls(shape=[int(size) for size in data["shape"]], dtype=str(data.get("dtype", "float32")))


@dataclass(frozen=True)
class Tolerance:
    atol: float
    rtol: float

    def to_json(self) -> dict[str, float]:
        return {"atol": self.atol, "rtol": self.rtol}


DEFAULT_TOLERANCES: dict[str, Tolerance] = {
    "float64": Tolerance(atol=1e-8, rtol=1e-7),
    "float32": Tolerance(atol=1e-5, rtol=1e-4),
    "float16": Tolerance(atol=1e-3, rtol=1e-2),
    "bfloat16": Tolerance(atol=1e-2, rtol=1e-2),
}


@dataclass(frozen=True)
class Tolerances:
    """Element-wise bound per dtype: |torch - mindspore| <= atol + rtol * |torch| (numpy.isclose)."""

    by_dtype: dict[str, Tolerance] = field(default_factory=lambda: dict(DEFAULT_TOLERANCES))

    def for_dtype(self, dtype: str) -> Tolerance:
        return self.by_dtype.get(dtype) or self.by_dtype.get("float32") or DEFAULT_TOLERANCES["float32"]

    def overridden(self, atol: float | None = None, rtol: float | None = None) -> Tolerances:
        """The same tolerances with `atol` / `rtol` replaced for every dtype (the CLI's --atol/--rtol)."""
        return Tolerances(
            {
                dtype: Tolerance(
                    atol=tolerance.atol if atol is None else atol, rtol=tolerance.rtol if rtol is None else rtol
                )
                for dtype, tolerance in self.by_dtype.items()
            }
        )

    def to_json(self) -> dict[str, dict[str, float]]:
        return {dtype: tolerance.to_json() for dtype, tolerance in self.by_dtype.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tolerances:
        merged = dict(DEFAULT_TOLERANCES)
        for dtype, bound in data.items():
            merged[dtype] = Tolerance(atol=float(bound["atol"]), rtol=float(bound["rtol"]))
        return cls(merged)


@dataclass(frozen=True)
class NoiseBound:
    """When a tensor outside the tolerance is judged kernel noise rather than a semantic difference.

    Different kernels (MindSpore's oneDNN vs torch's) sum in different orders; on fp32 that moves results
    by ~1e-7 relative per op and accumulates through depth and backward passes. The worker measures how
    far this very computation moves under rounding: torch run in float64 against torch in float32 gives a
    `reference` relative Frobenius error per tensor. A MindSpore tensor is noise when its error is within
    `reference_factor` times that (never less than `floor`, never more than `ceiling`) and its cosine
    similarity stays above `cosine`. Without a float64 reference (a model that cannot run in float64),
    the fixed `rel_frobenius` applies. A semantic difference (padding, momentum, an epsilon default) moves
    whole tensors: measured 6e-4 relative for LayerNorm's epsilon 1e-7 vs 1e-5, 1e-2 or more for most.
    """

    rel_frobenius: float = 1e-4
    cosine: float = 0.9999
    reference_factor: float = 10.0
    floor: float = 1e-5
    ceiling: float = 1e-2

    def limit(self, reference: float | None = None) -> float:
        if reference is None:
            return self.rel_frobenius
        return min(self.ceiling, max(self.floor, self.reference_factor * reference))

    def admits(self, rel_frobenius: float | None, cosine: float | None, reference: float | None = None) -> bool:
        return (
            rel_frobenius is not None
            and cosine is not None
            and rel_frobenius < self.limit(reference)
            and cosine > self.cosine
        )

    def to_json(self) -> dict[str, float]:
        return {
            "rel_frobenius": self.rel_frobenius,
            "cosine": self.cosine,
            "reference_factor": self.reference_factor,
            "floor": self.floor,
            "ceiling": self.ceiling,
        }


DEFAULT_NOISE_BOUND = NoiseBound()
DEFAULT_MODES: tuple[str, ...] = (Mode.PYNATIVE.value, Mode.GRAPH.value)


@dataclass(frozen=True)
class EquivalenceRequest:
    torch_file: str
    torch_class: str
    mindspore_file: str
    mindspore_class: str
    init_args: dict[str, Any] | list[Any] | None = None  # kwargs dict or positional list, for both classes
    mindspore_init_args: dict[str, Any] | list[Any] | None = None  # when the Cell needs different ones
    inputs: list[InputSpec] | None = None  # None: module-level example_inputs() next to either class
    tolerances: Tolerances | None = None  # None: DEFAULT_TOLERANCES
    timeout_s: float = 300.0
    interpreter: str | None = None  # None: the interpreter running msmigrate
    device: str = "auto"  # auto | cpu | gpu | ascend | cuda (torch side follows: gpu/cuda -> cuda)
    weight_map: str | None = None  # JSON/TOML file of torch name -> MindSpore name, or `module.py:function`
    modes: tuple[str, ...] = DEFAULT_MODES
    seed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "torch_file": self.torch_file,
            "torch_class": self.torch_class,
            "mindspore_file": self.mindspore_file,
            "mindspore_class": self.mindspore_class,
            "init_args": self.init_args,
            "mindspore_init_args": self.mindspore_init_args,
            "inputs": None if self.inputs is None else [spec.to_json() for spec in self.inputs],
            "tolerances": None if self.tolerances is None else self.tolerances.to_json(),
            "timeout_s": self.timeout_s,
            "interpreter": self.interpreter,
            "device": self.device,
            "weight_map": self.weight_map,
            "modes": list(self.modes),
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EquivalenceRequest:
        inputs = data.get("inputs")
        tolerances = data.get("tolerances")
        return cls(
            torch_file=str(data["torch_file"]),
            torch_class=str(data["torch_class"]),
            mindspore_file=str(data["mindspore_file"]),
            mindspore_class=str(data["mindspore_class"]),
            init_args=data.get("init_args"),
            mindspore_init_args=data.get("mindspore_init_args"),
            inputs=None if inputs is None else [InputSpec.from_json(spec) for spec in inputs],
            tolerances=None if tolerances is None else Tolerances.from_json(tolerances),
            timeout_s=float(data.get("timeout_s", 300.0)),
            interpreter=data.get("interpreter"),
            device=str(data.get("device", "auto")),
            weight_map=data.get("weight_map"),
            modes=tuple(data.get("modes", DEFAULT_MODES)),
            seed=int(data.get("seed", 0)),
        )


class FlatRecord:
    """A dataclass of scalars whose JSON keys are its field names; floats travel finite or as null."""

    def to_json(self) -> dict[str, Any]:
        # numbers.Real, not float: the worker's metrics may be numpy scalars (np.float32 is no float).
        return {
            item.name: _finite(value) if isinstance(value, numbers.Real) and not isinstance(value, int) else value
            for item in fields(cast(Any, self))
            for value in (getattr(self, item.name),)
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(**{item.name: data[item.name] for item in fields(cast(Any, cls)) if item.name in data})


@dataclass(frozen=True)
class Progress:
    message: str
    percentage: int | None = None


@dataclass(frozen=True)
class TensorComparison(FlatRecord):
    """One tensor on both sides. Metrics are None when they cannot be computed (shapes differ, NaN)."""

    name: str
    torch_name: str | None
    mindspore_name: str | None
    passed: bool
    max_abs: float | None
    max_rel: float | None
    cosine: float | None
    within_tolerance: float | None  # share of elements within atol + rtol * |torch|, 0..1
    rel_frobenius: float | None  # ||torch - mindspore|| / ||torch||
    # torch's own rounding error for this tensor: ||torch float32 - torch float64|| / ||torch float64||
    reference_rel_frobenius: float | None = None


@dataclass(frozen=True)
class Check:
    """One phase in one MindSpore mode; `error` says why it could not be compared (then passed is False)."""

    phase: str
    mode: str
    passed: bool
    error: str | None = None
    tensors: list[TensorComparison] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "mode": self.mode,
            "passed": self.passed,
            "error": self.error,
            "tensors": [tensor.to_json() for tensor in self.tensors],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Check:
        return cls(
            phase=str(data["phase"]),
            mode=str(data["mode"]),
            passed=bool(data["passed"]),
            error=data.get("error"),
            tensors=[TensorComparison.from_json(tensor) for tensor in data.get("tensors", ())],
        )


@dataclass(frozen=True)
class LayerComparison(FlatRecord):
    """One sub-module's output on both sides, in torch's execution order."""

    phase: str
    mode: str
    torch_path: str
    mindspore_path: str
    mindspore_line: int | None
    torch_line: int | None
    passed: bool
    max_abs: float | None
    rel_frobenius: float | None
    cosine: float | None
    reference_rel_frobenius: float | None = None  # as in TensorComparison


@dataclass(frozen=True)
class Divergence(FlatRecord):
    """The first sub-module whose output differs; `line` is 1-based in the MindSpore file."""

    phase: str
    mode: str
    torch_path: str
    mindspore_path: str
    line: int | None
    torch_line: int | None
    max_abs: float | None
    rel_frobenius: float | None


@dataclass(frozen=True)
class WeightPair:
    torch: str
    mindspore: str
    shape: list[int]  # the MindSpore parameter's shape (the torch tensor is reshaped/permuted to it)
    how: str  # the rule that paired them: same_name, batchnorm, embedding, lstm_gates, order, user, ...

    def to_json(self) -> dict[str, Any]:
        return {"torch": self.torch, "mindspore": self.mindspore, "shape": list(self.shape), "how": self.how}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WeightPair:
        return cls(
            torch=str(data["torch"]),
            mindspore=str(data["mindspore"]),
            shape=[int(size) for size in data.get("shape", ())],
            how=str(data.get("how", "")),
        )


@dataclass(frozen=True)
class WeightMapping:
    source: str  # "names" | "order" | "user": what decided most pairs
    pairs: list[WeightPair] = field(default_factory=list)
    unmapped_torch: list[str] = field(default_factory=list)
    unmapped_mindspore: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "pairs": [pair.to_json() for pair in self.pairs],
            "unmapped_torch": list(self.unmapped_torch),
            "unmapped_mindspore": list(self.unmapped_mindspore),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WeightMapping:
        return cls(
            source=str(data.get("source", "names")),
            pairs=[WeightPair.from_json(pair) for pair in data.get("pairs", ())],
            unmapped_torch=[str(name) for name in data.get("unmapped_torch", ())],
            unmapped_mindspore=[str(name) for name in data.get("unmapped_mindspore", ())],
        )


@dataclass(frozen=True)
class RunError:
    kind: str  # an ErrorKind value
    message: str  # a sentence for a person
    details: str = ""  # traceback, or the last user output

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "details": self.details}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunError:
        return cls(kind=str(data["kind"]), message=str(data["message"]), details=str(data.get("details") or ""))


@dataclass(frozen=True)
class SideRef:
    file: str
    class_name: str

    def to_json(self) -> dict[str, str]:
        return {"file": self.file, "class": self.class_name}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SideRef:
        return cls(file=str(data["file"]), class_name=str(data["class"]))


@dataclass(frozen=True)
class EquivalenceResult:
    status: str  # a Status value
    equivalent: bool | None  # True for equivalent and noise, None when the check could not run
    summary: str
    torch: SideRef
    mindspore: SideRef
    device: dict[str, str] = field(default_factory=dict)  # {"torch": "cpu", "mindspore": "CPU"}
    inputs: list[InputSpec] = field(default_factory=list)
    tolerances: Tolerances = field(default_factory=Tolerances)
    weight_mapping: WeightMapping | None = None
    checks: list[Check] = field(default_factory=list)
    layers: list[LayerComparison] = field(default_factory=list)
    first_divergence: Divergence | None = None
    error: RunError | None = None
    duration_s: float = 0.0
    noise_bound: NoiseBound = DEFAULT_NOISE_BOUND

    @classmethod
    def failed(cls, request: EquivalenceRequest, error: RunError, duration_s: float = 0.0) -> EquivalenceResult:
        """A result for a check that could not run to the end."""
        return cls(
            status=Status.ERROR.value,
            equivalent=None,
            summary=error.message,
            torch=SideRef(request.torch_file, request.torch_class),
            mindspore=SideRef(request.mindspore_file, request.mindspore_class),
            inputs=list(request.inputs or ()),
            tolerances=request.tolerances or Tolerances(),
            error=error,
            duration_s=duration_s,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "status": self.status,
            "equivalent": self.equivalent,
            "summary": self.summary,
            "torch": self.torch.to_json(),
            "mindspore": self.mindspore.to_json(),
            "device": dict(self.device),
            "inputs": [spec.to_json() for spec in self.inputs],
            "tolerances": self.tolerances.to_json(),
            "noise_bound": self.noise_bound.to_json(),
            "weight_mapping": None if self.weight_mapping is None else self.weight_mapping.to_json(),
            "checks": [check.to_json() for check in self.checks],
            "layers": [layer.to_json() for layer in self.layers],
            "first_divergence": None if self.first_divergence is None else self.first_divergence.to_json(),
            "error": None if self.error is None else self.error.to_json(),
            "duration_s": round(self.duration_s, 3),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EquivalenceResult:
        if data.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"equivalence result schema {data.get('schema')!r}, expected {SCHEMA_VERSION}")
        mapping = data.get("weight_mapping")
        divergence = data.get("first_divergence")
        error = data.get("error")
        noise = data.get("noise_bound") or {}
        return cls(
            status=str(data["status"]),
            equivalent=data.get("equivalent"),
            summary=str(data.get("summary", "")),
            torch=SideRef.from_json(data["torch"]),
            mindspore=SideRef.from_json(data["mindspore"]),
            device={str(side): str(name) for side, name in (data.get("device") or {}).items()},
            inputs=[InputSpec.from_json(spec) for spec in data.get("inputs", ())],
            tolerances=Tolerances.from_json(data.get("tolerances") or {}),
            weight_mapping=None if mapping is None else WeightMapping.from_json(mapping),
            checks=[Check.from_json(check) for check in data.get("checks", ())],
            layers=[LayerComparison.from_json(layer) for layer in data.get("layers", ())],
            first_divergence=None if divergence is None else Divergence.from_json(divergence),
            error=None if error is None else RunError.from_json(error),
            duration_s=float(data.get("duration_s", 0.0)),
            noise_bound=NoiseBound(**noise) if noise else DEFAULT_NOISE_BOUND,
        )


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)
