"""A dreamed clip: every frame of a video span, kept coherent, with its fps and audio."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import DreamError
from ..media import sources
from ..media.encode import VIDEO_SUFFIXES
from ..motion import flow
from ..progress import Advance, Reporter, Silent
from ..settings import Settings
from ..settings.schedule import Timeline
from .assemble import assemble_video, check_target
from .common import finish, longest_side, with_seed, work_folder
from .engine import Engine, RunOptions, dream_config
from .loop import fill
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


class Coherence:
    """Builds each frame's starting point from the previous dream (blend or flow)."""

    def __init__(self, settings: Settings, blend: np.ndarray) -> None:
        self.settings, self.blend = settings, blend
        self.prev_raw: np.ndarray | None = None
        self.prev_dream: np.ndarray | None = None

    def prepare(self, raw: np.ndarray, index: int) -> tuple[np.ndarray, int | None]:
        """The image to dream for this frame and the steps to spend on it."""
        mode, weight = self.settings.coherence, float(self.blend[min(index, len(self.blend) - 1)])
        if self.prev_dream is None or mode == "none":
            return raw, None
        raw_f = raw.astype(np.float32)
        if mode == "blend":
            mixed = (1 - weight) * raw_f + weight * self.prev_dream.astype(np.float32)
            return np.clip(mixed + 0.5, 0, 255).astype(np.uint8), None
        # flow: move the previous dream's detail (dream - raw) onto this frame, masked
        # where pixels were occluded or revealed, and add a share of it.
        back = flow.flow(raw, self.prev_raw)
        mask = flow.consistency_mask(back, flow.flow(self.prev_raw, raw))[..., None]
        detail = self.prev_dream.astype(np.float32) - self.prev_raw.astype(np.float32)
        carried = flow.warp(detail, back) * mask * weight
        steps = self.settings.flow_steps or max(1, self.settings.steps // 2)
        return np.clip(raw_f + carried + 0.5, 0, 255).astype(np.uint8), steps

    def remember(self, raw: np.ndarray, dream: np.ndarray) -> None:
        self.prev_raw, self.prev_dream = raw, dream


def first_frame(info: sources.VideoInfo, size: tuple[int, int], start: float,
                end: float | None) -> np.ndarray | None:
    """The span's first frame (None for an empty span), with the decoder closed after."""
    frames = iter(sources.read_frames(info, size, start, end, 1))
    try:
        return next(frames, None)
    finally:
        frames.close()  # type: ignore[attr-defined]


class VideoPlan:
    """Frame i is input frame i dreamed from a start the coherence method builds."""

    def __init__(self, engine: Engine, settings: Settings, frames: Iterator[np.ndarray],
                 total: int | None, *, fps: float = 24.0, octaves: int | None = None) -> None:
        self.engine, self.frames, self.total = engine, frames, total
        self.steps = dream_config(settings, octaves=octaves).total_steps
        self.coherence = Coherence(settings, settings.series("blend", Timeline(total or 1, fps)))
        self.raw: np.ndarray | None = None

    def indices(self) -> Iterator[int]:
        for index, raw in enumerate(self.frames):
            self.raw = raw
            yield index

    def make(self, index: int, advance: Advance) -> np.ndarray:
        initial, steps = self.coherence.prepare(self.raw, index)
        dreamed = self.engine.dream(initial, index, advance, steps, same_jitter=True)
        self.coherence.remember(self.raw, dreamed)
        return dreamed

    def resume(self, index: int, frame: np.ndarray) -> None:
        self.coherence.remember(self.raw, frame)


def render_video(settings: Settings, source: Path, output: Path, options: RunOptions,
                 progress: Reporter = Silent()) -> Path:
    """Dream every frame of a clip's span, keeping its exact fps and its audio for that span."""
    check_target(output, VIDEO_SUFFIXES, source)
    info = sources.probe(source)
    start, end = video_span(info, settings)
    size, capped = sources.working_size(info.width, info.height, longest_side(settings), even=True)
    if capped:
        progress.note(capped)
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
    plan = VideoPlan(engine, settings, sources.prefetch(reader), reader.expected or None,
                     fps=float(info.fps), octaves=octaves)
    indices = fill(plan, store, progress)
    if reader.shortfall():
        progress.note(reader.shortfall())
    if not indices:
        raise DreamError(f"{source.name} has no video frames between {start:g}s and {end or info.duration:g}s")
    keep_audio = info.has_audio and output.suffix.lower() == ".mp4"
    audio = (source, *sources.audio_span(start, len(indices), info.fps)) if keep_audio else None
    text = sidecar_text(output, settings, "video", engine.model.weights_source,
                        input=str(source), fps=str(info.fps), frames=len(indices))
    assemble_video(store, indices, output, info.fps, settings.crf, audio, text)
    finish(store, options)
    return output
