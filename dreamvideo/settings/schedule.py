"""Keyframed schedules: ``{frame: value}`` interpolated per frame.

A plain value is a schedule with one keyframe at frame 0, so every schedulable
setting reads the same way whether or not a preset keyframes it.
"""

from __future__ import annotations

import bisect
from typing import Annotated, Any

from pydantic import BeforeValidator, NonNegativeInt


def as_schedule(value: Any) -> Any:
    """A plain value is a schedule with one keyframe at frame 0."""
    return value if isinstance(value, dict) else {0: value}


def as_layer_schedule(value: Any) -> Any:
    """``block5``, ``[block5, block10]`` or ``{frame: layers}``."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, dict):
        return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
    return {0: value}


def schedule(item: Any) -> Any:
    """The pydantic type of a schedule of ``item`` values."""
    return Annotated[dict[NonNegativeInt, item], BeforeValidator(as_schedule)]


def interpolate(keyframes: dict[int, Any], frame: int) -> Any:
    """Linear interpolation over keyframes; held constant after the last one."""
    keys = sorted(keyframes)
    i = bisect.bisect_right(keys, frame) - 1
    if i + 1 >= len(keys):
        return keyframes[keys[max(i, 0)]]
    k0, k1 = keys[i], keys[i + 1]
    t = (frame - k0) / (k1 - k0)
    v0, v1 = keyframes[k0], keyframes[k1]
    if isinstance(v0, tuple):
        return tuple(a + t * (b - a) for a, b in zip(v0, v1))
    return v0 + t * (v1 - v0)


def step_value(keyframes: dict[int, Any], frame: int) -> Any:
    """The value of the last keyframe at or before ``frame`` (switches, no blending)."""
    keys = sorted(keyframes)
    return keyframes[keys[max(bisect.bisect_right(keys, frame) - 1, 0)]]
