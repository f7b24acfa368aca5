"""The zoom's camera: where the dive starts and how it moves from one frame to the next.

Every schedulable move (zoom, rotate, translate, center) is evaluated for the
whole run before the first frame, from ``{frame: value}`` keyframes or Deforum
expressions that may read the music's features, so a bad value stops the render
before any dreaming.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..core.transforms import to_tensor, to_uint8, warp_affine, zoom_matrix
from ..media import sources
from ..settings.schedule import Timeline

MOVES = ("zoom", "rotate", "translate", "center")


class Camera:
    """Every frame's move, computed once for the run."""

    def __init__(self, settings: Any, timeline: Timeline, lead: int = 0, period: int | None = None) -> None:
        """``settings``: anything with ``series(name, timeline)``, i.e. ``Settings``.

        With ``period`` (a loop) the moves repeat: frame ``index`` takes the move of
        ``(index - lead) % period``, so ``lead`` frames rendered before the loop's
        first output frame take the loop's last moves.
        """
        self.moves = {name: settings.series(name, timeline) for name in MOVES}
        self.lead, self.period = lead, period

    def at(self, index: int) -> dict[str, Any]:
        """The move into frame ``index``: factor, degrees, (dx, dy) pixels, (x, y) centre fractions."""
        if self.period:
            index = (index - self.lead) % self.period
        out: dict[str, Any] = {"factor": 1.0, "rotate": 0.0, "translate": (0.0, 0.0), "center": (0.5, 0.5)}
        for name, values in self.moves.items():
            value = values[min(index, len(values) - 1)]
            out["factor" if name == "zoom" else name] = tuple(map(float, value)) if np.ndim(value) else float(value)
        return out

    def matrix(self, first: int, last: int, height: int, width: int) -> np.ndarray:
        """The moves into frames ``first`` .. ``last`` as one affine (identity when first > last)."""
        total = np.eye(3)
        for index in range(first, last + 1):
            move = self.at(index)
            total = total @ zoom_matrix(height, width, move["factor"], move["rotate"], move["translate"],
                                        move["center"])
        return total

    def moved(self, frame: np.ndarray, first: int, last: int) -> np.ndarray:
        """``frame`` moved into frame ``last`` by the moves ``first`` .. ``last``, with ONE bilinear resample.

        Chaining per-frame resamples softens the image a little more each time (a zoom
        upsamples); composing the moves first keeps a cadence's in-between frames as
        sharp as their keyframe (``benchmarks/bench_cadence.py`` measures it). With
        one move this is exactly :func:`..core.transforms.zoom` by that move.
        """
        if first > last:
            return frame
        height, width = frame.shape[:2]
        return to_uint8(warp_affine(to_tensor(frame), self.matrix(first, last, height, width)))

    def moved_back(self, frame: np.ndarray, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """``frame`` (as of frame ``last``) moved back to before the moves ``first`` .. ``last``.

        Returns the frame and its coverage, 1 where the source covers a pixel and 0
        where moving back (zooming out) uncovers it, as float32 (H, W, 1).
        """
        height, width = frame.shape[:2]
        if first > last:
            return frame, np.ones((height, width, 1), np.float32)
        inverse = np.linalg.inv(self.matrix(first, last, height, width))
        image = to_uint8(warp_affine(to_tensor(frame), inverse))
        ones = torch.ones(1, 1, height, width)
        return image, warp_affine(ones, inverse, padding="zeros")[0].permute(1, 2, 0).numpy()


def start_frame(start: str, settings: Any, note: Callable[[str], None] | None = None) -> np.ndarray:
    """The first frame: seeded noise (default 512x512) or an image fitted to the size.

    An image without a size is capped at the default working size; ``note`` hears so.
    """
    size = settings.size
    if start == "noise":
        width, height = (size, size) if isinstance(size, int) else size or (512, 512)
        return sources.noise(width, height, settings.seed)
    if isinstance(size, tuple):
        return sources.load_image(Path(start), cover=size)
    return sources.load_image(Path(start), size, cap=True, note=note)
