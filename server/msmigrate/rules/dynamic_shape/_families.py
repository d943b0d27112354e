"""The operations each dynamic-shape rule knows, with their installed signatures.

Signatures were read with `inspect.signature` or the first docstring line on MindSpore 2.10.0 and
torch 2.13.0 (tensor methods without `self`); where a name exists in `mappings/signatures.json`, a unit
test checks that the two agree.
"""

from __future__ import annotations

from msmigrate.rules.dynamic_shape._apis import table

# -- outputs sized by the data (MSD001) --------------------------------------------------------------
MASKED_SELECT = table(
    "masked_select",
    mindspore={"masked_select": "(input, mask)"},
    mint={"masked_select": "(input, mask)"},
    primitives={"MaskedSelect": "(input, mask)"},
    mindspore_methods={"masked_select": "(mask)"},
    torch={"masked_select": "(input, mask, *, out=None)"},
    torch_methods={"masked_select": "(mask)"},
)
NONZERO = table(
    "nonzero",
    mindspore={"nonzero": "(input, *, as_tuple=False)", "argwhere": "(input)"},
    mint={"nonzero": "(input, *, as_tuple=False)"},
    primitives={"NonZero": "(input)"},
    mindspore_methods={"nonzero": "(*, as_tuple=False)", "argwhere": "()"},
    torch={"nonzero": "(input, *, out=None, as_tuple=False)", "argwhere": "(input)"},
    torch_methods={"nonzero": "(*, as_tuple=False)", "argwhere": "()"},
)
UNIQUE = table(
    "unique",
    mindspore={
        "unique": "(input)",
        "unique_consecutive": "(input, return_inverse=False, return_counts=False, dim=None)",
    },
    mint={
        "unique": "(input, sorted=True, return_inverse=False, return_counts=False, dim=None)",
        "unique_consecutive": "(input, return_inverse=False, return_counts=False, dim=None)",
    },
    primitives={"Unique": "(input)"},
    mindspore_methods={
        "unique": "(sorted=True, return_inverse=False, return_counts=False, dim=None)",
        "unique_consecutive": "(return_inverse=False, return_counts=False, dim=None)",
    },
    torch={
        "unique": "(input, sorted=True, return_inverse=False, return_counts=False, dim=None)",
        "unique_consecutive": "(input, return_inverse=False, return_counts=False, dim=None)",
    },
    torch_methods={
        "unique": "(sorted=True, return_inverse=False, return_counts=False, dim=None)",
        "unique_consecutive": "(return_inverse=False, return_counts=False, dim=None)",
    },
)
BINCOUNT = table(
    "bincount",
    mindspore={"bincount": "(input, weights=None, minlength=0)"},
    mint={"bincount": "(input, weights=None, minlength=0)"},
    torch={"bincount": "(input, weights=None, minlength=0)"},
    torch_methods={"bincount": "(weights=None, minlength=0)"},
)
# `where(condition)` with one argument is `nonzero(condition, as_tuple=True)`. MindSpore's `ops.where`
# takes three arguments only (one does not compile: a call error, not a shape problem).
WHERE = table(
    "where",
    mint={"where": "(condition, input=None, other=None)"},
    torch={"where": "(condition, input=None, other=None)"},
)
SELECTION = MASKED_SELECT.merged(NONZERO).merged(UNIQUE).merged(BINCOUNT).merged(WHERE)

# -- sizes taken from an argument (MSD004, MSD008) ---------------------------------------------------
TOPK = table(
    "topk",
    mindspore={"topk": "(input, k, dim=None, largest=True, sorted=True)"},
    mint={"topk": "(input, k, dim=-1, largest=True, sorted=True)"},
    primitives={"TopK": "(input, k)"},
    mindspore_methods={"topk": "(k, dim=None, largest=True, sorted=True)"},
    torch={"topk": "(input, k, dim=-1, largest=True, sorted=True, *, out=None)"},
    torch_methods={"topk": "(k, dim=-1, largest=True, sorted=True)"},
)
# The sample count of each sampler, and whether MindSpore 2.10 compiles a tensor count at all
# (measured: `choice_with_mask` and `random_categorical` need a constant count).
SAMPLERS = table(
    "sample",
    mindspore={
        "multinomial": "(input, num_samples, replacement=True, seed=None)",
        "randperm": "(n, seed=0, offset=0, dtype=None)",
        "choice_with_mask": "(input_x, count=256, seed=None)",
        "random_categorical": "(logits, num_sample, seed=0, dtype=None)",
    },
    mint={
        "multinomial": "(input, num_samples, replacement=False, *, generator=None)",
        "randperm": "(n, *, generator=None, dtype=None)",
    },
    mindspore_methods={"multinomial": "(num_samples, replacement=True, seed=None)"},
    torch={
        "multinomial": "(input, num_samples, replacement=False, *, generator=None, out=None)",
        "randperm": (
            "(n, *, generator=None, out=None, dtype=torch.int64, layout=torch.strided, device=None, "
            "requires_grad=False, pin_memory=False)"
        ),
    },
    torch_methods={"multinomial": "(num_samples, replacement=False, *, generator=None)"},
)
SAMPLE_COUNT_PARAMETERS = ("num_samples", "n", "count", "num_sample")
CONSTANT_COUNT_ONLY = frozenset({"choice_with_mask", "random_categorical"})
ARANGE = table(
    "arange",
    mindspore={"arange": "(start=0, end=None, step=1, *, dtype=None)"},
    mint={"arange": "(start=0, end=None, step=1, *, dtype=None)"},
    torch={
        "arange": (
            "(start=0, end, step=1, *, out=None, dtype=None, layout=torch.strided, device=None, requires_grad=False)"
        )
    },
)

