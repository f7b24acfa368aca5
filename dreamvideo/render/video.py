"""A dreamed clip: every frame of a video span, kept coherent, with its fps and audio."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DreamError
from ..media import sources
from ..media.encode import VIDEO_SUFFIXES
from ..progress import Reporter, Silent
from ..settings import Settings
from ..settings.schedule import Timeline
from .assemble import Frames, assemble_video, check_target
from .common import finish, longest_side, with_seed, work_folder
from .engine import Engine, RunOptions
from .loop import fill
from .preview import (
    PREVIEW_WEIGHTS,
    Numbered,
    SpanPlan,
    check_preview_output,
    preview_folder,
    preview_store,
)
from .sidecar import manifest, sidecar_text
from .store import FrameStore
from .video_loop import LoopFrames, seam_note
from .video_plan import VideoPlan


def video_span(info: sources.VideoInfo, settings: Settings) -> tuple[float, float]:
    """The [start, end) seconds to dream, checked against the clip's duration."""
    end = min(settings.end, info.duration) if settings.end and info.duration else (settings.end or info.duration)
    if info.duration and settings.start >= info.duration:
        raise DreamError(f"`start` {settings.start:g}s is beyond the end of {info.path.name} "
                         f"({info.duration:.2f}s)")
    if end and end <= settings.start:
        raise DreamError(f"`end` {end:g}s must be after `start` {settings.start:g}s")
    return settings.start, end


def first_frame(info: sources.VideoInfo, size: tuple[int, int], start: float,
                end: float | None) -> np.ndarray | None:
    """The span's first frame (None for an empty span), with the decoder closed after."""
    frames = iter(sources.read_frames(info, size, start, end, 1))
    try:
        return next(frames, None)
    finally:
        frames.close()  # type: ignore[attr-defined]


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


def check_loop_length(settings: Settings, frames: int | None) -> None:
    """Refuse a loop too short to fade its end into its start (``frames``: None if unknown)."""
    if settings.loop and (settings.max_frames == 1 or (frames is not None and 0 < frames < 3)):
        raise DreamError("`loop` needs at least 3 frames to fade the end into the start; "
                         "raise `max_frames` or leave out `loop`")


def check_animation(settings: Settings, frames: int | None, fps: float = 24.0) -> None:
    """Refuse, before any dreaming, a cadence or loop the clip's span cannot give (``frames``: None if unknown).

    The per-frame schedules are evaluated here too: an expression that fails only at
    some frame must stop the render before the model loads and the work folder is made,
    or the corrected command would find a folder whose "settings changed".
    """
    check_loop_length(settings, frames)
    if frames and settings.cadence > frames:
        raise DreamError(f"`cadence` {settings.cadence} is larger than the {frames} frame(s) of the span; "
                         "use a `cadence` of at most the frame count")
    timeline = Timeline(frames or 1, fps)
    for name in ("color_strength", "blend"):
        settings.series(name, timeline)


def looped(store: FrameStore, indices: list[int], fps: float,
           progress: Reporter) -> tuple[LoopFrames, list[int], dict[str, float | None]]:
    """A loop's frames: the tail fades into the head (the audio then follows the frames written)."""
    frames = LoopFrames(store, len(indices), fps)
    extra = {"loop_seam_ratio": frames.measure()}
    progress.note(f"loop: the last {frames.fade} frames fade into the first; {seam_note(extra['loop_seam_ratio'])}")
    return frames, frames.indices(), extra


