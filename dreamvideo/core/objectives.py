"""Objectives: named values that compose with ``+``, ``-`` and ``*`` (lucent's style).

An objective maps a lookup of named activations to a scalar to maximise. The
lookup also serves ``"input"``, the [0, 1] image being dreamed, so image-space terms
(a temporal pull, a guide) combine with activation terms. ``layers`` says which
activations the model must produce.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import torch

Activations = Mapping[str, torch.Tensor]
INPUT = "input"


@dataclass(frozen=True)
class Objective:
    """A scalar function of the activations, with a readable name and the layers it reads."""

    fn: Callable[[Activations], torch.Tensor]
    name: str
    layers: tuple[str, ...] = ()

    def __call__(self, acts: Activations) -> torch.Tensor:
        return self.fn(acts)

    def __add__(self, other: "Objective | float") -> "Objective":
        if not isinstance(other, Objective):
            return self if other == 0 else NotImplemented
        return Objective(lambda a: self(a) + other(a), f"{self.name} + {other.name}",
                         _union(self.layers, other.layers))

    __radd__ = __add__

    def __mul__(self, weight: float) -> "Objective":
        weight = float(weight)
        return Objective(lambda a: weight * self(a), f"{weight:g}*({self.name})", self.layers)

    __rmul__ = __mul__

    def __neg__(self) -> "Objective":
        return self * -1.0

    def __sub__(self, other: "Objective") -> "Objective":
        return self + (-other)


def _union(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for group in groups for name in group if name != INPUT))


def layer(name: str) -> Objective:
    """DeepDream's term: the mean of squared activations of one layer."""
    return Objective(lambda a: a[name].float().pow(2).mean(), name, (name,))


def mean_square(layers: list[str]) -> Objective:
    """The classic loss over several layers: their ``layer`` terms averaged."""
    if len(layers) == 1:
        return layer(layers[0])
    total = sum((layer(name) for name in layers), start=0.0)  # type: ignore[arg-type]
    return Objective(lambda a: total(a) / len(layers), f"mean({', '.join(layers)})", total.layers)
