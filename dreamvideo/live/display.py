"""The display stage: every captured frame, with the latest dream's detail moved onto it, to the sinks.

For each new frame it takes the newest key (whatever the dream worker last finished)
and warps the key's detail (dream minus the frame it was dreamed from) onto the frame
along the DIS flow between them, as a video's `cadence` does for the frames between
its keys. Frames that arrive while it works are skipped, never queued.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..motion import inbetween
from ..motion.color import match_colors
from .controls import LiveControls
from .dreamer import WAIT, Key, at_start
from .slots import Latest, Stamped
from .stats import LiveStats

Hand = Callable[[np.ndarray, Stamped], None]
# What the display does where the flow is not trusted: (keep the key's detail in place, trust change per frame).
# "hold" (the default) leaves no undreamed patch; "fade" shows the source there, faded; "raw": the source, at once.
FILLS = {"hold": (True, 0.25), "fade": (False, 0.25), "raw": (False, 1.0)}


class Display:
    """Shows frames while the run lasts (:meth:`run` is a thread's target)."""

    def __init__(self, controls: LiveControls, keys: Latest[Key], fps: float, fill: str = "hold") -> None:
        if fill not in FILLS:
            raise ValueError(f"unknown fill '{fill}'; use one of {', '.join(FILLS)}")
        self.controls, self.keys, self.fps, self.fill = controls, keys, fps, fill
        self.trust: np.ndarray | None = None  # the flow's trust the last frame used, faded frame to frame

    def show(self, raw: np.ndarray, key: Key) -> np.ndarray:
        """``raw`` with ``key``'s detail moved onto it, colours matched to ``raw`` when asked."""
        settings = self.controls.settings
        shown = self.carry(raw, key, settings.flow_size)
        if settings.color_coherence != "none":
            strength = at_start(settings, "color_strength", self.fps, self.controls.features)
            shown = match_colors(shown, raw, settings.color_coherence, strength)
        return shown

    def carry(self, raw: np.ndarray, key: Key, flow_size: int | None) -> np.ndarray:
        """The key's detail moved onto ``raw``; trust fades over a few frames (see ``motion.inbetween``)."""
        hold, step = FILLS[self.fill]
        shown, self.trust = inbetween.carry_filled(raw, key.raw, key.out, flow_size, self.trust, step, hold)
        return shown

    def run(self, frames: Latest[Stamped], hand: Hand, stats: LiveStats) -> None:
        """Show each newer frame and ``hand`` it to the sinks until stop is asked."""
        seen = 0
        while not self.controls.stopping:
            got = frames.newer(seen, WAIT)
            if got is None:
                continue
            seen, stamped = got
            key = self.keys.peek()[1]
            if key is None:
                continue  # the first dream is not ready: nothing to show yet
            shown = self.show(stamped.frame, key)
            hand(shown, stamped)
            stats.show(stamped)
            self.controls.shown.put(Stamped(shown, stamped.stamp, stamped.seq))
