"""How steady and how strong a dreamed clip is, measured against its source.

- flicker ratio: sum |out[t] - out[t-1]| / sum |in[t] - in[t-1]| over the steps t
  measured (all of them, or some: a chunked render compares its seams with the rest).
  At 1.0 the dream adds no frame-to-frame change of its own.
- strength: the dream objective's value, output over input.

``RenderMeter`` gathers both while a render runs, from frames it already holds, at a
reduced size, so every render can report them; it is the one place either is computed
(the benchmarks' other figures, such as warp error and texture, live in ``benchmarks/``).
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import cv2
import numpy as np
import torch

from ..core.objectives import INPUT, Objective
from ..core.transforms import to_tensor
from ..models.base import FeatureModel

Energy = Callable[[np.ndarray], float]
METER_SIZE = 256  # longest side at which a render measures itself


def shrink(frame: np.ndarray, longest: int) -> np.ndarray:
    """Area-resize so the longest side is at most ``longest`` (unchanged when smaller)."""
    h, w = frame.shape[:2]
    if max(h, w) <= longest:
        return frame
    scale = longest / max(h, w)
    return cv2.resize(frame, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def change(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference between two frames, in grey levels."""
    return float(np.abs(b.astype(np.float32) - a.astype(np.float32)).mean())


def mean_change(frames: Sequence[np.ndarray]) -> float:
    """Mean absolute difference between consecutive frames, in grey levels."""
    diffs = [change(a, b) for a, b in zip(frames, frames[1:])]
    return float(np.mean(diffs)) if diffs else 0.0


def flicker(change_in: Sequence[float], change_out: Sequence[float]) -> float | None:
    """The flicker ratio of some steps from their changes: None where the input holds still (it means nothing)."""
    base = sum(change_in)
    return sum(change_out) / base if base > 1e-6 else None


def activation_energy(model: FeatureModel, objective: Objective, longest: int | None = None) -> Energy:
    """The dream objective's value on a uint8 frame (at most ``longest`` px): what the dream maximises."""
    def energy(frame: np.ndarray) -> float:
        small = shrink(frame, longest) if longest else frame
        x = to_tensor(small, model.mean.device)
        with torch.no_grad():
            return float(objective({**model(x), INPUT: x}))
    return energy


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
        self.change_in: list[float] = []   # step t (frame t-1 to t of those added) at t - 1
        self.change_out: list[float] = []
        self.gains: list[float] = []

    def add(self, raw: np.ndarray, out: np.ndarray, index: int = 0) -> None:
        small = (shrink(raw, self.longest).astype(np.float32), shrink(out, self.longest).astype(np.float32))
        if self.prev is not None:
            self.change_in.append(change(self.prev[0], small[0]))
            self.change_out.append(change(self.prev[1], small[1]))
        self.prev = small
        if self.energy is not None:
            self.gains.append(self.energy(out, index) / max(self.energy(raw, index), 1e-12))

    def flicker_on(self, steps: Iterable[int]) -> float | None:
        """The flicker ratio over steps t (frame t-1 to frame t, counted in frames added)."""
        picked = [t - 1 for t in steps if 0 < t <= len(self.change_in)]
        return flicker([self.change_in[i] for i in picked], [self.change_out[i] for i in picked])

    @property
    def flicker(self) -> float | None:
        """None for a single frame or a still input, where the ratio means nothing."""
        return flicker(self.change_in, self.change_out)

    @property
    def strength(self) -> float | None:
        return float(np.mean(self.gains)) if self.gains else None

    def summary(self) -> str:
        def fmt(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.2f}"
        return (f"flicker ratio {fmt(self.flicker)} (1.0 = as steady as the source), "
                f"strength {fmt(self.strength)} (activation gain over the source)")


def measured(inputs: Iterable[np.ndarray], outputs: Iterable[np.ndarray],
             energy: Callable[[np.ndarray, int], float] | None = None, longest: int = METER_SIZE) -> RenderMeter:
    """A meter fed a whole clip at once, frame for frame (a chunked render measures its assembled frames so).

    ``inputs`` is read to its end, so a clip's reader can say afterwards whether the file ended
    early; an input without an output (None, or past the last) is not measured.
    """
    meter = RenderMeter(energy, longest)
    results = iter(outputs)
    for index, raw in enumerate(inputs):
        if (out := next(results, None)) is not None:
            meter.add(raw, out, index)
    return meter
