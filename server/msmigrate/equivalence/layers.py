"""Which torch sub-module corresponds to which MindSpore Cell, when names and structure differ (pure).

Two kinds of evidence, applied to the calls both sides made in one forward pass, in execution order:
1. weights: a sub-module that owns mapped parameters pairs with the Cell that owns exactly their
   counterparts (`fc` <-> `classifier`, a torch MultiheadAttention <-> an `Attention` Cell of `qkv` and
   `proj`). These anchors are aligned in order as a longest common subsequence, so a wrapper one side has
   and the other lacks (`heads` around `heads.head`) does not shift the rest.
2. order: between two consecutive anchors, parameter-free layers (activations, pooling, reshapes) of the
   same kind pair in execution order: one for one when both sides have as many of that kind there,
   else only where their output shapes agree too. A kind is the torch API a layer implements
   (`mindspore.nn.Dense` is `torch.nn.Linear`), else its class name.
Layers that pair by neither stay unpaired: a wrong pair would blame the wrong layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from msmigrate.equivalence.weights import common_subsequence


@dataclass(frozen=True)
class LayerCall:
    """One call of a sub-module, as pairing sees it."""

    path: str
    call: int
    kind: str  # the torch API the layer implements, or its class name
    weights: frozenset[str]  # MindSpore names of the mapped parameters it owns (empty: parameter-free)
    output_shapes: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class LayerPair:
    torch_index: int
    mindspore_index: int
    paired_by: str  # "weights" | "path" | "order"


def pair_layer_calls(torch_calls: Sequence[LayerCall], mindspore_calls: Sequence[LayerCall]) -> list[LayerPair]:
    torch_anchors = [index for index, call in enumerate(torch_calls) if call.weights]
    mindspore_anchors = [index for index, call in enumerate(mindspore_calls) if call.weights]
    aligned = common_subsequence(
        [torch_calls[index].weights for index in torch_anchors],
        [mindspore_calls[index].weights for index in mindspore_anchors],
    )
    pairs = [LayerPair(torch_anchors[i], mindspore_anchors[j], "weights") for i, j in aligned]
    # The segments between consecutive anchor pairs, and before the first and after the last.
    bounds = [(-1, -1)] + [(pair.torch_index, pair.mindspore_index) for pair in pairs]
    bounds.append((len(torch_calls), len(mindspore_calls)))
    for (torch_start, mindspore_start), (torch_end, mindspore_end) in pairwise(bounds):
        torch_free = [i for i in range(torch_start + 1, torch_end) if not torch_calls[i].weights]
        mindspore_free = [j for j in range(mindspore_start + 1, mindspore_end) if not mindspore_calls[j].weights]
        pairs.extend(_pair_parameter_free(torch_calls, torch_free, mindspore_calls, mindspore_free))
    return sorted(pairs, key=lambda pair: pair.torch_index)


def _pair_parameter_free(
    torch_calls: Sequence[LayerCall],
    torch_free: list[int],
    mindspore_calls: Sequence[LayerCall],
    mindspore_free: list[int],
) -> list[LayerPair]:
    pairs = []
    kinds = dict.fromkeys(torch_calls[i].kind for i in torch_free)
    for kind in kinds:
        torch_of_kind = [i for i in torch_free if torch_calls[i].kind == kind]
        mindspore_of_kind = [j for j in mindspore_free if mindspore_calls[j].kind == kind]
        if not mindspore_of_kind:
            continue
        if len(torch_of_kind) == len(mindspore_of_kind):
            matched = list(zip(torch_of_kind, mindspore_of_kind, strict=True))
        else:
            torch_keys = [torch_calls[i].output_shapes for i in torch_of_kind]
            mindspore_keys = [mindspore_calls[j].output_shapes for j in mindspore_of_kind]
            matched = [
                (torch_of_kind[i], mindspore_of_kind[j]) for i, j in common_subsequence(torch_keys, mindspore_keys)
            ]
        for torch_index, mindspore_index in matched:
            same_path = torch_calls[torch_index].path == mindspore_calls[mindspore_index].path
            pairs.append(LayerPair(torch_index, mindspore_index, "path" if same_path else "order"))
    return pairs
