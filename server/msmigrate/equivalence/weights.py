"""Pair a torch `state_dict` with a MindSpore Cell's parameters, by name first, then by order and shape.

Pure: it sees names, shapes and the class name of each tensor's owning module, never a tensor, so it
is tested without either framework. The names and layouts below were measured on MindSpore 2.10 (CPU):

- BatchNorm1d/2d (and InstanceNorm): `gamma`, `beta`, `moving_mean`, `moving_variance`; BatchNorm3d
  wraps a BatchNorm2d, so its parameters are `bn2d.gamma` and so on.
- LayerNorm, GroupNorm: `gamma`, `beta`. Embedding: `embedding_table`. PReLU: `w`.
- Conv1d / Conv1dTranspose keep a 2-D kernel: torch (out, in, k) is MindSpore (out, in, 1, k).
- LSTM/GRU/RNN (and the *Cell variants): the same names as torch (`weight_ih_l0`, `bias_hh_l1_reverse`, ...)
  with torch's gate order (i, f, g, o and r, z, n): torch weights copied by name give identical outputs.
- `num_batches_tracked` has no MindSpore counterpart (MindSpore's momentum is fixed) and is dropped.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from msmigrate.equivalence.result import WeightMapping, WeightPair


@dataclass(frozen=True)
class TensorEntry:
    """A named tensor of one side: `owner_type` is the class name of the module that holds it."""

    name: str
    shape: tuple[int, ...]
    owner_type: str = ""

    @property
    def owner_path(self) -> str:
        return self.name.rpartition(".")[0]

    @property
    def leaf(self) -> str:
        return self.name.rpartition(".")[2]


@dataclass(frozen=True)
class UserWeightMap:
    """A user's override: explicit pairs; names on either side meant to stay unpaired; torch tensors to set
    to zero (a bias the MindSpore layer does not have). Names in `ignore_*` and `zero_torch` may be glob
    patterns (`features.*.bias`): a pattern applies to what the automatic pairing leaves unpaired."""

    pairs: dict[str, str] = field(default_factory=dict)
    ignore_torch: frozenset[str] = frozenset()
    ignore_mindspore: frozenset[str] = frozenset()
    zero_torch: frozenset[str] = frozenset()

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> UserWeightMap:
        """Read either `{"pairs": {...}, "ignore_torch": [...], "ignore_mindspore": [...], "zero_torch": [...]}`
        or a flat `{torch_name: mindspore_name}` dict in which a null value means "leave it unpaired"."""
        structured = ("pairs", "ignore_torch", "ignore_mindspore", "zero_torch")
        if any(key in data for key in structured):
            unknown = sorted(set(data) - set(structured))
            if unknown:
                raise ValueError(
                    f"the weight map has unknown key(s) {', '.join(unknown)}; expected {', '.join(structured)}"
                )
            pairs = data.get("pairs") or {}
            if not isinstance(pairs, Mapping):
                raise ValueError("the weight map's `pairs` must be a table of torch name = MindSpore name")
            flat = dict(pairs)
            ignore_torch = set(_names(data.get("ignore_torch"), "ignore_torch"))
            ignore_mindspore = set(_names(data.get("ignore_mindspore"), "ignore_mindspore"))
            zero_torch = set(_names(data.get("zero_torch"), "zero_torch"))
        else:
            flat = dict(data)
            ignore_torch, ignore_mindspore, zero_torch = set(), set(), set()
        explicit: dict[str, str] = {}
        for torch_name, mindspore_name in flat.items():
            if mindspore_name is None or mindspore_name == "":
                ignore_torch.add(str(torch_name))
            elif isinstance(mindspore_name, str):
                explicit[str(torch_name)] = mindspore_name
            else:
                raise ValueError(f"weight map entry {torch_name!r}: expected a MindSpore name, got {mindspore_name!r}")
        return cls(explicit, frozenset(ignore_torch), frozenset(ignore_mindspore), frozenset(zero_torch))

    def ignores_torch(self, name: str, *, after_pairing: bool) -> bool:
        return _matches(name, self.ignore_torch, after_pairing)

    def ignores_mindspore(self, name: str, *, after_pairing: bool) -> bool:
        return _matches(name, self.ignore_mindspore, after_pairing)

    def zeroes_torch(self, name: str, *, after_pairing: bool) -> bool:
        return _matches(name, self.zero_torch, after_pairing)


def _matches(name: str, patterns: frozenset[str], after_pairing: bool) -> bool:
    """Exact names apply before the automatic pairing; patterns after it, to what it left over."""
    if not after_pairing:
        return name in patterns
    return any(_is_pattern(pattern) and fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _is_pattern(text: str) -> bool:
    return any(character in text for character in "*?[")


DROPPED_TORCH_LEAVES = frozenset({"num_batches_tracked"})

_BATCHNORM_LEAVES = {
    "weight": "gamma",
    "bias": "beta",
    "running_mean": "moving_mean",
    "running_var": "moving_variance",
}
_AFFINE_LEAVES = {"weight": "gamma", "bias": "beta"}
_BATCHNORM_TYPES = frozenset(
    {"BatchNorm1d", "BatchNorm2d", "SyncBatchNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"}
)
_RECURRENT_TYPES = frozenset({"LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell"})
_KERNEL_AXIS_TYPES = frozenset({"Conv1d", "ConvTranspose1d"})

# Leaf renames tried for any owner when the owner's type says nothing (a custom module, a subclass).
_GENERIC_LEAF_RENAMES: dict[str, tuple[str, ...]] = {
    "weight": ("gamma", "embedding_table", "w"),
    "bias": ("beta",),
    "running_mean": ("moving_mean",),
    "running_var": ("moving_variance",),
}


def typed_candidates(entry: TensorEntry) -> list[tuple[str, str]]:
    """(MindSpore name, how) candidates that the torch owner's type predicts, best first."""
    prefix = f"{entry.owner_path}." if entry.owner_path else ""
    leaf, owner = entry.leaf, entry.owner_type
    if owner == "BatchNorm3d" and leaf in _BATCHNORM_LEAVES:
        return [(f"{prefix}bn2d.{_BATCHNORM_LEAVES[leaf]}", "batchnorm3d")]
    if owner in _BATCHNORM_TYPES and leaf in _BATCHNORM_LEAVES:
        return [(f"{prefix}{_BATCHNORM_LEAVES[leaf]}", "batchnorm")]
    if owner in ("LayerNorm", "GroupNorm") and leaf in _AFFINE_LEAVES:
        return [(f"{prefix}{_AFFINE_LEAVES[leaf]}", owner.lower())]
    if owner == "Embedding" and leaf == "weight":
        return [(f"{prefix}embedding_table", "embedding")]
    if owner == "PReLU" and leaf == "weight":
        return [(f"{prefix}w", "prelu")]
    if owner in _RECURRENT_TYPES:
        return [(entry.name, "rnn_gates")]
    if owner in _KERNEL_AXIS_TYPES and leaf == "weight":
        return [(entry.name, "conv1d_kernel_axis")]
    if owner == "Linear":
        return [(entry.name, "linear_dense")]
    return []


