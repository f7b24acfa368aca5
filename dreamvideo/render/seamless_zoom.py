"""A seamless zoom loop, built by construction: the tail fades into the head.

A loop of L frames renders L + T: frames 0..T-1 are a lead-in, the output is
frames T..L+T-1. Frame L+k (k < T) is its own dream cross-faded toward frame k
with weight (k+1)/T, and that blend feeds the next dream, so the dream itself
turns toward the head. The last output frame, L+T-1, *is* frame T-1: playing on
from it into frame T, the loop's first, is the step T-1 -> T, like any other.

The camera repeats its moves with period L (output frame o takes the move of
frame o, the lead-in takes the loop's last moves), so music stays in sync. For
the repeat to be smooth each move must *come back*: its value at the loop's last
frame must lead into its value at frame 0 no harder than neighbouring frames
change. A constant move, a steady rotation or a cycle that fits the loop pass;
a ramp (zoom 1.0 -> 1.1 over the loop) would jump at the seam and is refused.
"""

from __future__ import annotations

import numpy as np

from ..errors import DreamError, missing_frame
from ..motion.camera import MOVES, Camera
from .zoom_plan import detail_crossfade
from .store import FrameStore

MAX_LEAD = 24


def lead_frames(length: int) -> int:
    """T: the frames of the fade from the tail into the head (a quarter of the loop, at most 24)."""
    return max(1, min(MAX_LEAD, length // 4))


def check_loop(camera: Camera, length: int) -> None:
    """Refuse, in one line, a loop that cannot close: too short, or a move that does not come back."""
    if length < 2:
        raise DreamError(f"`loop` needs at least 2 frames, got {length}; set `frames` (the loop's length)")
    for name in MOVES:
        values = np.asarray(camera.moves[name], dtype=np.float64).reshape(len(camera.moves[name]), -1)
        if len(values) < length:  # a constant schedule: one value for every frame
            continue
        values = values[:length]
        largest = float(np.abs(np.diff(values, axis=0)).max(initial=0.0))
        jump = float(np.abs(values[-1] - values[0]).max())
        if jump > 2 * largest + 1e-6:
            raise DreamError(f"`loop`: `{name}` goes from {_fmt(values[0])} at frame 0 to {_fmt(values[-1])} "
                             f"at frame {length - 1} and does not come back; a loop repeats its moves, so "
                             "each must end where it starts (a constant, or a cycle that fits the loop)")


def _fmt(value: np.ndarray) -> str:
    return ",".join(f"{v:g}" for v in value)


class LoopTail:
    """Cross-fades frames L..L+T-1 toward head frames 0..T-1, read back from the store."""

    def __init__(self, store: FrameStore, length: int, lead: int) -> None:
        self.store, self.length, self.lead = store, length, lead

    def __call__(self, frame: np.ndarray, index: int) -> np.ndarray:
        k = index - self.length
        if k < 0:
            return frame
        head = self.store.load(k)
        if head is None:
            raise missing_frame(k, self.store.folder)
        return detail_crossfade(frame, head, (k + 1) / self.lead)
