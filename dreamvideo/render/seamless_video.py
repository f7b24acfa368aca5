"""A seamless video loop: the dreamed clip's tail cross-faded into its head, read over the frame store.

A clip rarely ends where it starts, so its own last-to-first step is a cut. The loop
keeps the first n - T dreamed frames and fades the last T into the first T: output
frame i < T is ``w * dream[i] + (1 - w) * dream[n - T + i]`` with w = (i + 1) / (T + 1).
The step from the last output frame (dream n - T - 1) back to the first (mostly
dream n - T) is then the clip's own next step, with the dissolve spread evenly over the
T fade steps. Every frame is dreamed with the coherence state carried along the whole
span, so nothing freezes, and the tail is coherent with the frame before the seam.

The fade is computed from the stored frames at assembly and never written back: the
store keeps the plain dreams, so a resume or a re-encode fades the same frames again.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..motion import metrics
from .store import FrameStore


def fade_length(frames: int, fps: float) -> int:
    """T: a third of the clip, at most two seconds; long fades dissolve gently, short clips keep most frames."""
    return max(1, min(frames // 3, round(2 * fps)))


def seam_ratio(frames: list[np.ndarray]) -> float | None:
    """mean |f[0] - f[last]| over the mean step inside the loop (1.0: the seam is like any other step)."""
    inside = metrics.mean_change(frames)
    if len(frames) < 3 or inside <= 1e-6:
        return None
    seam = float(np.abs(frames[0].astype(np.float32) - frames[-1].astype(np.float32)).mean())
    return seam / inside


def seam_note(ratio: float | None) -> str:
    """The seam ratio as printed: "n/a" when a loop is too short or too still to measure, not "nan"."""
    figure = "n/a" if ratio is None else f"{ratio:.2f}"
    return f"seam ratio {figure} (1.0 = the seam is like any other step)"


class LoopFrames:
    """The loop's frames, 0..length-1, as an assembly source over the store of ``count`` dreamed frames."""

    def __init__(self, store: FrameStore, count: int, fps: float) -> None:
        self.store, self.folder = store, store.folder
        self.fade = fade_length(count, fps)
        self.length = count - self.fade

    def load(self, index: int) -> np.ndarray | None:
        head = self.store.load(index)
        if index >= self.fade or head is None:
            return head
        tail = self.store.load(self.length + index)
        if tail is None:
            return None
        w = (index + 1) / (self.fade + 1)
        return np.clip(w * head.astype(np.float32) + (1 - w) * tail + 0.5, 0, 255).astype(np.uint8)

    def indices(self) -> list[int]:
        return list(range(self.length))

    def measure(self) -> float | None:
        """The loop's seam ratio, at the size a render measures itself."""
        return measured_seam(self.load(i) for i in self.indices())


def measured_seam(frames: Iterable[np.ndarray | None]) -> float | None:
    """A written loop's seam ratio, at the size a render measures itself (None if a frame is missing:
    the assembly names it)."""
    small = []
    for frame in frames:
        if frame is None:
            return None
        small.append(metrics.shrink(frame, metrics.METER_SIZE))
    return seam_ratio(small)