def generic_candidates(entry: TensorEntry) -> list[tuple[str, str]]:
    """Candidates from the name alone: the same name, known leaf renames, the BatchNorm3d `bn2d.` level."""
    prefix = f"{entry.owner_path}." if entry.owner_path else ""
    candidates = [(entry.name, "same_name")]
    for renamed in _GENERIC_LEAF_RENAMES.get(entry.leaf, ()):
        candidates.append((f"{prefix}{renamed}", "renamed"))
    if entry.leaf in _BATCHNORM_LEAVES:
        candidates.append((f"{prefix}bn2d.{_BATCHNORM_LEAVES[entry.leaf]}", "batchnorm3d"))
    return candidates


def shapes_compatible(torch_shape: Sequence[int], mindspore_shape: Sequence[int]) -> bool:
    """Equal shapes, or the same sizes once axes of length 1 are dropped (Conv1d's extra kernel axis)."""
    if tuple(torch_shape) == tuple(mindspore_shape):
        return True
    return math.prod(torch_shape) == math.prod(mindspore_shape) and [s for s in torch_shape if s != 1] == [
        s for s in mindspore_shape if s != 1
    ]


@dataclass
class MappingOutcome:
    mapping: WeightMapping
    dropped_torch: list[str]
    # Why an unmapped torch name found no partner: "torch a (3, 4) vs MindSpore b (4, 3)".
    shape_conflicts: list[str]

    @property
    def complete(self) -> bool:
        return not self.mapping.unmapped_torch and not self.mapping.unmapped_mindspore


