"""Keyframed schedules: ``{frame: value}`` or a Deforum string, evaluated per frame.

A plain value is a schedule with one keyframe at frame 0, so every schedulable
setting reads the same way whether or not a preset keyframes it. The string form
(``"0:(1.04), 60:(1.0025+0.02*sin(2*pi*t/48))"``) follows Deforum: a keyframe whose
value reads ``t`` or an audio feature is evaluated on every frame until the next
keyframe; constant keyframes are joined by the schedule's interpolation
(``linear``, ``cubic`` or ``step``). A whole run's values are computed at once, so
a bad value is reported before the first frame is dreamed.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Mapping

import numpy as np
from pydantic import NonNegativeInt, WrapSerializer, WrapValidator

from . import expressions as ex
from .bounds import check_range, width_of

Interpolation = Literal["linear", "cubic", "step"]
MAX_FRAMES = 100_000  # the most frames a render has; keyframes may sit past the last, but not beyond this


class ExprSchedule(str):
    """A validated Deforum schedule string; it is written back to sidecars as given."""


@dataclass(frozen=True)
class Timeline:
    """What expressions can read: frame count, frame rate and per-frame audio features."""

    frames: int
    fps: float = 24.0
    features: Mapping[str, np.ndarray] = field(default_factory=dict)

    def variables(self, length: int) -> dict[str, Any]:
        t = np.arange(length, dtype=np.float64)
        values: dict[str, Any] = {"t": t, "max_f": float(self.frames), "fps": float(self.fps), "pi": math.pi}
        for name, series in self.features.items():
            series = np.asarray(series, dtype=np.float64)[:length]
            values[name] = np.pad(series, (0, length - len(series)), mode="edge" if len(series) else "constant")
        return values


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
    """The pydantic type of a schedule of ``item`` values: a mapping, a number or a Deforum string.

    Mappings are checked against ``item`` at once; strings are checked for syntax and
    names here and for range when evaluated (their values depend on the run).
    """
    width = width_of(item)

    def validate(value: Any, handler: Any) -> Any:
        if isinstance(value, str) and not _is_plain_number(value):
            ex.parse_keyframes(value, width)
            return ExprSchedule(value.strip())
        value = handler(as_schedule(value))
        if 0 not in value:
            raise ValueError("a schedule needs a keyframe at frame 0")
        if max(value) > MAX_FRAMES:
            raise ValueError(_beyond(max(value)))
        return value

    def serialize(value: Any, handler: Any) -> Any:
        return str(value) if isinstance(value, str) else handler(value)

    return Annotated[dict[NonNegativeInt, item], WrapValidator(validate), WrapSerializer(serialize)]


def _is_plain_number(text: str) -> bool:
    return ex._is_number(text)


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


# ---------------------------------------------------------------- per-run evaluation

def names_in(value: Any) -> set[str]:
    """Every variable an expression schedule's positions and values read."""
    if not isinstance(value, str):
        return set()
    return {name for key in ex.parse_keyframes(value, None)
            for expr in (key.position, *key.values) for name in ex.names(expr)}

def keyframes_of(value: Any, width: int) -> list[ex.Keyframe]:
    """Any schedule value as keyframes of expression sources."""
    if isinstance(value, str):
        return ex.parse_keyframes(value, width)
    items = value.items() if isinstance(value, dict) else [(0, value)]
    return [ex.Keyframe(str(k), tuple(repr(float(c)) for c in (v if isinstance(v, (tuple, list)) else (v,))))
            for k, v in items]


def series(name: str, value: Any, timeline: Timeline, interpolation: Interpolation = "linear",
           item: Any = float) -> np.ndarray:
    """Every frame's value, shape (frames,) or (frames, width).

    Errors are one line naming the setting and the keyframe: a bad expression, a
    value that is not finite, or one outside ``item``'s bounds (zoom in (1, 2]).
    """
    from ..errors import DreamError

    width = width_of(item)
    try:
        placed = _positions(keyframes_of(value, width), timeline)
        out = _series(placed, timeline, interpolation, width)
        check_range(out, item, placed, timeline.frames)
    except ValueError as exc:
        raise DreamError(f"`{name}`: {exc}") from None
    out = out[: timeline.frames]
    return out[:, 0] if width == 1 else out


def _positions(keyframes: list[ex.Keyframe], timeline: Timeline) -> list[tuple[int, ex.Keyframe]]:
    constants = timeline.variables(1)
    placed = {}
    for frame in keyframes:
        pos = float(ex.evaluate(frame.position, constants, f"keyframe {frame.label}: position"))
        if not math.isfinite(pos) or pos < 0:
            raise ValueError(f"keyframe {frame.label}: position is {pos:g}, not a frame number")
        if pos > MAX_FRAMES:  # the series below is as long as the last position
            raise ValueError(f"keyframe {frame.label}: {_beyond(pos)}")
        placed[int(round(pos))] = frame  # a later keyframe at the same frame wins, as in Deforum
    return sorted(placed.items(), key=lambda kv: kv[0])


def _beyond(position: float) -> str:
    return f"position {position:g} is beyond the last frame (a render has at most {MAX_FRAMES} frames)"


def _series(placed: list[tuple[int, ex.Keyframe]], timeline: Timeline, interpolation: Interpolation,
            width: int) -> np.ndarray:
    length = max(timeline.frames, placed[-1][0] + 1)
    variables = timeline.variables(length)
    known = np.full((length, width), np.nan)
    for i, (start, frame) in enumerate(placed):
        end = placed[i + 1][0] if i + 1 < len(placed) else length
        for c, expr in enumerate(frame.values):
            missing = sorted(ex.names(expr) & set(ex.AUDIO_FEATURES) - set(variables))
            if missing:
                raise ValueError(f"keyframe {frame.label}: '{missing[0]}' needs an audio track: set `audio`")
            values = np.broadcast_to(ex.evaluate(expr, variables, f"keyframe {frame.label}"), (length,))
            bad = ~np.isfinite(values[start:end])
            if bad.any():
                raise ValueError(f"keyframe {frame.label}: '{ex.shortened(expr)}' is not a finite number at frame "
                                 f"{start + int(np.argmax(bad))}")
            if ex.is_per_frame(expr):
                known[start:end, c] = values[start:end]
            else:
                known[start, c] = values[start]
    return np.stack([_fill(known[:, c], interpolation) for c in range(width)], axis=1)  # to the last keyframe


def _fill(known: np.ndarray, interpolation: Interpolation) -> np.ndarray:
    """Fill the frames between known values; before the first and after the last, hold."""
    x = np.flatnonzero(~np.isnan(known))
    y = known[x]
    frames = np.arange(len(known))
    if interpolation == "step":
        return y[np.clip(np.searchsorted(x, frames, side="right") - 1, 0, None)]
    if interpolation == "linear" or len(x) < 3:
        return np.interp(frames, x, y)
    return _hermite(frames, x, y)


def _hermite(frames: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cubic Hermite through the known points, slopes from neighbours (Catmull-Rom): smooth, local."""
    slopes = np.gradient(y, x)
    i = np.clip(np.searchsorted(x, frames, side="right") - 1, 0, len(x) - 2)
    h = x[i + 1] - x[i]
    s = np.clip((frames - x[i]) / h, 0.0, 1.0)
    h00, h10 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s
    h01, h11 = -2 * s**3 + 3 * s**2, s**3 - s**2
    return h00 * y[i] + h10 * h * slopes[i] + h01 * y[i + 1] + h11 * h * slopes[i + 1]
