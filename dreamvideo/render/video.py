"""A dreamed clip: every frame of a video span, kept coherent, with its fps and audio."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DreamError
from ..media import inputs, sources
from ..media.formats import Format
from ..progress import Reporter, Silent
from ..settings import Settings
from ..settings.schedule import Timeline
from .assemble import Frames, assemble_video, say_fit
from .common import finish, longest_side, with_seed, work_folder
from .engine import Engine, RunOptions
from .fill import fill
from .reads import check_render
from .preview import (
    PREVIEW_WEIGHTS,
    Numbered,
    SpanPlan,
    check_preview_output,
    preview_folder,
    preview_store,
    removed_if_stopped,
)
from .sidecar import manifest, resumable, sidecar_text
from .store import FrameStore
from .seamless_video import LoopFrames, seam_note
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


@dataclass(frozen=True)
class Clip:
    """The clip a render reads: what it was given (``source``: a file, or a sequence's folder, pattern or
    glob), the input opened from it, the span [start, end), the working size and the format the output is
    written in (as :func:`.reads.check_render` found it, so the encode cannot pick another)."""

    source: Path
    opened: inputs.Input
    start: float
    end: float | None
    size: tuple[int, int]
    format: Format

    @property
    def info(self) -> sources.VideoInfo:
        return self.opened.info

    @property
    def fps(self) -> float:
        return float(self.info.fps)

    def expected(self, max_frames: int | None) -> int:
        """The frames the header promises for the span (0 when it cannot say)."""
        return sources.expected_frames(self.info, self.start, self.end, max_frames)

    def frames(self, max_frames: int | None) -> sources.FrameReader:
        """The span's frames at the working size; the reader says afterwards whether the file ended early."""
        return sources.read_frames(self.info, self.size, self.start, self.end, max_frames)

    def first_frame(self) -> np.ndarray | None:
        return first_frame(self.info, self.size, self.start, self.end)

    def recorded(self, settings: Settings) -> Settings:
        """The settings as a sidecar records them: a video's `fps` is its own rate, not one that did not apply."""
        fps = float(self.info.fps)
        if self.opened.kind == inputs.SEQUENCE or not 0.01 <= fps <= 240:
            return settings
        return settings.model_copy(update={"fps": fps})


def rate_note(settings: Settings, opened: inputs.Input) -> str | None:
    """`fps` sets an image sequence's rate; a clip's own rate wins, said once when `fps` asked for another."""
    if opened.kind == inputs.SEQUENCE or "fps" not in settings.model_fields_set \
            or sources.exact_fps(settings.fps) == opened.info.fps:
        return None
    return (f"`fps` {settings.fps:g} applies to image sequences; {opened.info.path.name} keeps its own "
            f"{float(opened.info.fps):.5g} fps")


def open_clip(settings: Settings, source: Path, output: Path, options: RunOptions, progress: Reporter) -> Clip:
    """Open what ``source`` is (a video, an animated image, an image sequence), checked whole; check what
    the render writes against what it reads (a sequence's every file); the span and working size. Notes:
    alpha flattened, `fps` not applied, the size capped, the output's format padding or cropping it."""
    opened = inputs.open_input(source, settings.fps)
    fmt = check_render(output, settings, options, "video", source, opened.info.files)
    assert fmt is not None  # a video render writes video
    info = opened.info
    start, end = video_span(info, settings)
    size, capped = sources.working_size(info.width, info.height, longest_side(settings), even=True)
    for note in (opened.note, rate_note(settings, opened), capped):
        if note:
            progress.note(note)
    say_fit(fmt, *size, progress.note)
    return Clip(source, opened, start, end, size, fmt)


