"""A zoom's frame plan: dream every ``cadence``-th frame, move and cross-fade between.

Window j covers frames s .. e = s+N-1 (N = ``cadence``). Its key D[j] is dreamed
for frame e from the last output frame F[s-1] (frame 0: the origin) moved into
frame e with one composed resample. Output i of the window is
``(1-w) * P[i] + w * Q[i]``, w = (i-s+1)/N, where P[i] is F[s-1] moved forward
into frame i and Q[i] is D[j] moved *back* from e to i; where moving back uncovers
the border (a zoom out), P[i] alone is shown. Frame e is D[j] itself, and feeds
D[j+1]. With N = 1 this is the plain zoom: dream, move, dream again.

The lagged variant (``lagged``, Deforum's turbo: D[j] dreamed for frame s and
moved forward, so each output is a resample of a dream) is kept for
``benchmarks/bench_cadence.py``, which measures both: the keyframe-at-the-end
design keeps every N-th frame a fresh dream and the in-betweens sharper.

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


def crossfade(a: np.ndarray, b: np.ndarray, weight: float | np.ndarray) -> np.ndarray:
    """``(1 - weight) * a + weight * b``, rounded to uint8 (``b`` itself at weight 1); weights may vary per pixel."""
    if np.isscalar(weight) and weight >= 1:
        return b
    mixed = a.astype(np.float32) * (1 - weight) + b.astype(np.float32) * weight
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


class ColorLock:
    """Colour coherence: a frame's colours matched to a reference before it is dreamed.

    Matching the dream's *input* (as Deforum does) keeps the palette from drifting
    while each dream still adds its own colours on top, so the output keeps some
    variety (deforum #401); ``benchmarks/bench_color_loop.py`` measures it. The
    reference is the start image, or for a zoom from noise the first dream (frame 0;
    with ``cadence``, the first window's key, kept in the store), which a resume
    reads back: never the last frame before a stop.
    """

    def __init__(self, space: str, strengths: np.ndarray, reference: np.ndarray | None,
                 where: tuple[str, ...] = ("input",)) -> None:
        self.space, self.strengths, self.reference, self.where = space, strengths, reference, where

    @property
    def waiting(self) -> bool:
        """Whether matching is on and the reference, the first dream, is not known yet."""
        return self.space != "none" and self.reference is None

    def apply(self, frame: np.ndarray, index: int, stage: str, first: bool = False) -> np.ndarray:
        """``frame`` matched at ``stage`` ("input" or "output") of a dream for frame ``index``.

        The first dream is not matched: from noise it *is* the reference.
        """
        if self.space == "none" or stage not in self.where or first:
            return frame
        if self.reference is None:
            raise DreamError(f"`color_coherence` {self.space}: no reference for frame {index} "
                             "(the first dream of this render is missing); add `restart` to start over")
        strength = float(self.strengths[min(index, len(self.strengths) - 1)])
        return match_colors(frame, self.reference, self.space, strength)


class ZoomPlan:
    """The zoom's frames, window by window; see the module docstring."""

    def __init__(self, dream: Dream, origin: np.ndarray, camera: Camera, store: FrameStore, *,
                 total: int, steps: int, cadence: int = 1, color: ColorLock | None = None,
                 tail: Callable[[np.ndarray, int], np.ndarray] | None = None, lagged: bool = False,
                 resample: str = "bilinear", fade: Callable = detail_crossfade) -> None:
        """``tail(frame, index)`` may change a finished frame before it feeds the next (a loop's fade).

        ``resample`` and ``fade``: how in-between frames are moved and mixed.
        """
        self.resample, self.fade = resample, fade
        self.dream, self.origin, self.camera, self.store = dream, origin, camera, store
        self.total, self.steps, self.cadence, self.lagged = total, steps, cadence, lagged
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

    def _mode(self) -> str:
        """Cadence 1 keeps the plain zoom's bilinear move, so its frames stay exactly as they were."""
        return "bilinear" if self.cadence == 1 else self.resample

    def _moved_base(self, index: int) -> np.ndarray:
        """P[index]: F[s-1] moved into frame ``index`` (frame 0's origin does not move)."""
        return self.camera.moved(self.base, self.start or 1, index, self._mode())

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
        at, first = (start if self.lagged else end), start == 0
        moved = self.camera.moved(base, start or 1, at, self._mode())
        dreamed = self.dream(self.color.apply(moved, at, "input", first), at, advance, first)
        key = self.color.apply(dreamed, at, "output", first)
        if self.cadence > 1:
            save_image(path, key, fast=True)
        return key

    def _window_frame(self, index: int) -> np.ndarray:
        """Output ``index``: the base moved forward, cross-faded into the key moved to this frame."""
        weight = (index - self.start + 1) / (self.end - self.start + 1)
        if self.lagged:
            moved, cover = self.camera.moved(self.key, self.start + 1, index, self._mode()), 1.0
        else:
            moved, cover = self.camera.moved_back(self.key, index + 1, self.end, self._mode())
        if weight >= 1:
            return moved
        return self.fade(self._moved_base(index), moved, weight * cover)

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
