"""A dreamed clip: every frame of a video span, kept coherent, with its fps and audio."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from ..errors import DreamError
from ..media import sources
from ..media.encode import VIDEO_SUFFIXES
from ..core.dream import OctaveHooks
from ..core.transforms import to_uint8
from ..motion import coherence, metrics
from ..progress import Advance, Reporter, Silent
from ..settings import Settings
from ..settings.schedule import Timeline
from .assemble import assemble_video, check_target
from .common import finish, longest_side, with_seed, work_folder
from .engine import Engine, RunOptions, dream_config
from .loop import fill
from .preview import render_video_preview
from .sidecar import manifest, sidecar_text
from .store import FrameStore


def video_span(info: sources.VideoInfo, settings: Settings) -> tuple[float, float]:
    """The [start, end) seconds to dream, checked against the clip's duration."""
    end = min(settings.end, info.duration) if settings.end and info.duration else (settings.end or info.duration)
    if info.duration and settings.start >= info.duration:
        raise DreamError(f"`start` {settings.start:g}s is beyond the end of {info.path.name} "
                         f"({info.duration:.2f}s)")
    if end and end <= settings.start:
        raise DreamError(f"`end` {end:g}s must be after `start` {settings.start:g}s")
    return settings.start, end


def coherence_mode(settings: Settings, blend: np.ndarray, device: torch.device) -> coherence.Coherence:
    """The settings' coherence method, with plain arguments (``blend``: the weight on every frame)."""
    return coherence.make(settings.coherence, weight=lambda index: float(blend[min(index, len(blend) - 1)]),
                          flow_steps=settings.flow_steps or max(1, settings.steps // 2),
                          pull=settings.pull, carry=settings.carry, flow_size=settings.flow_size,
                          device=device)


def first_frame(info: sources.VideoInfo, size: tuple[int, int], start: float,
                end: float | None) -> np.ndarray | None:
    """The span's first frame (None for an empty span), with the decoder closed after."""
    frames = iter(sources.read_frames(info, size, start, end, 1))
    try:
        return next(frames, None)
    finally:
        frames.close()  # type: ignore[attr-defined]


class VideoPlan:
    """Frame i is input frame i, dreamed by the coherence method from the previous frame's state.

    The method's state after frame i is kept in the work folder beside frame i (the
    last two only), so a resumed render picks up exactly where it stopped. Flicker
    and strength are measured on the way, from frames already in memory.
    """

    def __init__(self, engine: Engine, settings: Settings, frames: Iterator[np.ndarray],
                 total: int | None, store: FrameStore, *, fps: float = 24.0, octaves: int | None = None) -> None:
        self.engine, self.settings, self.frames, self.total, self.store = engine, settings, frames, total, store
        self.octaves = octaves
        self.steps = dream_config(settings, octaves=octaves).total_steps
        blend = settings.series("blend", Timeline(total or 1, fps))
        self.coherence = coherence_mode(settings, blend, engine.model.mean.device)
        self.meter = metrics.RenderMeter(self._energy)
        self.raw: np.ndarray | None = None
        self.resumed: int | None = None

    def _energy(self, frame: np.ndarray, index: int) -> float:
        objective = self.engine.dreamer.objective(self.engine.objective_at(index, frame))
        return metrics.activation_energy(self.engine.model, objective, metrics.METER_SIZE)(frame)

    def indices(self) -> Iterator[int]:
        for index, raw in enumerate(self.frames):
            self.raw = raw
            yield index

    def _state(self, index: int) -> Path:
        return self.store.state_path(index, "coherence.npz")

    def make(self, index: int, advance: Advance) -> np.ndarray:
        if self.resumed is not None and self.resumed == index - 1 and self._state(index - 1).is_file():
            self.coherence.load(self._state(index - 1))
        self.resumed = None

        def dream(frame: np.ndarray, steps: int | None, hooks: OctaveHooks | None):
            result = self.engine.dream_octaves(frame, index, advance, steps, same_jitter=True, hooks=hooks,
                                               octaves=self.octaves)
            return to_uint8(result.image), result.details

        dreamed = self.coherence.frame(self.raw, index, dream)
        self.coherence.save(self._state(index))
        self._state(index - 2).unlink(missing_ok=True)
        self.meter.add(self.raw, dreamed, index)
        return dreamed

    def resume(self, index: int, frame: np.ndarray) -> None:
        """A finished frame: the chain continues from it (and from its saved state, if it has one)."""
        self.coherence.restore({"raw": self.raw, "out": frame})
        self.resumed = index
        self.meter.add(self.raw, frame, index)


def open_clip(settings: Settings, source: Path, output: Path,
              progress: Reporter) -> tuple[sources.VideoInfo, float, float, tuple[int, int]]:
    """Check the target, probe the clip; its span and working size (with a note if capped)."""
    check_target(output, VIDEO_SUFFIXES, source)
    info = sources.probe(source)
    start, end = video_span(info, settings)
    size, capped = sources.working_size(info.width, info.height, longest_side(settings), even=True)
    if capped:
        progress.note(capped)
    return info, start, end, size


def render_video(settings: Settings, source: Path, output: Path, options: RunOptions,
                 progress: Reporter = Silent()) -> Path:
    """Dream every frame of a clip's span, keeping its exact fps and its audio for that span."""
    if settings.preview:
        return render_video_preview(settings, source, output, options, progress, open_clip)
    info, start, end, size = open_clip(settings, source, output, progress)
    work = work_folder(output, options)
    settings = with_seed(settings, None if options.restart else work)
    engine = Engine(settings, options)
    octaves = engine.check_size(*size, progress)
    if settings.objective:   # strong channels and guides are fitted to the clip's first frame
        settings = engine.prepare(first_frame(info, size, start, end))
    stat = source.stat()
    store = FrameStore(work, manifest("video", settings, input=str(source.resolve()),
                                      input_size=stat.st_size, input_mtime=stat.st_mtime), options.restart)
    reader = sources.read_frames(info, size, start, end, settings.max_frames)
    plan = VideoPlan(engine, settings, sources.prefetch(reader), reader.expected or None, store,
                     fps=float(info.fps), octaves=octaves)
    indices = fill(plan, store, progress)
    if reader.shortfall():
        progress.note(reader.shortfall())
    if not indices:
        raise DreamError(f"{source.name} has no video frames between {start:g}s and {end or info.duration:g}s")
    keep_audio = info.has_audio and output.suffix.lower() == ".mp4"
    audio = (source, *sources.audio_span(start, len(indices), info.fps)) if keep_audio else None
    text = sidecar_text(output, settings, "video", engine.model.weights_source,
                        input=str(source), fps=str(info.fps), frames=len(indices),
                        flicker_ratio=plan.meter.flicker, strength=plan.meter.strength)
    assemble_video(store, indices, output, info.fps, settings.crf, audio, text)
    finish(store, options)
    progress.note(plan.meter.summary())
    return output