def check_loop_length(settings: Settings, frames: int | None) -> None:
    """Refuse a loop too short to fade its end into its start (``frames``: None if unknown),
    naming what made it short: `max_frames` only when it is what stops the clip."""
    count = frames if frames is not None else settings.max_frames
    if not settings.loop or count is None or not 0 < count < 3:
        return
    if count == settings.max_frames:
        short = f"`max_frames` is {count}; raise it"
    elif settings.start or settings.end is not None:
        short = f"the clip's span has {count}; widen `start`/`end`, use a longer clip"
    else:
        short = f"the clip has {count}; use a longer clip"
    raise DreamError(f"`loop` needs at least 3 frames to fade the end into the start, and {short} "
                     "or leave out `loop`")


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
    clip = open_clip(settings, source, output, options, progress)
    check_animation(settings, clip.expected(settings.max_frames), clip.fps)
    if settings.preview:
        return render_video_preview(settings, clip, output, options, progress)
    work = work_folder(output, options)
    settings = with_seed(settings, None if options.restart else work)
    engine = Engine(settings, options)
    octaves = engine.fit(*clip.size, progress)
    if settings.objective:   # strong channels and guides are fitted to the clip's first frame
        settings = engine.prepare(clip.first_frame())
    made = manifest("video", settings, **clip.opened.identity())
    store = FrameStore(work, resumable(work, made), options.restart)
    reader = clip.frames(settings.max_frames)
    plan = VideoPlan(engine, settings, sources.prefetch(reader), reader.expected or None, store,
                     fps=clip.fps, octaves=octaves)
    if note := plan.repair():
        progress.note(note)
    indices = fill(plan, store, progress)
    publish_clip(settings, clip, reader, store, indices, output, options, progress,
                 weights=engine.model.weights_source, flicker_ratio=plan.meter.flicker, strength=plan.meter.strength,
                 precision=engine.precision)
    progress.note(plan.meter.summary())
    return output


def publish_clip(settings: Settings, clip: Clip, reader: sources.FrameReader, store: FrameStore, indices: list[int],
                 output: Path, options: RunOptions, progress: Reporter, *, weights: str,
                 wrap: Callable[[Frames], Frames] = lambda f: f, **meta: Any) -> None:
    """A filled store to the output, as every clip render ends: the note of a file that ended early (``reader``:
    what read the span), the loop's fade, the audio of the frames written, the sidecar, one verified encode.
    ``wrap`` changes frames on the way out (a preview's numbers); ``meta`` goes into the sidecar."""
    info = clip.info
    if note := reader.shortfall():
        progress.note(note)
    if not indices:
        raise DreamError(f"{clip.source.name} has no video frames between {clip.start:g}s and "
                         f"{clip.end or info.duration:g}s")
    check_loop_length(settings, len(indices))  # a clip that ended early; a cadence over it did no harm
    frames: Frames = store
    if settings.loop:
        frames, indices, extra = looped(store, indices, clip.fps, progress)
        meta.update(extra)
    # the clip's own track, into any container that takes audio (a format without says so)
    audio = (clip.source, *sources.audio_span(clip.start, len(indices), info.fps)) if info.has_audio else None
    text = sidecar_text(output, clip.recorded(settings), "video", weights, input=str(clip.source),
                        fps=str(info.fps), frames=len(indices), **meta)
    assemble_video(wrap(frames), indices, output, info.fps, settings.crf, audio, text, loop=settings.loop,
                   format=clip.format, note=progress.note)
    finish(store, options)


def render_video_preview(settings: Settings, clip: Clip, output: Path, options: RunOptions,
                         progress: Reporter) -> Path:
    """The clip's span at the working size, with its audio, and no dream: what a video render will cover.

    ``clip``: the video render's checked clip. Without a dream, a video's cadence (which
    carries a keyframe's dream detail onto the frames between) and its colour coherence
    (each frame matched to its own source) leave the source frames as they are; ``loop``
    fades the tail into the head as the render would.
    """
    check_preview_output(output)
    settings = with_seed(settings, None if options.restart else preview_folder(output, options))
    store = preview_store(output, options, "video", settings, **clip.opened.identity())
    reader = clip.frames(settings.max_frames)
    with removed_if_stopped(store, options):
        indices = fill(SpanPlan(iter(reader), reader.expected or None), store, progress)
        publish_clip(settings, clip, reader, store, indices, output, options, progress, weights=PREVIEW_WEIGHTS,
                     wrap=Numbered, preview=True)
    return output