def map_weights(
    torch_entries: Sequence[TensorEntry],
    mindspore_entries: Sequence[TensorEntry],
    user: UserWeightMap | None = None,
) -> MappingOutcome:
    """Pair every torch tensor with a MindSpore parameter: the user's pairs, then names, then module
    structure, then shapes that occur once, then plain order."""
    user = user or UserWeightMap()
    mindspore_by_name = {entry.name: entry for entry in mindspore_entries}
    taken: set[str] = set()
    pairs: dict[str, WeightPair] = {}
    dropped: list[str] = []
    conflicts: dict[str, list[str]] = {}
    pending: list[TensorEntry] = []

    def pair(entry: TensorEntry, mindspore_name: str, how: str) -> None:
        taken.add(mindspore_name)
        pairs[entry.name] = WeightPair(entry.name, mindspore_name, list(mindspore_by_name[mindspore_name].shape), how)

    excluded_torch = {
        entry.name
        for entry in torch_entries
        if user.ignores_torch(entry.name, after_pairing=False) or user.zeroes_torch(entry.name, after_pairing=False)
    }
    for entry in torch_entries:
        if entry.name in excluded_torch:
            continue
        if entry.name in user.pairs:
            target = mindspore_by_name.get(user.pairs[entry.name])
            if target is None:
                conflicts.setdefault(entry.name, []).append(
                    f"the weight map pairs {entry.name} with {user.pairs[entry.name]!r}, which MindSpore does not have"
                )
                pending.append(entry)
            elif not shapes_compatible(entry.shape, target.shape):
                conflicts.setdefault(entry.name, []).append(_conflict(entry, target))
                pending.append(entry)
            else:
                pair(entry, target.name, "user")
            continue
        if entry.leaf in DROPPED_TORCH_LEAVES:
            dropped.append(entry.name)
            continue
        for mindspore_name, how in typed_candidates(entry) + generic_candidates(entry):
            target = mindspore_by_name.get(mindspore_name)
            if target is None or mindspore_name in taken:
                continue
            if shapes_compatible(entry.shape, target.shape):
                pair(entry, mindspore_name, how)
                break
            conflicts.setdefault(entry.name, []).append(_conflict(entry, target))
        else:
            pending.append(entry)

    def left_mindspore() -> list[TensorEntry]:
        return [
            entry
            for entry in mindspore_entries
            if entry.name not in taken and not user.ignores_mindspore(entry.name, after_pairing=False)
        ]

    for finder in (_pair_by_module_structure, _pair_by_unique_shape, _pair_by_plain_order):
        left_torch = [entry for entry in pending if entry.name not in pairs]
        for torch_entry, mindspore_entry, how in finder(left_torch, left_mindspore()):
            pair(torch_entry, mindspore_entry.name, how)

    leftover_torch = [entry.name for entry in pending if entry.name not in pairs]
    zeroed = [
        name
        for name in [entry.name for entry in torch_entries if entry.name in excluded_torch] + leftover_torch
        if user.zeroes_torch(name, after_pairing=False) or user.zeroes_torch(name, after_pairing=True)
    ]
    unmapped_torch = [
        name for name in leftover_torch if name not in zeroed and not user.ignores_torch(name, after_pairing=True)
    ]
    unmapped_mindspore = [
        entry.name for entry in left_mindspore() if not user.ignores_mindspore(entry.name, after_pairing=True)
    ]
    return MappingOutcome(
        mapping=WeightMapping(
            pairs=[pairs[entry.name] for entry in torch_entries if entry.name in pairs],
            unmapped_torch=unmapped_torch,
            unmapped_mindspore=unmapped_mindspore,
            zeroed_torch=zeroed,
        ),
        dropped_torch=dropped,
        shape_conflicts=[message for name in unmapped_torch for message in dict.fromkeys(conflicts.get(name, ()))],
    )


def _pair_by_module_structure(
    torch_left: Sequence[TensorEntry], mindspore_left: Sequence[TensorEntry]
) -> list[tuple[TensorEntry, TensorEntry, str]]:
    """Modules whose remaining tensors have the same shapes, aligned in definition order (a longest common
    subsequence, so a module one side lacks does not shift the rest): `fc` <-> `classifier`, a fused
    `in_proj_weight` owner <-> `qkv`. Inside a pair of modules, leaves match by name rules, else by shape."""
    torch_groups = list(_group_by_owner(torch_left).items())
    mindspore_groups = list(_group_by_owner(mindspore_left).items())
    found: list[tuple[TensorEntry, TensorEntry, str]] = []
    aligned = common_subsequence(
        [_signature(group) for _, group in torch_groups], [_signature(group) for _, group in mindspore_groups]
    )
    for torch_index, mindspore_index in aligned:
        mindspore_owner, mindspore_group = mindspore_groups[mindspore_index]
        found.extend(_pair_leaves(torch_groups[torch_index][1], mindspore_owner, mindspore_group))
    return found


