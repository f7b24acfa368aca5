"""The frame plan of a dreamed clip: keyframes dreamed by the coherence method, the frames between
moved from the last dream (`cadence`), every frame's colours kept near its own source frame.

Frame i is input frame i. A keyframe (every `cadence`-th frame, every frame at 1) is
dreamed by the coherence method from the state the previous keyframe left; the pyramid's
flow then spans `cadence` frames. A frame between is the latest keyframe's dream detail
warped onto it (:mod:`..motion.inbetween`), with no gradient steps. With `color_coherence`
each output is histogram-matched to its own source frame, so the clip keeps its colours;
the chain carries the unmatched dream, so matching never compounds. Both depend only on
the source frames and the saved keyframe state, so a resume re-derives them exactly (see
:mod:`.video_state` for the state and its repair). Flicker and strength are measured on
the way, from frames already in memory.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

import numpy as np

from ..core.dream import OctaveHooks
from ..core.transforms import to_uint8
from ..errors import RUN_AGAIN, DreamError
from ..motion import coherence, inbetween, metrics
from ..motion.color import match_colors
from ..progress import Advance
from ..settings import Settings
from ..settings.schedule import Timeline
from .engine import Engine, dream_config
from .store import FrameStore
from .video_state import ChainStates


def coherence_mode(settings: Settings, blend: np.ndarray, device) -> coherence.Coherence:
    """The settings' coherence method, with plain arguments (``blend``: the weight on every frame)."""
    return coherence.make(settings.coherence, weight=lambda index: float(blend[min(index, len(blend) - 1)]),
                          flow_steps=settings.flow_steps or max(1, settings.steps // 2),
                          pull=settings.pull, carry=settings.carry, flow_size=settings.flow_size,
                          device=device)


class VideoPlan:
    """Frame i of the clip from its source frame and the chain state of the keyframe before it.

    ``start``: the index of the first frame ``frames`` gives (a chunk's first frame on a
    worker); the chain begins there with a keyframe.
    """

    def __init__(self, engine: Engine, settings: Settings, frames: Iterator[np.ndarray],
                 total: int | None, store: FrameStore, *, fps: float = 24.0, octaves: int | None = None,
                 start: int = 0) -> None:
        self.engine, self.settings, self.frames, self.total, self.store = engine, settings, frames, total, store
        self.start = start
        whole = dream_config(settings)
        self.config = whole if octaves is None else replace(whole, octaves=octaves)  # the octaves the size fits
        self.steps = self.config.total_steps
        timeline = Timeline(total or 1, fps)
        self.coherence = coherence_mode(settings, settings.series("blend", timeline), engine.model.mean.device)
        self.color = settings.series("color_strength", timeline)
        self.states = ChainStates(store, settings.cadence, start)
        self.meter = metrics.RenderMeter(self._energy)
        self.raw: np.ndarray | None = None
        self.chain: int | None = None  # the keyframe whose state self.coherence holds

    def _energy(self, frame: np.ndarray, index: int) -> float:
        objective = self.engine.dreamer.objective(self.engine.objective_at(index, frame))
        return metrics.activation_energy(self.engine.model, objective, metrics.METER_SIZE)(frame)

    def repair(self) -> str | None:
        """Before a resume: make sure the first missing frame's chain state is there (see ``ChainStates``)."""
        missing = self.store.first_missing()
        if self.total is not None and missing >= self.start + self.total:
            return None  # every frame is finished: nothing will be dreamed
        arrays, redo = self.states.repair(missing)
        if arrays is not None:
            self.coherence.restore(arrays)
            self.chain = self.states.needed(self.store.first_missing())
        return None if redo is None else self.states.lost(missing, redo)

    def indices(self) -> Iterator[int]:
        for local, raw in enumerate(self.frames):
            self.raw = raw
            yield self.start + local

    def _follow(self, index: int) -> None:
        """Put the chain at the state frame ``index`` is made from, or refuse to guess."""
        need = self.states.needed(index)
        if need is None or need == self.chain:
            return
        arrays = coherence.read_state(self.states.path(need))
        if arrays is None:  # a finished frame was found damaged after the state it needs was dropped
            _, redo = self.states.repair(index)
            raise DreamError(f"frame {index} was damaged and the coherence state of frame {need}, which it is "
                             f"made from, is no longer kept; the frames from {redo} on were deleted: "
                             f"{RUN_AGAIN} to dream them again")
        self.coherence.restore(arrays)
        self.chain = need

    def _dream(self, index: int, advance: Advance):
        def dream(frame: np.ndarray, steps: int | None, hooks: OctaveHooks | None):
            config = self.config if steps is None else replace(self.config, steps=steps)  # a mode's fewer steps
            result = self.engine.dream_octaves(frame, index, advance, config, same_jitter=True, hooks=hooks)
            return to_uint8(result.image), result.details
        return dream

    def make(self, index: int, advance: Advance) -> np.ndarray:
        self._follow(index)
        if self.states.is_key(index):
            dreamed = self.coherence.frame(self.raw, index, self._dream(index, advance))
            self.coherence.save(self.states.path(index))
            self.states.saved(index)
            self.chain = index
        else:
            dreamed = inbetween.carry_detail(self.raw, self.coherence.raw, self.coherence.out,
                                           self.settings.flow_size)
        if self.settings.color_coherence != "none":
            strength = float(self.color[min(index, len(self.color) - 1)])
            dreamed = match_colors(dreamed, self.raw, self.settings.color_coherence, strength)
        self.meter.add(self.raw, dreamed, index)
        return dreamed

    def resume(self, index: int, frame: np.ndarray) -> None:
        """A finished frame: only measured; the chain state comes from the saved keyframe state."""
        self.meter.add(self.raw, frame, index)
