"""What every model family provides: layers declared as data, and a feature extractor.

Everything outside ``models/`` sees a :class:`FeatureModel` that takes [0, 1] RGB
tensors and returns a dict of named activations; normalisation stays in here.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import first_line
from .layers import LayerSpec


class FeatureModel(nn.Module):
    """Runs named stages in order and returns the requested activations.

    The forward pass stops at the deepest requested layer, so dreaming a shallow
    layer does not pay for the rest of the network.
    """

    def __init__(
        self,
        name: str,
        stages: list[tuple[str, nn.Module]],
        layers: list[LayerSpec],
        requested: list[str],
        mean: tuple[float, float, float],
        std: tuple[float, float, float],
        weights_source: str,
    ) -> None:
        super().__init__()
        self.name = name
        self.layer_specs = {spec.name: spec for spec in layers}
        self.requested = list(dict.fromkeys(requested))
        order = [stage_name for stage_name, _ in stages]
        last = max(order.index(layer) for layer in self.requested)
        self.stage_names = order[: last + 1]
        self.stages = nn.ModuleList(module for _, module in stages[: last + 1])
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))
        self.weights_source = weights_source

    @property
    def min_size(self) -> int:
        """Smallest image side that still gives the deepest layer a 2x2 map."""
        return max(16, 2 * max(self.layer_specs[n].stride for n in self.requested))

    def upto(self, layers: list[str]) -> "FeatureModel":
        """A model sharing these weights that returns ``layers`` and stops at the deepest of them.

        One model built for many layers serves a dream of each (the studio's atlas and grid)
        without loading the weights again or running deeper than a shallow layer needs.
        """
        model = FeatureModel(self.name, list(zip(self.stage_names, self.stages)), list(self.layer_specs.values()),
                             layers, tuple(self.mean.flatten().tolist()), tuple(self.std.flatten().tolist()),
                             self.weights_source)
        return model.to(self.mean.device).eval()

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        x = (image - self.mean) / self.std
        wanted = set(self.requested)
        out: dict[str, torch.Tensor] = {}
        for name, stage in zip(self.stage_names, self.stages):
            x = stage(x)
            if name in wanted:
                out[name] = x
        return out


def load_error(exc: Exception) -> str:
    """The informative line of a state-dict load error (missing/unexpected keys, shapes)."""
    lines = [line.strip() for line in str(exc).splitlines()]
    useful = [line for line in lines if line.startswith(("Missing", "Unexpected", "size mismatch"))]
    return first_line(useful[0]) if useful else first_line(exc)