def render_video(settings: Settings, source: Path, output: Path, options: RunOptions,
                 progress: Reporter = Silent()) -> Path:
    """Dream every frame of a clip's span, keeping its exact fps and its audio for that span."""
    info, start, end, size = open_clip(settings, source, output, progress)
    check_animation(settings, sources.expected_frames(info, start, end, settings.max_frames), float(info.fps))
    if settings.preview:
        return render_video_preview(settings, source, output, options, progress, (info, start, end, size))
    work = work_folder(output, options)
    settings = with_seed(settings, None if options.restart else work)
    engine = Engine(settings, options)
    octaves = engine.check_size(*size, progress)
    engine.fit_precision(*size, octaves, progress)
    if settings.objective:   # strong channels and guides are fitted to the clip's first frame
        settings = engine.prepare(first_frame(info, size, start, end))
    stat = source.stat()
    store = FrameStore(work, manifest("video", settings, input=str(source.resolve()),
                                      input_size=stat.st_size, input_mtime=stat.st_mtime), options.restart)
    reader = sources.read_frames(info, size, start, end, settings.max_frames)
    plan = VideoPlan(engine, settings, sources.prefetch(reader), reader.expected or None, store,
                     fps=float(info.fps), octaves=octaves)
    if note := plan.repair():
        progress.note(note)
    indices = fill(plan, store, progress)
    clip = Clip(source, info, start, end, reader)
    publish_clip(settings, clip, output, options, store, indices, progress, engine.model.weights_source,
                 flicker_ratio=plan.meter.flicker, strength=plan.meter.strength, precision=engine.precision)
    progress.note(plan.meter.summary())
    return output


@dataclass
class Clip:
    """The clip a render read: its file, its probe, the span and the reader that decoded it."""

    source: Path
    info: sources.VideoInfo
    start: float
    end: float | None
    reader: sources.FrameReader


def publish_clip(settings: Settings, clip: Clip, output: Path, options: RunOptions, store: FrameStore,
                 indices: list[int], progress: Reporter, weights: str, wrap: Callable[[Frames], Frames] = lambda f: f,
                 **meta: Any) -> None:
    """A filled store to the output, as every clip render ends: the loop's fade, the audio of the frames
    written, the sidecar, one verified encode. ``wrap`` changes frames on the way out (a preview's numbers)."""
    info = clip.info
    if clip.reader.shortfall():
        progress.note(clip.reader.shortfall())
    if not indices:
        raise DreamError(f"{clip.source.name} has no video frames between {clip.start:g}s and "
                         f"{clip.end or info.duration:g}s")
    check_loop_length(settings, len(indices))  # a clip that ended early; a cadence over it did no harm
    frames: Frames = store
    if settings.loop:
        frames, indices, extra = looped(store, indices, float(info.fps), progress)
        meta.update(extra)
    keep_audio = info.has_audio and output.suffix.lower() == ".mp4"
    audio = (clip.source, *sources.audio_span(clip.start, len(indices), info.fps)) if keep_audio else None
    text = sidecar_text(output, settings, "video", weights, input=str(clip.source), fps=str(info.fps),
                        frames=len(indices), **meta)
    assemble_video(wrap(frames), indices, output, info.fps, settings.crf, audio, text, loop=settings.loop)
    finish(store, options)


def render_video_preview(settings: Settings, source: Path, output: Path, options: RunOptions,
                         progress: Reporter, clip: tuple[sources.VideoInfo, float, float, tuple[int, int]]) -> Path:
    """The clip's span at the working size, with its audio, and no dream: what a video render will cover.

    ``clip``: the video render's checked clip, span and working size. Without a dream,
    a video's cadence (which carries a keyframe's dream detail onto the frames between)
    and its colour coherence (each frame matched to its own source) leave the source
    frames as they are; ``loop`` fades the tail into the head as the render would.
    """
    info, start, end, size = clip
    check_preview_output(output)
    settings = with_seed(settings, None if options.restart else preview_folder(output, options))
    stat = source.stat()
    store = preview_store(output, options, "video", settings, input=str(source.resolve()),
                          input_size=stat.st_size, input_mtime=stat.st_mtime)
    reader = sources.read_frames(info, size, start, end, settings.max_frames)
    indices = fill(SpanPlan(iter(reader), reader.expected or None), store, progress)
    publish_clip(settings, Clip(source, info, start, end, reader), output, options, store, indices, progress,
                 PREVIEW_WEIGHTS, Numbered, preview=True)
    return output
