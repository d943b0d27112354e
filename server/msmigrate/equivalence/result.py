"""What an equivalence check is asked and what it answers: the wire and CLI format (schema 2).

Plain dataclasses with `to_json()` / `from_json()`. The worker writes a result as JSON, the parent (CLI or
language server) reads it back; nothing here imports torch or mindspore. Metrics that cannot be a finite
number (a shape mismatch, a NaN output) travel as `null`, because JSON has no NaN or Infinity and
JavaScript's `JSON.parse` rejects Python's spelling of them.

The PyTorch side comes first everywhere, as on the command line.
"""

from __future__ import annotations

import enum
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self, cast

SCHEMA_VERSION = 2


class Status(str, enum.Enum):
    EQUIVALENT = "equivalent"
    NOISE = "noise"  # some tensors differ beyond tolerance, but only as much as kernels differ (NoiseBound)
    DIVERGENT = "divergent"
    INCONCLUSIVE = "inconclusive"  # everything agreed, but the outputs compared prove nothing (all zero, constant)
    ERROR = "error"


class Outcome(str, enum.Enum):
    """How one tensor (or one layer's output) compares."""

    CLOSE = "close"  # every element within the tolerance
    NOISE = "noise"  # outside the tolerance, within the kernel-noise limit
    DIFFERS = "differs"
    INCOMPARABLE = "incomparable"  # shapes differ, or one side has no value

    @property
    def agrees(self) -> bool:
        return self in (Outcome.CLOSE, Outcome.NOISE)


class Phase(str, enum.Enum):
    EVAL_FORWARD = "eval_forward"
    TRAIN_FORWARD = "train_forward"
    INPUT_GRADIENTS = "input_gradients"
    PARAMETER_GRADIENTS = "parameter_gradients"
    RUNNING_STATS = "running_stats"
    SGD_STEP = "sgd_step"


PHASE_TITLES = {
    Phase.EVAL_FORWARD.value: "eval forward",
    Phase.TRAIN_FORWARD.value: "train forward",
    Phase.INPUT_GRADIENTS.value: "gradients w.r.t. inputs",
    Phase.PARAMETER_GRADIENTS.value: "parameter gradients",
    Phase.RUNNING_STATS.value: "running statistics",
    Phase.SGD_STEP.value: "parameters after one SGD step",
}