# -- gathers (MSD005) ----------------------------------------------------------------------------------
# The parameter holding the index, per family member.
GATHER = table(
    "gather",
    mindspore={
        "gather": "(input_params, input_indices, axis, batch_dims=0)",
        "index_select": "(input, axis, index)",
        "gather_elements": "(input, dim, index)",
        "gather_d": "(x, dim, index)",
        "gather_nd": "(input_x, indices)",
    },
    mint={"gather": "(input, dim, index)", "index_select": "(input, dim, index)"},
    primitives={"Gather": "(input_params, input_indices, axis)", "GatherNd": "(input_x, indices)"},
    mindspore_methods={"gather": "(input_indices, axis, batch_dims=0)", "index_select": "(axis, index)"},
    torch={
        "gather": "(input, dim, index, *, sparse_grad=False, out=None)",
        "index_select": "(input, dim, index, *, out=None)",
        "take": "(input, index)",
    },
    torch_methods={"gather": "(dim, index, *, sparse_grad=False)", "index_select": "(dim, index)"},
)
INDEX_PARAMETERS = ("input_indices", "index", "indices")

# -- segment reductions (MSD006) -----------------------------------------------------------------------
# Measured on MindSpore 2.10: only the sum takes a tensor `num_segments` (and gives a dynamic shape); the
# max, min and prod forms refuse it when compiling.
SEGMENT_SUM = table(
    "segment_sum",
    mindspore={"unsorted_segment_sum": "(x, segment_ids, num_segments)"},
    primitives={"UnsortedSegmentSum": "(x, segment_ids, num_segments)"},
)
CONSTANT_SEGMENT_COUNT_OPERATIONS = ("max", "min", "prod")
SEGMENTS = SEGMENT_SUM.merged(
    table(
        "segment_constant_count",
        mindspore={
            f"unsorted_segment_{op}": "(x, segment_ids, num_segments)" for op in CONSTANT_SEGMENT_COUNT_OPERATIONS
        },
        primitives={
            f"UnsortedSegment{op.capitalize()}": "(x, segment_ids, num_segments)"
            for op in CONSTANT_SEGMENT_COUNT_OPERATIONS
        },
    )
)

# -- axes (MSD007) -------------------------------------------------------------------------------------
# Not `max`/`min` as methods: `x.max(y)` with a tensor `y` is an elementwise maximum, not an axis.
REDUCTION_METHODS = ("sum", "mean", "amax", "amin", "prod", "std", "var", "logsumexp", "all", "any")
REDUCTIONS = table(
    "reduction",
    mindspore={
        "sum": "(input, dim=None, keepdim=False, *, dtype=None)",
        "mean": "(x, axis=None, keep_dims=False)",
        "amax": "(input, axis=None, keepdims=False, *, initial=None, where=None)",
        "amin": "(input, axis=None, keepdims=False, *, initial=None, where=None)",
        "max": "(input, axis=None, keepdims=False, *, initial=None, where=None)",
        "min": "(input, axis=None, keepdims=False, *, initial=None, where=None)",
        "prod": "(input, axis=None, keep_dims=False, dtype=None)",
        "std": "(input, axis=None, ddof=0, keepdims=False)",
        "var": "(input, axis=None, ddof=0, keepdims=False)",
        "logsumexp": "(input, dim, keepdim=False)",
        "reduce_sum": "(x, axis=())",
        "reduce_mean": "(x, axis=())",
        "reduce_max": "(x, axis=())",
        "reduce_min": "(x, axis=())",
    },
    mint={
        "sum": "(input, dim=None, keepdim=False, *, dtype=None)",
        "mean": "(input, dim=None, keepdim=False, *, dtype=None)",
        "amax": "(input, dim=(), keepdim=False)",
        "amin": "(input, dim=(), keepdim=False)",
        "prod": "(input, dim=None, keepdim=False, *, dtype=None)",
        "logsumexp": "(input, dim, keepdim=False)",
    },
    primitives={
        f"Reduce{op}": "(x, axis=())" for op in ("Sum", "Mean", "Max", "Min", "Prod", "All", "Any", "LogSumExp")
    },
    mindspore_methods={name: "(axis=None, keepdims=False)" for name in REDUCTION_METHODS},
    torch={
        "sum": "(input, dim=None, keepdim=False, *, dtype=None)",
        "mean": "(input, dim=None, keepdim=False, *, dtype=None)",
        "amax": "(input, dim=None, keepdim=False, *, out=None)",
        "amin": "(input, dim=None, keepdim=False, *, out=None)",
        "prod": "(input, dim=None, keepdim=False, *, dtype=None)",
        "std": "(input, dim=None, *, correction=1, keepdim=False, out=None)",
        "var": "(input, dim=None, *, correction=1, keepdim=False, out=None)",
        "logsumexp": "(input, dim, keepdim=False, *, out=None)",
    },
    torch_methods={name: "(dim=None, keepdim=False)" for name in REDUCTION_METHODS},
)
AXIS_PARAMETERS = ("axis", "dim", "dims")
PERMUTATIONS = table(
    "permutation",
    mindspore={"transpose": "(input, dims)", "permute": "(input, axis)"},
    mint={"permute": "(input, dims)", "transpose": "(input, dim0, dim1)"},
    primitives={"Transpose": "(input_x, input_perm)"},
    mindspore_methods={"transpose": "(*axes)", "permute": "(*axis)"},
    torch={"permute": "(input, dims)", "transpose": "(input, dim0, dim1)"},
    torch_methods={"transpose": "(dim0, dim1)", "permute": "(*dims)"},
)
PERMUTATION_PARAMETERS = ("dims", "axis", "input_perm", "dim0", "dim1")
