"""The dream worker: keyframes from the newest captured frame, the pyramid state carried from key to key.

It takes the newest frame when it is free (frames captured while it dreams are not
queued for it), dreams it with the render's engine (loaded once) through the video
coherence method, so a key starts from the last key's detail moved along the flow and
is pulled toward it, and hands the key to the display. Every key dreams
`frame_octaves` octaves (at most `octaves`, so the pyramid's detail carries over); the
first takes `steps` per octave, later ones `frame_steps`. A live run has no timeline:
schedules are read at frame 0 and changed live through :class:`.controls.LiveControls`.
With `dive` > 1 each key starts from the last dream zoomed in, mixed into the source by
`blend`: the output feeds back (the Vision Quest look).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..core.transforms import to_tensor, to_uint8, zoom
from ..progress import Reporter, Silent
from ..render.engine import Engine, RunOptions, dream_config
from ..render.video_plan import coherence_mode
from ..settings import Settings
from ..settings.schedule import Timeline
from .controls import LiveControls
from .slots import Latest, Stamped
from .stats import LiveStats

REBUILD = ("model", "weights", "layers", "objective", "objective_blend")  # a change that needs a new engine
WAIT = 0.1  # seconds a stage waits for work before it looks at the stop request again


class Stopped(Exception):
    """The run ends while a key is being dreamed."""


@dataclass(frozen=True)
class Key:
    """A dreamed keyframe: the captured frame it was made from, its dream, and that frame's capture stamp."""

    raw: np.ndarray
    out: np.ndarray
    stamp: float
    seq: int


def at_start(settings: Settings, name: str, fps: float, features: dict[str, float] | None = None) -> float:
    """A schedule's value at frame 0 (a live run has no timeline), with `audio_in`'s newest ``features``."""
    heard = {key: [value] for key, value in (features or {}).items()}
    return float(settings.series(name, Timeline(1, fps, heard))[0])


class LiveDreamer:
    """Dreams keys while the run lasts (:meth:`run` is a thread's target); the engine is built once."""

    def __init__(self, controls: LiveControls, options: RunOptions, size: tuple[int, int], fps: float,
                 progress: Reporter = Silent()) -> None:
        self.controls, self.options, self.size, self.fps = controls, options, size, fps
        self.version, self.settings = controls.snapshot()
        self.engine = Engine(self.settings, options)
        self.octaves = self._octaves(progress)
        self.coherence = self._coherence()
        self.keys: Latest[Key] = Latest()
        self.count = 0

    def _octaves(self, progress: Reporter | None = None) -> int:
        # refuses, in one line, frames too small to dream; on a CPU with native bf16, auto probes (cached)
        return self.engine.fit(*self.size, progress, most=self.settings.frame_octaves)

    def _coherence(self):
        self.blend = np.float32([self._blend()])  # read by the coherence on every key: set before each
        return coherence_mode(self.settings, self.blend, self.engine.model.mean.device)

    def _blend(self) -> float:
        return at_start(self.settings, "blend", self.fps, self.controls.features)

    def run(self, frames: Latest[Stamped], stats: LiveStats) -> None:
        seen = 0
        try:
            while not self.controls.stopping:
                got = frames.newer(seen, WAIT)
                if got is None:
                    continue
                seen, stamped = got
                self.keys.put(self.dream(stamped))
                stats.dream()
        except Stopped:
            pass

    def sync(self) -> None:
        """Take up settings changed since the last key: a new engine only when the network's layers change."""
        version, settings = self.controls.snapshot()
        if version == self.version:
            return
        old, self.version, self.settings = self.settings, version, settings
        if any(getattr(old, name) != getattr(settings, name) for name in REBUILD):
            self.engine = Engine(settings, self.options)
        else:
            self.engine.settings = settings
        self.octaves = self._octaves()
        if settings.coherence != old.coherence or (settings.blend != old.blend and settings.coherence != "pyramid"):
            self.coherence = self._coherence()
        for name in ("pull", "carry", "flow_size"):
            if hasattr(self.coherence, name):
                setattr(self.coherence, name, getattr(settings, name))

    def _advance(self, _: int) -> None:
        if self.controls.stopping:
            raise Stopped

    def dream(self, stamped: Stamped) -> Key:
        """One key from a captured frame, through the coherence method."""
        self.sync()
        steps = self.settings.steps if self.count == 0 else min(self.settings.frame_steps, self.settings.steps)
        share = self._blend()  # a schedule reading the sound changes from key to key: read once per key
        self.blend[0] = share
        start = self._dive(stamped.frame, share)
        diving = start is not stamped.frame
        config = replace(dream_config(self.settings), octaves=self.octaves)  # the settings as changed live

        def dream(frame: np.ndarray, own_steps: int | None, hooks):
            """The coherence method's frame (or, diving, the fed-back one), with the live schedule."""
            result = self.engine.dream_octaves(start if diving else frame, 0, self._advance,
                                               replace(config, steps=own_steps or steps),
                                               same_jitter=True, hooks=None if diving else hooks)
            return to_uint8(result.image), result.details
        out = self.coherence.frame(stamped.frame, self.count, dream)
        self.count += 1
        return Key(stamped.frame, out, stamped.stamp, stamped.seq)

    def _dive(self, raw: np.ndarray, share: float) -> np.ndarray:
        """With `dive`: the last dream zoomed in, mixed into ``raw`` by ``share`` (`blend`); else ``raw`` itself."""
        last = self.coherence.out
        if self.settings.dive <= 1.0 or last is None:
            return raw
        zoomed = to_uint8(zoom(to_tensor(last), self.settings.dive)).astype(np.float32)
        return np.clip((1 - share) * raw.astype(np.float32) + share * zoomed + 0.5, 0, 255).astype(np.uint8)
