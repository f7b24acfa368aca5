"""A schedule's values against its item type's bounds (``zoom`` in (1, 2], a strength in [0, 1]).

An out-of-range value is named by the keyframe that put it there: between two
keyframes, a value that interpolation carried out of range is the fault of the
keyframe whose own value is out of range, not of the one before it.
"""

from __future__ import annotations

import bisect
import typing
from typing import Any

import annotated_types as at
import numpy as np

from . import expressions as ex


def width_of(item: Any) -> int:
    """Values per keyframe: 2 for a ``tuple[float, float]`` (translate, center), else 1."""
    return len(typing.get_args(item)) if typing.get_origin(item) is tuple else 1


def check_range(values: np.ndarray, item: Any, placed: list[tuple[int, ex.Keyframe]], frames: int) -> None:
    """The item type's bounds (e.g. zoom in (1, 2]) for every frame's value (``values`` run on to the
    last keyframe, which may lie past the last frame: it still shapes the frames before it)."""
    items = typing.get_args(item) if width_of(item) > 1 else (item,)
    for c, component in enumerate(items):
        for bound in _metadata(component):
            bad = ~_holds(bound, values[:frames, c])
            if bad.any():
                frame, key = _culprit(values[:, c], bound, placed, int(np.argmax(bad)))
                raise ValueError(f"keyframe {key.label}: value {values[frame, c]:.6g} at frame {frame} "
                                 f"{_describe(bound)}")


def _culprit(values: np.ndarray, bound: Any, placed: list[tuple[int, ex.Keyframe]],
             frame: int) -> tuple[int, ex.Keyframe]:
    """The first bad ``frame``'s keyframe, or, between two, the next one when its own value is the bad
    one (``0:(0.5), 2:(3)`` is out of range at frame 1 because of keyframe 2, not keyframe 0)."""
    i = bisect.bisect_right([pos for pos, _ in placed], frame) - 1
    start, key = placed[max(i, 0)]
    if i < 0 or start == frame or i + 1 == len(placed) or any(map(ex.is_per_frame, key.values)):
        return frame, key  # held before the first keyframe or after the last, or the keyframe's own values
    after, following = placed[i + 1]
    return (after, following) if not _holds(bound, values[after:after + 1]).all() else (frame, key)


def _metadata(component: Any) -> list[Any]:
    out = []
    for extra in typing.get_args(component)[1:]:
        out.extend(getattr(extra, "metadata", [extra]))
    return [m for m in out if isinstance(m, (at.Gt, at.Ge, at.Lt, at.Le))]


def _holds(bound: Any, values: np.ndarray) -> np.ndarray:
    if isinstance(bound, at.Gt):
        return values > bound.gt
    if isinstance(bound, at.Ge):
        return values >= bound.ge
    if isinstance(bound, at.Lt):
        return values < bound.lt
    return values <= bound.le


def _describe(bound: Any) -> str:
    op, limit = {at.Gt: (">", "gt"), at.Ge: (">=", "ge"), at.Lt: ("<", "lt"), at.Le: ("<=", "le")}[type(bound)]
    return f"is out of range (must be {op} {getattr(bound, limit):g})"
