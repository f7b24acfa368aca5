"""Objectives: small functions from a dict of activations to a scalar to maximise."""

from __future__ import annotations

from typing import Callable

import torch

Activations = dict[str, torch.Tensor]
Objective = Callable[[Activations], torch.Tensor]


def mean_square(layers: list[str]) -> Objective:
    """DeepDream's loss: mean of squared activations, averaged over the chosen layers."""

    def objective(acts: Activations) -> torch.Tensor:
        return torch.stack([acts[name].float().pow(2).mean() for name in layers]).mean()

    return objective
