"""How steady and how strong a dreamed clip is, measured against its source.

- flicker ratio: mean |out[t] - out[t-1]| / mean |in[t] - in[t-1]|. At 1.0 the dream
  adds no frame-to-frame change of its own.
- warp error (Lai et al. 2018): squared difference between out[t] and out[t-1]
  warped by the input's own flow, on pixels the forward-backward check trusts.
  Unlike the flicker ratio it does not grow when dream texture correctly moves
  with the scene.
- strength: the dreamed layers' mean squared activation, output over input.
- texture: mean |x - blur(x)|, output over input, so a blurred clip cannot pass
  as a steady one.

``RenderMeter`` gathers flicker and strength while a render runs, from frames it
already holds, at a reduced size, so every render can report them.
"""

from __future__ import annotations

from typing import Callable, Sequence

import cv2
import numpy as np
import torch

from ..core.objectives import INPUT, Objective
from ..core.transforms import to_tensor
from ..models.base import FeatureModel
from . import flow

Energy = Callable[[np.ndarray], float]
METER_SIZE = 256  # longest side at which a render measures itself


def shrink(frame: np.ndarray, longest: int) -> np.ndarray:
    """Area-resize so the longest side is at most ``longest`` (unchanged when smaller)."""
    h, w = frame.shape[:2]
    if max(h, w) <= longest:
        return frame
    scale = longest / max(h, w)
    return cv2.resize(frame, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def mean_change(frames: Sequence[np.ndarray]) -> float:
    """Mean absolute difference between consecutive frames, in grey levels."""
    diffs = [np.abs(b.astype(np.float32) - a.astype(np.float32)).mean() for a, b in zip(frames, frames[1:])]
    return float(np.mean(diffs)) if diffs else 0.0


def flicker_ratio(inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray]) -> float:
    """How much more the output changes from frame to frame than its input does (nan if static)."""
    base = mean_change(inputs)
    return mean_change(outputs) / base if base > 1e-6 else float("nan")


def warp_error(inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray]) -> float:
    """Lai et al.'s warping error: masked mean squared RGB error in [0, 1] units, times 1000."""
    errors = []
    for t in range(1, len(inputs)):
        back, mask = flow.flow_pair(inputs[t], inputs[t - 1])
        warped = flow.warp(outputs[t - 1].astype(np.float32) / 255, back)
        diff = ((outputs[t].astype(np.float32) / 255 - warped) ** 2).sum(-1)
        errors.append(float((diff * mask).sum() / max(mask.sum(), 1.0)))
    return 1000 * float(np.mean(errors)) if errors else 0.0


def texture(frame: np.ndarray, sigma: float = 1.5) -> float:
    """Mean |x - blur(x)| in grey levels: the fine detail a blur would remove."""
    x = frame.astype(np.float32)
    return float(np.abs(x - cv2.GaussianBlur(x, (0, 0), sigma)).mean())


def texture_ratio(inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray]) -> float:
    return float(np.mean([texture(o) for o in outputs]) / max(np.mean([texture(i) for i in inputs]), 1e-6))


def activation_energy(model: FeatureModel, objective: Objective, longest: int | None = None) -> Energy:
    """The dream objective's value on a uint8 frame (at most ``longest`` px): what the dream maximises."""
    def energy(frame: np.ndarray) -> float:
        small = shrink(frame, longest) if longest else frame
        x = to_tensor(small, model.mean.device)
        with torch.no_grad():
            return float(objective({**model(x), INPUT: x}))
    return energy


def strength(inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray], energy: Energy) -> float:
    """Mean activation gain, output frame over input frame."""
    return float(np.mean([energy(o) / max(energy(i), 1e-12) for i, o in zip(inputs, outputs)]))


class RenderMeter:
    """Flicker ratio and strength of a render, gathered frame by frame at a reduced size.

    Each frame costs two area resizes, two differences and, when ``energy`` is
    given, two forward passes (keep them at a reduced size too): small beside
    dreaming it. ``energy(frame, index)`` is the dream objective in force at ``index``.
    """

    def __init__(self, energy: Callable[[np.ndarray, int], float] | None = None,
                 longest: int = METER_SIZE) -> None:
        self.energy = energy
        self.longest = longest
        self.prev: tuple[np.ndarray, np.ndarray] | None = None
        self.change_in = self.change_out = 0.0
        self.gains: list[float] = []

    def add(self, raw: np.ndarray, out: np.ndarray, index: int = 0) -> None:
        small = (shrink(raw, self.longest).astype(np.float32), shrink(out, self.longest).astype(np.float32))
        if self.prev is not None:
            self.change_in += float(np.abs(small[0] - self.prev[0]).mean())
            self.change_out += float(np.abs(small[1] - self.prev[1]).mean())
        self.prev = small
        if self.energy is not None:
            self.gains.append(self.energy(out, index) / max(self.energy(raw, index), 1e-12))

    @property
    def flicker(self) -> float | None:
        """None for a single frame or a still input, where the ratio means nothing."""
        return self.change_out / self.change_in if self.change_in > 1e-6 else None

    @property
    def strength(self) -> float | None:
        return float(np.mean(self.gains)) if self.gains else None

    def summary(self) -> str:
        def fmt(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.2f}"
        return (f"flicker ratio {fmt(self.flicker)} (1.0 = as steady as the source), "
                f"strength {fmt(self.strength)} (activation gain over the source)")