def phase_title(phase: str) -> str:
    return PHASE_TITLES.get(phase, phase.replace("_", " "))


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
    """Element-wise bound |torch - MindSpore| <= atol * scale + rtol * |torch|, where `scale` is the torch
    tensor's own root mean square: a tensor of values near 1e-9 is judged as strictly as one near 1."""

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
    """The element-wise `Tolerance` per dtype."""

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

    Different kernels (MindSpore's oneDNN vs torch's) sum in different orders; on float32 that moves
    results by ~1e-7 relative per operation and accumulates through depth and backward passes. The worker
    measures how far this very computation moves under rounding: torch run in float64 against torch in
    float32 gives each tensor's `reference` error, ||torch32 - torch64|| / ||torch64||. MindSpore's
    tensor is noise when ||MindSpore - torch32|| / ||torch64|| is within `factor` times that reference,
    and never less than `floor` (kernels that use other algorithms, such as Winograd convolutions, land
    about 1e-6 from torch where torch itself is exact to 1e-8). There is no ceiling: an ill-conditioned
    tensor, whose float32 value torch itself gets wrong by 1e-2, is noise at 5e-2 too. Without a float64
    reference (a model that cannot run in float64) `without_reference` applies.

    A tensor that is zero, or nearly, in torch (a gradient that cancels exactly) has no scale of its own:
    when its root mean square is below `zero_floor` times that of its check, it is judged on the check's
    scale instead, so float32 cancellation noise (1e-9 where torch has exactly 0) is not a difference.
    A semantic difference (padding, momentum, an epsilon default) moves whole tensors: measured 6e-4
    relative for LayerNorm's epsilon 1e-7 vs 1e-5, 1e-2 or more for most.
    """

    factor: float = 10.0
    floor: float = 1e-5
    without_reference: float = 1e-4
    zero_floor: float = 1e-4
    sparse_share: float = 1e-3
    sparse_minimum_size: int = 100
    tipped_allowance: float = 2e-2
    tipped_cosine: float = 0.999

    def limit(self, reference: float | None) -> float:
        if reference is None:
            return self.without_reference
        return max(self.floor, self.factor * reference)

    def to_json(self) -> dict[str, float]:
        return {
            "factor": self.factor,
            "floor": self.floor,
            "without_reference": self.without_reference,
            "zero_floor": self.zero_floor,
            "sparse_share": self.sparse_share,
            "sparse_minimum_size": self.sparse_minimum_size,
            "tipped_allowance": self.tipped_allowance,
            "tipped_cosine": self.tipped_cosine,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NoiseBound:
        known = {item.name: item.type for item in fields(cls)}
        return cls(
            **{key: (int if known[key] == "int" else float)(value) for key, value in data.items() if key in known}
        )


DEFAULT_NOISE_BOUND = NoiseBound()
DEFAULT_MODES: tuple[str, ...] = (Mode.PYNATIVE.value, Mode.GRAPH.value)


@dataclass(frozen=True)
class EquivalenceRequest:
    """Two models to compare. A `source` is a Python file (`models/resnet.py`, imported as part of its
    package when it lies in one) or a dotted module name (`torchvision.models.resnet`); `name` is a class
    or a function returning a module (a factory such as `resnet18`) defined there."""

    torch_source: str
    torch_name: str
    mindspore_source: str
    mindspore_name: str
    init_args: dict[str, Any] | list[Any] | None = None  # kwargs dict or positional list, for both sides
    mindspore_init_args: dict[str, Any] | list[Any] | None = None  # when the MindSpore side needs different ones
    inputs: list[InputSpec] | None = None  # None: module-level example_inputs() next to either model
    tolerances: Tolerances | None = None  # None: DEFAULT_TOLERANCES
    timeout_s: float = 300.0
    interpreter: str | None = None  # None: the interpreter running msmigrate
    device: str = "auto"  # auto | cpu | gpu | ascend | cuda (torch side follows: gpu/cuda -> cuda)
    weight_map: str | None = None  # JSON/TOML file of torch name -> MindSpore name, or `module.py:function`
    modes: tuple[str, ...] = DEFAULT_MODES
    seed: int = 0
    # Redraw what makes a comparison prove nothing (zero-initialised weights, default BatchNorm statistics).
    reinitialise: bool = True
    # Directories searched for dotted module names before sys.path (the caller's working directory).
    search_path: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "torch_source": self.torch_source,
            "torch_name": self.torch_name,
            "mindspore_source": self.mindspore_source,
            "mindspore_name": self.mindspore_name,
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
            "reinitialise": self.reinitialise,
            "search_path": list(self.search_path),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EquivalenceRequest:
        inputs = data.get("inputs")
        tolerances = data.get("tolerances")
        return cls(
            torch_source=str(data["torch_source"]),
            torch_name=str(data["torch_name"]),
            mindspore_source=str(data["mindspore_source"]),
            mindspore_name=str(data["mindspore_name"]),
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
            reinitialise=bool(data.get("reinitialise", True)),
            search_path=tuple(str(path) for path in data.get("search_path", ())),
        )


class FlatRecord:
    """A dataclass of scalars (and lists of them) whose JSON keys are its field names; floats travel
    finite or as null."""

    def to_json(self) -> dict[str, Any]:
        # numbers.Real, not float: the worker's metrics may be numpy scalars (np.float32 is no float).
        return {
            item.name: _finite(value)
            if isinstance(value, numbers.Real) and not isinstance(value, (int, bool))
            else _plain(value)
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
    """One tensor on both sides. Metrics are None when they cannot be computed (shapes differ, NaN).

    `scale` is the torch tensor's root mean square (float64 reference when there is one), floored for a
    tensor that is zero in torch (see NoiseBound.zero_floor); `max_rel` and `rel_error` are relative to it.
    """

    name: str
    torch_name: str | None
    mindspore_name: str | None
    outcome: str  # an Outcome value
    max_abs: float | None = None
    max_rel: float | None = None  # max |torch - MindSpore| / scale
    cosine: float | None = None
    within_tolerance: float | None = None  # share of elements within the tolerance, 0..1
    rel_error: float | None = None  # ||torch - MindSpore|| / (scale * sqrt(size))
    reference_error: float | None = None  # ||torch32 - torch64|| on the same scale: torch's own rounding
    noise_limit: float | None = None  # the largest rel_error still judged kernel noise
    scale: float | None = None
    spread: float | None = None  # std / rms of the torch values: 0 for a constant tensor
    # elements exactly zero on one side only: a ReLU decision that rounding tipped the other way
    tipped: int | None = None
    torch_shape: list[int] | None = None
    mindspore_shape: list[int] | None = None
    note: str | None = None  # why it was judged the way it was, when that is not obvious

    @property
    def agrees(self) -> bool:
        return Outcome(self.outcome).agrees


@dataclass(frozen=True)
class Check:
    """One phase in one MindSpore mode; `error` says why it could not be compared; `note` says when the
    comparison proves little (all its torch values zero, a constant output)."""

    phase: str
    mode: str
    error: str | None = None
    tensors: list[TensorComparison] = field(default_factory=list)
    note: str | None = None

    @property
    def agrees(self) -> bool:
        return self.error is None and all(tensor.agrees for tensor in self.tensors)

    @property
    def within_tolerance(self) -> bool:
        return self.error is None and all(tensor.outcome == Outcome.CLOSE.value for tensor in self.tensors)

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "mode": self.mode,
            "agrees": self.agrees,
            "error": self.error,
            "note": self.note,
            "tensors": [tensor.to_json() for tensor in self.tensors],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Check:
        return cls(
            phase=str(data["phase"]),
            mode=str(data["mode"]),
            error=data.get("error"),
            tensors=[TensorComparison.from_json(tensor) for tensor in data.get("tensors", ())],
            note=data.get("note"),
        )


@dataclass(frozen=True)
class LayerComparison(FlatRecord):
    """One sub-module's output on both sides, in torch's execution order. `*_file`/`*_line` is the code
    that built the layer (wherever it is: the user's file or a library's); `paired_by` says how the two
    layers were found to correspond: `path` (same attribute path), `weights` (they own the same mapped
    parameters) or `order` (parameter-free layers of the same kind, in execution order)."""

    phase: str
    mode: str
    torch_path: str
    mindspore_path: str
    torch_type: str
    mindspore_type: str
    paired_by: str
    outcome: str
    max_abs: float | None = None
    rel_error: float | None = None
    cosine: float | None = None
    reference_error: float | None = None
    noise_limit: float | None = None
    tipped: int | None = None  # as in TensorComparison
    torch_shape: list[int] | None = None
    mindspore_shape: list[int] | None = None
    torch_file: str | None = None
    torch_line: int | None = None
    mindspore_file: str | None = None
    mindspore_line: int | None = None

    @property
    def agrees(self) -> bool:
        return Outcome(self.outcome).agrees


@dataclass(frozen=True)
class ConfigDifference(FlatRecord):
    """A hyperparameter of a paired layer that differs once both sides are in one convention (momentum as
    torch's, padding per side at the input size the layer saw)."""

    torch_path: str
    mindspore_path: str
    torch_type: str
    mindspore_type: str
    hyperparameter: str
    torch_value: str
    mindspore_value: str
    note: str | None = None
    # whether the two layers' outputs agreed in the eval forward (None: not compared): a difference whose
    # layers agree is compensated elsewhere (an explicit Pad layer before a pad-free pool, say)
    outputs_agree: bool | None = None
    torch_file: str | None = None
    torch_line: int | None = None
    mindspore_file: str | None = None
    mindspore_line: int | None = None


@dataclass(frozen=True)
class Divergence(FlatRecord):
    """Where the first difference starts: a pair of sub-modules (empty paths: the model as a whole)."""

    phase: str
    mode: str
    torch_path: str
    mindspore_path: str
    torch_type: str | None = None
    mindspore_type: str | None = None
    max_abs: float | None = None
    rel_error: float | None = None
    torch_shape: list[int] | None = None
    mindspore_shape: list[int] | None = None
    torch_file: str | None = None
    torch_line: int | None = None
    mindspore_file: str | None = None
    mindspore_line: int | None = None


@dataclass(frozen=True)
class WeightPair:
    torch: str
    mindspore: str
    shape: list[int]  # the MindSpore parameter's shape (the torch tensor is reshaped to it)
    how: str  # the rule that paired them: same_name, batchnorm, module_order, shape, user, ...

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
    pairs: list[WeightPair] = field(default_factory=list)
    unmapped_torch: list[str] = field(default_factory=list)
    unmapped_mindspore: list[str] = field(default_factory=list)
    # torch tensors a weight map leaves unpaired on purpose: zeroed, so both sides compute without them
    zeroed_torch: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many pairs each rule made, in the order the rules first appear."""
        counted: dict[str, int] = {}
        for pair in self.pairs:
            counted[pair.how] = counted.get(pair.how, 0) + 1
        return counted

    def to_json(self) -> dict[str, Any]:
        return {
            "pairs": [pair.to_json() for pair in self.pairs],
            "counts": self.counts(),
            "unmapped_torch": list(self.unmapped_torch),
            "unmapped_mindspore": list(self.unmapped_mindspore),
            "zeroed_torch": list(self.zeroed_torch),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WeightMapping:
        return cls(
            pairs=[WeightPair.from_json(pair) for pair in data.get("pairs", ())],
            unmapped_torch=[str(name) for name in data.get("unmapped_torch", ())],
            unmapped_mindspore=[str(name) for name in data.get("unmapped_mindspore", ())],
            zeroed_torch=[str(name) for name in data.get("zeroed_torch", ())],
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
    """One side as asked (`source`, `name`) and as found: the file and line that define `name`."""

    source: str
    name: str
    file: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "name": self.name, "file": self.file, "line": self.line}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SideRef:
        line = data.get("line")
        return cls(
            source=str(data["source"]),
            name=str(data["name"]),
            file=data.get("file"),
            line=int(line) if line is not None else None,
        )

    @property
    def display(self) -> str:
        return f"{self.source}:{self.name}"


@dataclass(frozen=True)
class EquivalenceResult:
    status: str  # a Status value
    equivalent: bool | None  # True for equivalent and noise, None when the check could not run or proves nothing
    summary: str
    torch: SideRef
    mindspore: SideRef
    device: dict[str, str] = field(default_factory=dict)  # {"torch": "cpu", "mindspore": "CPU"}
    inputs: list[InputSpec] = field(default_factory=list)
    tolerances: Tolerances = field(default_factory=Tolerances)
    weight_mapping: WeightMapping | None = None
    checks: list[Check] = field(default_factory=list)
    layers: list[LayerComparison] = field(default_factory=list)
    config_differences: list[ConfigDifference] = field(default_factory=list)
    first_divergence: Divergence | None = None
    # What the check did on its own that a person should know: weights redrawn, stochastic depth switched
    # off, a package's failing __init__ bypassed.
    notes: list[str] = field(default_factory=list)
    error: RunError | None = None
    duration_s: float = 0.0
    noise_bound: NoiseBound = DEFAULT_NOISE_BOUND

    @classmethod
    def failed(
        cls,
        request: EquivalenceRequest,
        error: RunError,
        duration_s: float = 0.0,
        **found: Any,
    ) -> EquivalenceResult:
        """A result for a check that could not run to the end; `found` keeps what was learnt before
        (the weight mapping, configuration differences, notes)."""
        return cls(
            status=Status.ERROR.value,
            equivalent=None,
            summary=error.message,
            torch=found.pop("torch", None) or SideRef(request.torch_source, request.torch_name),
            mindspore=found.pop("mindspore", None) or SideRef(request.mindspore_source, request.mindspore_name),
            inputs=list(request.inputs or ()),
            tolerances=request.tolerances or Tolerances(),
            error=error,
            duration_s=duration_s,
            **found,
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
            "config_differences": [difference.to_json() for difference in self.config_differences],
            "first_divergence": None if self.first_divergence is None else self.first_divergence.to_json(),
            "notes": list(self.notes),
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
            config_differences=[ConfigDifference.from_json(item) for item in data.get("config_differences", ())],
            first_divergence=None if divergence is None else Divergence.from_json(divergence),
            notes=[str(note) for note in data.get("notes", ())],
            error=None if error is None else RunError.from_json(error),
            duration_s=float(data.get("duration_s", 0.0)),
            noise_bound=NoiseBound.from_json(noise) if noise else DEFAULT_NOISE_BOUND,
        )


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _plain(value: Any) -> Any:
    """numpy integers and tuples inside a record, as JSON has them."""
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return value
