"""A zoom's frame plan: dream every ``cadence``-th frame, move and cross-fade between.

Window j covers frames s .. e = s+N-1 (N = ``cadence``). Its key D[j] is dreamed
for frame e from the last output frame F[s-1] (frame 0: the origin) moved into
frame e with one composed resample. Output i of the window is
``(1-w) * P[i] + w * Q[i]``, w = (i-s+1)/N, where P[i] is F[s-1] moved forward
into frame i and Q[i] is D[j] moved *back* from e to i; where moving back uncovers
the border (a zoom out), P[i] alone is shown. Frame e is D[j] itself, and feeds
D[j+1]. With N = 1 this is the plain zoom: dream, move, dream again.

``benchmarks/bench_cadence.py`` measures this design against variants it supplies
itself (a lagged key as in Deforum's turbo, a plain fade, bicubic moves): the
keyframe-at-the-end design keeps every N-th frame a fresh dream and the in-betweens sharper.

Everything in a window is a function of F[s-1] (a PNG in the store) and D[j]
(``frame_S.key.png`` beside it), so a render resumed at any frame, in-between
frames included, gives the frames of an uninterrupted one. A missing or damaged
key is dreamed again: the dream's seed depends only on the index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import cv2
import numpy as np

from ..errors import DreamError
from ..media.encode import save_image
from ..motion.camera import Camera
from ..motion.color import match_colors
from ..progress import Advance
from .store import FrameStore, load_frame

Dream = Callable[[np.ndarray, int, Advance, bool], np.ndarray]  # (frame, index, advance, first) -> dream


def detail_crossfade(a: np.ndarray, b: np.ndarray, weight: float | np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """A cross-fade that keeps fine detail at full strength (an equal-power fade of the detail).

    A plain fade of two textures that differ in fine detail averages the detail
    away: at w = 1/2 it keeps (1-w)^2 + w^2 = 1/2 of its energy. Here the blurred
    images fade linearly and their detail (image - blur) is scaled back up by
    1 / sqrt((1-w)^2 + w^2).
    """
    if np.isscalar(weight) and weight >= 1:
        return b
    fa, fb = a.astype(np.float32), b.astype(np.float32)
    la, lb = (cv2.GaussianBlur(x, (0, 0), sigma) for x in (fa, fb))
    w = np.asarray(weight, np.float32)
    detail = ((1 - w) * (fa - la) + w * (fb - lb)) / np.sqrt((1 - w) ** 2 + w ** 2)
    return np.clip((1 - w) * la + w * lb + detail + 0.5, 0, 255).astype(np.uint8)


class ColorLock:
    """Colour coherence: a frame's colours matched to a reference before it is dreamed.

    Matching the dream's *input* (as Deforum does) keeps the palette from drifting
    while each dream still adds its own colours on top, so the output keeps some
    variety (deforum #401); ``benchmarks/bench_color_loop.py`` measures it. The
    reference is the start image, or for a zoom from noise the first dream (frame 0;
    with ``cadence``, the first window's key, kept in the store), which a resume
    reads back: never the last frame before a stop.
    """

    def __init__(self, space: str, strengths: np.ndarray, reference: np.ndarray | None) -> None:
        self.space, self.strengths, self.reference = space, strengths, reference

    @property
    def waiting(self) -> bool:
        """Whether matching is on and the reference, the first dream, is not known yet."""
        return self.space != "none" and self.reference is None

    def apply(self, frame: np.ndarray, index: int, first: bool = False) -> np.ndarray:
        """``frame``, the input of a dream for frame ``index``, matched to the reference.

        The first dream is not matched: from noise it *is* the reference.
        """
        if self.space == "none" or first:
            return frame
        if self.reference is None:
            raise DreamError(f"`color_coherence` {self.space}: no reference for frame {index} "
                             "(the first dream of this render is missing); add `restart` to start over")
        strength = float(self.strengths[min(index, len(self.strengths) - 1)])
        return match_colors(frame, self.reference, self.space, strength)


class ZoomPlan:
    """The zoom's frames, window by window; see the module docstring."""

    fade = staticmethod(detail_crossfade)  # how an in-between mixes the moved base and the moved key

    def __init__(self, dream: Dream, origin: np.ndarray, camera: Camera, store: FrameStore, *,
                 total: int, steps: int, cadence: int = 1, color: ColorLock | None = None,
                 tail: Callable[[np.ndarray, int], np.ndarray] | None = None) -> None:
        """``tail(frame, index)`` may change a finished frame before it feeds the next (a loop's fade)."""
        self.dream, self.origin, self.camera, self.store = dream, origin, camera, store
        self.total, self.steps, self.cadence = total, steps, cadence
        self.color = color or ColorLock("none", np.ones(1), None)
        self.tail = tail
        self.last: np.ndarray = origin  # F[i-1]
        self.start, self.end, self.base, self.key = 0, 0, origin, None  # s, e, F[s-1], D[j]

    def indices(self) -> Iterator[int]:
        return iter(range(self.total))

    def _enter(self, index: int) -> None:
        if index % self.cadence == 0:
            self.start, self.base, self.key = index, self.last if index else self.origin, None
            self.end = min(index + self.cadence, self.total) - 1

    def _moved_base(self, index: int) -> np.ndarray:
        """P[index]: F[s-1] moved into frame ``index`` (frame 0's origin does not move)."""
        return self.camera.moved(self.base, self.start or 1, index)

    def _make_key(self, advance: Advance) -> np.ndarray:
        """D[j]: read back from the store, else dreamed (and saved when N > 1)."""
        if self.start and self.color.waiting:  # a resume: the reference is window 0's key
            self.color.reference = self._key(0, min(self.cadence, self.total) - 1, self.origin, advance)
        key = self._key(self.start, self.end, self.base, advance)
        if self.start == 0 and self.color.waiting:
            self.color.reference = key
        if self.start >= 2 * self.cadence:  # the window before is finished; window 0's key stays
            self.store.key_path(self.start - self.cadence).unlink(missing_ok=True)
        return key

    def _key(self, start: int, end: int, base: np.ndarray, advance: Advance) -> np.ndarray:
        """The key of the window ``start`` .. ``end`` from ``base``, F[start-1]."""
        path = self.store.key_path(start)
        if self.cadence > 1 and (kept := load_frame(path)) is not None and kept.shape == self.origin.shape:
            return kept
        first = start == 0
        moved = self.camera.moved(base, start or 1, end)
        key = self.dream(self.color.apply(moved, end, first), end, advance, first)
        if self.cadence > 1:
            save_image(path, key, fast=True)
        return key

    def _window_frame(self, index: int) -> np.ndarray:
        """Output ``index``: the base moved forward, cross-faded into the key moved to this frame."""
        weight = (index - self.start + 1) / (self.end - self.start + 1)
        moved, cover = self._moved_key(index)
        if weight >= 1:
            return moved
        return self.fade(self._moved_base(index), moved, weight * cover)

    def _moved_key(self, index: int) -> tuple[np.ndarray, np.ndarray | float]:
        """Q[index]: D[j] moved back from frame e to ``index``, and where it still covers the frame."""
        return self.camera.moved_back(self.key, index + 1, self.end)

    def make(self, index: int, advance: Advance) -> np.ndarray:
        self._enter(index)
        if self.key is None:
            self.key = self._make_key(advance)
        frame = self._window_frame(index)
        if self.tail is not None:
            frame = self.tail(frame, index)
        return self._finished(index, frame)

    def resume(self, index: int, frame: np.ndarray) -> None:
        self._enter(index)
        self._finished(index, frame)

    def _finished(self, index: int, frame: np.ndarray) -> np.ndarray:
        self.last = frame
        if index == 0 and self.cadence == 1 and self.color.waiting:  # frame 0 is the first dream
            self.color.reference = frame
        return frame
