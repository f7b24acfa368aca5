"""A zoom's frame plan: dream every ``cadence``-th frame, move and cross-fade between.

Window j starts at s = j*N (N = ``cadence``). At s the last output frame F[s-1]
(frame 0: the origin) is moved into frame s and dreamed: the key D[j]. Output i of
the window is ``(1-w) * P[i] + w * Q[i]`` with w = (i-s+1)/N, where P[i] is F[s-1]
and Q[i] is D[j], each moved by the same camera steps into frame i (Deforum's
turbo, lagged by one window). The window's last frame is D[j] moved, and feeds
D[j+1]. With N = 1 this is the plain zoom: dream, move, dream again.

Everything in a window is a function of F[s-1] (a PNG in the store) and D[j]
(``frame_S.key.png`` beside it), so a render resumed at any frame, in-between
frames included, gives the frames of an uninterrupted one. A missing or damaged
key is dreamed again: the dream's seed depends only on the index.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from ..errors import DreamError
from ..media.encode import save_image
from ..media.sources import load_image
from ..motion.camera import Camera
from ..motion.color import match_colors
from ..progress import Advance
from .store import FrameStore

KEY = "key.png"
Dream = Callable[[np.ndarray, int, Advance], np.ndarray]  # (frame, index, advance) -> dreamed frame


def crossfade(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    """``(1 - weight) * a + weight * b``, rounded to uint8 (``b`` itself at weight 1)."""
    if weight >= 1:
        return b
    mixed = a.astype(np.float32) * (1 - weight) + b.astype(np.float32) * weight
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


class ColorLock:
    """Colour coherence: a frame's colours matched to a reference before it is dreamed.

    Matching the dream's *input* (as Deforum does) keeps the palette from drifting
    while each dream still adds its own colours on top, so the output keeps some
    variety (deforum #401); ``benchmarks/bench_color_loop.py`` measures it. The
    reference is the start image, or for a zoom from noise frame 0, the first dream,
    which a resume reads back from the store: never the last frame before a stop.
    """

    def __init__(self, space: str, strengths: np.ndarray, reference: np.ndarray | None,
                 where: tuple[str, ...] = ("input",)) -> None:
        self.space, self.strengths, self.reference, self.where = space, strengths, reference, where

    def first(self, frame: np.ndarray) -> None:
        """Frame 0 is made: it becomes the reference when there is no start image."""
        if self.reference is None:
            self.reference = frame

    def apply(self, frame: np.ndarray, index: int, stage: str) -> np.ndarray:
        """``frame`` matched at ``stage`` ("input" or "output") of dreaming frame ``index``."""
        if self.space == "none" or stage not in self.where or (index == 0 and stage == "input"):
            return frame
        if self.reference is None:
            raise DreamError(f"`color_coherence` {self.space}: no reference for frame {index} "
                             "(frame 0 of this render is missing); add `restart` to start over")
        strength = float(self.strengths[min(index, len(self.strengths) - 1)])
        return match_colors(frame, self.reference, self.space, strength)


def load_key(path) -> np.ndarray | None:
    """A saved key dream, or None when it is missing or damaged (then it is dreamed again)."""
    if not path.is_file():
        return None
    try:
        return load_image(path)
    except DreamError:
        path.unlink(missing_ok=True)
        return None


class ZoomPlan:
    """The zoom's frames, window by window; see the module docstring."""

    def __init__(self, dream: Dream, origin: np.ndarray, camera: Camera, store: FrameStore, *,
                 total: int, steps: int, cadence: int = 1, color: ColorLock | None = None,
                 tail: Callable[[np.ndarray, int], np.ndarray] | None = None) -> None:
        """``tail(frame, index)`` may change a finished frame before it feeds the next (a loop's fade)."""
        self.dream, self.origin, self.camera, self.store = dream, origin, camera, store
        self.total, self.steps, self.cadence = total, steps, cadence
        self.color = color or ColorLock("none", np.ones(1), None)
        self.tail = tail
        self.last: np.ndarray = origin  # F[i-1]
        self.start, self.base, self.key = 0, origin, None  # s, F[s-1], D[j]

    def indices(self) -> Iterator[int]:
        return iter(range(self.total))

    def _enter(self, index: int) -> None:
        if index % self.cadence == 0:
            self.start, self.base, self.key = index, self.last if index else self.origin, None

    def _moved_base(self, index: int) -> np.ndarray:
        """P[index]: F[s-1] moved into frame ``index`` (frame 0's origin does not move)."""
        return self.camera.moved(self.base, self.start or 1, index)

    def _make_key(self, advance: Advance) -> np.ndarray:
        """D[j]: read back from the store, else dreamed from P[s] (and saved when N > 1)."""
        path = self.store.state_path(self.start, KEY)
        if self.cadence > 1 and (kept := load_key(path)) is not None and kept.shape == self.origin.shape:
            return kept
        start = self.color.apply(self._moved_base(self.start), self.start, "input")
        key = self.color.apply(self.dream(start, self.start, advance), self.start, "output")
        if self.cadence > 1:
            save_image(path, key, fast=True)
            if self.start >= self.cadence:  # the window before is finished for good
                self.store.state_path(self.start - self.cadence, KEY).unlink(missing_ok=True)
        return key

    def make(self, index: int, advance: Advance) -> np.ndarray:
        self._enter(index)
        if self.key is None:
            self.key = self._make_key(advance)
        weight = (index - self.start + 1) / self.cadence
        moved_key = self.camera.moved(self.key, self.start + 1, index)
        frame = moved_key if weight >= 1 else crossfade(self._moved_base(index), moved_key, weight)
        if self.tail is not None:
            frame = self.tail(frame, index)
        return self._finished(index, frame)

    def resume(self, index: int, frame: np.ndarray) -> None:
        self._enter(index)
        self._finished(index, frame)

    def _finished(self, index: int, frame: np.ndarray) -> np.ndarray:
        self.last = frame
        if index == 0:
            self.color.first(frame)
        return frame