def _pair_leaves(
    torch_group: Sequence[TensorEntry], mindspore_owner: str, mindspore_group: Sequence[TensorEntry]
) -> list[tuple[TensorEntry, TensorEntry, str]]:
    by_leaf_path = {entry.name.removeprefix(mindspore_owner).lstrip("."): entry for entry in mindspore_group}
    used: set[str] = set()
    found = []
    rest = []
    for entry in torch_group:
        relocated = TensorEntry(entry.leaf, entry.shape, entry.owner_type)
        for candidate, _ in typed_candidates(relocated) + generic_candidates(relocated):
            target = by_leaf_path.get(candidate)
            if target and target.name not in used and shapes_compatible(entry.shape, target.shape):
                found.append((entry, target, "module_order"))
                used.add(target.name)
                break
        else:
            rest.append(entry)
    remaining = [entry for entry in mindspore_group if entry.name not in used]
    for torch_entry, mindspore_entry in zip(
        sorted(rest, key=_shape_key), sorted(remaining, key=_shape_key), strict=False
    ):
        if shapes_compatible(torch_entry.shape, mindspore_entry.shape):
            found.append((torch_entry, mindspore_entry, "module_order"))
    return found


def _pair_by_unique_shape(
    torch_left: Sequence[TensorEntry], mindspore_left: Sequence[TensorEntry]
) -> list[tuple[TensorEntry, TensorEntry, str]]:
    """A shape that one tensor has on each side (`class_token` (1, 1, 64) <-> `cls_token`)."""
    torch_by_shape: dict[tuple[int, ...], list[TensorEntry]] = {}
    mindspore_by_shape: dict[tuple[int, ...], list[TensorEntry]] = {}
    for entry in torch_left:
        torch_by_shape.setdefault(_squeezed_shape(entry.shape), []).append(entry)
    for entry in mindspore_left:
        mindspore_by_shape.setdefault(_squeezed_shape(entry.shape), []).append(entry)
    return [
        (entries[0], mindspore_by_shape[shape][0], "shape")
        for shape, entries in torch_by_shape.items()
        if len(entries) == 1 and len(mindspore_by_shape.get(shape, ())) == 1
    ]


def _pair_by_plain_order(
    torch_left: Sequence[TensorEntry], mindspore_left: Sequence[TensorEntry]
) -> list[tuple[TensorEntry, TensorEntry, str]]:
    """What is left, in order, when both sides have as many tensors left and every shape agrees."""
    if (
        torch_left
        and len(torch_left) == len(mindspore_left)
        and all(shapes_compatible(t.shape, m.shape) for t, m in zip(torch_left, mindspore_left, strict=True))
    ):
        return [(t, m, "order") for t, m in zip(torch_left, mindspore_left, strict=True)]
    return []


def _signature(group: Sequence[TensorEntry]) -> tuple[tuple[int, ...], ...]:
    return tuple(sorted(_squeezed_shape(entry.shape) for entry in group))


def _squeezed_shape(shape: Sequence[int]) -> tuple[int, ...]:
    return tuple(size for size in shape if size != 1)


def _shape_key(entry: TensorEntry) -> tuple[tuple[int, ...], str]:
    return _squeezed_shape(entry.shape), entry.leaf


def common_subsequence(left: Sequence[object], right: Sequence[object]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of two sequences of comparable items."""
    rows, columns = len(left), len(right)
    lengths = [[0] * (columns + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        row, below = lengths[i], lengths[i + 1]
        for j in range(columns - 1, -1, -1):
            row[j] = below[j + 1] + 1 if left[i] == right[j] else max(below[j], row[j + 1])
    found = []
    i = j = 0
    while i < rows and j < columns:
        if left[i] == right[j]:
            found.append((i, j))
            i += 1
            j += 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return found


def _group_by_owner(entries: Sequence[TensorEntry]) -> dict[str, list[TensorEntry]]:
    groups: dict[str, list[TensorEntry]] = {}
    for entry in entries:
        owner = entry.owner_path
        # BatchNorm3d's parameters live one level down, in its `bn2d` Cell: group them with their module.
        if owner.endswith(".bn2d") or owner == "bn2d":
            owner = owner.removesuffix("bn2d").rstrip(".")
        groups.setdefault(owner, []).append(entry)
    return groups


def _conflict(torch_entry: TensorEntry, mindspore_entry: TensorEntry) -> str:
    return (
        f"torch {torch_entry.name} {tuple(torch_entry.shape)} vs MindSpore {mindspore_entry.name} "
        f"{tuple(mindspore_entry.shape)}"
    )


def _names(value: object, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ValueError(f"the weight map's `{key}` must be a list of names")
    return list(value)
