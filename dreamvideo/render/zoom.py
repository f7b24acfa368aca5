"""A zoom ("dive"): dream a frame, move the camera into it, dream again; resumable.

The first frame gets the full dream. Later frames start from the previous dream,
zoomed, which already holds it, so they use the lighter ``frame_octaves`` x
``frame_steps`` schedule (``benchmarks/bench_zoom.py`` measures speed and strength).
With ``cadence`` N only every N-th frame is dreamed (:mod:`.zoom_plan`); ``loop``
closes the output into a seamless loop (:mod:`.seamless_zoom`); ``preview`` leaves the
dream out (:mod:`.preview`). With ``audio``, the track sets the frame count, its
features feed the schedules' expressions, and it goes into the output (any container
that takes audio; ``NAME.wav`` beside an image sequence).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from ..errors import DreamError
from ..media import audio as music
from ..motion.camera import Camera, start_frame
from ..progress import Advance, Reporter, Silent
from ..settings import Settings
from ..settings.presets import read_preset, replayed_start
from ..settings.schedule import Timeline
from .assemble import assemble_video, say_fit
from .zoom_plan import ColorLock, Dream, ZoomPlan
from .common import finish, with_seed, work_folder
from .engine import Engine, RunOptions, dream_config
from .fill import fill
from .reads import check_render
from .preview import (
    PREVIEW_WEIGHTS,
    Numbered,
    check_preview_output,
    no_dream,
    preview_folder,
    preview_store,
    motion_pattern,
    removed_if_stopped,
)
from .sidecar import manifest, resumable, sidecar_text
from .store import FrameStore
from .seamless_video import measured_seam, seam_note
from .seamless_zoom import LoopTail, check_loop, lead_frames

DEFAULT_FRAMES = 60
# With cadence > 1 a key dream follows N frames of zoom instead of one; a 1.5x step
# keeps its strength (cadence 3: 0.93x cadence 1's instead of 0.81x, same cost;
# benchmarks/bench_cadence.py). Cadence 1 keeps the user's step exactly.
KEY_STEP = 1.5


def zoom_origin(origin: str, settings: Settings, note=None) -> np.ndarray:
    """The first frame: seeded noise (a test pattern in a preview) or an image fitted to ``size``."""
    first = start_frame(origin, settings, note)
    if origin == "noise" and settings.preview:
        return motion_pattern(first.shape[1], first.shape[0])
    return first


def _scaled(advance: Advance, ratio: float) -> Advance:
    """Report a heavier frame's steps on a bar sized for the lighter ones."""
    done = [0.0, 0]

    def step(n: int) -> None:
        done[0] += n * ratio
        whole = int(done[0]) - done[1]
        if whole:
            done[1] += whole
            advance(whole)
    return step


def engine_dream(engine: Engine, settings: Settings, octaves: int, frames: int,
                 key_step: float = 1.0) -> tuple[Dream, int]:
    """The zoom's dream (the first full, later ones light) and its steps per dreamed frame.

    ``key_step`` scales the light dreams' step size: with ``cadence`` a key must
    restore N frames' worth of zoom, and a longer step does it at no extra cost.
    """
    base = dream_config(settings)
    light = replace(base, octaves=min(settings.frame_octaves, octaves),
                    steps=min(settings.frame_steps, settings.steps), step_size=settings.step_size * key_step)
    full = replace(base, octaves=octaves).total_steps
    steps = light.total_steps if frames > 1 else full

    def dream(frame: np.ndarray, index: int, advance: Advance, first: bool) -> np.ndarray:
        if first:
            return engine.dream(frame, index, _scaled(advance, steps / full))
        return engine.dream(frame, index, advance, light)
    return dream, steps


def timeline(settings: Settings) -> tuple[Timeline, music.AudioFeatures | None]:
    """Frames, fps and, with ``audio``, the track's features (its length sets frames when not given)."""
    if not settings.audio:
        return Timeline(settings.frames or DEFAULT_FRAMES, settings.fps), None
    track = music.analyse(Path(settings.audio), settings.fps, settings.frames)
    return Timeline(track.frames, settings.fps, track.values), track


def zoom_camera(settings: Settings, times: Timeline) -> tuple[Camera, int]:
    """The camera (moves repeating for a loop) and the lead-in frames a loop renders first.

    Refuses, before any model loads, a bad schedule, a ``cadence`` over the frame
    count and a loop that cannot close.
    """
    lead = lead_frames(times.frames) if settings.loop else 0
    camera = Camera(settings, times, lead=lead, period=times.frames if settings.loop else None)
    if settings.cadence > times.frames:
        counted = ("set by `frames`" if settings.frames or not settings.audio
                   else f"the length of `audio` at `fps` {settings.fps:g}")
        raise DreamError(f"`cadence` {settings.cadence} is more than the {times.frames} frame(s) to render "
                         f"({counted}); use a `cadence` of at most {times.frames}")
    if settings.loop:
        check_loop(camera, times.frames)  # reads the moves, which do not depend on the lead or the period
    return camera, lead


def _inputs(settings: Settings, origin: str, times: Timeline, track: music.AudioFeatures | None) -> dict:
    """What besides the settings shaped the frames, for the manifest."""
    inputs_used: dict = {"source": origin if origin == "noise" else str(Path(origin).resolve())}
    # Frames then shape the frames, no longer encoding-only: the motion (max_f), a loop's fade,
    # or with cadence the last window (7 frames at cadence 3 end on a key, 8 on an in-between).
    if settings.uses("max_f") or settings.loop or settings.cadence > 1:
        inputs_used["max_f"] = times.frames
    if settings.uses("fps") or track:  # fps times the motion (`t/fps`) or the music's features per frame
        inputs_used["fps"] = str(settings.fps)
    if track:  # another file under the same name must not resume these frames
        stat = track.path.stat()
        inputs_used.update(audio_size=stat.st_size, audio_mtime=stat.st_mtime)
    return inputs_used


def _dream_and_store(settings: Settings, options: RunOptions, output: Path, work: Path, first: np.ndarray,
                     total: int, inputs: dict, progress: Reporter) -> tuple[Settings, Dream, int, dict, FrameStore]:
    """The dream (none in a preview: no model is built), its steps, the sidecar's facts about the
    model (weights' source, precision) and the store.

    Also the settings to record: the objective is resolved on the start image.
    """
    if settings.preview:
        facts = {"weights_source": PREVIEW_WEIGHTS, "preview": True}
        return settings, no_dream, 1, facts, preview_store(output, options, "zoom", settings, **inputs)
    engine = Engine(settings, options)
    octaves = engine.fit(first.shape[1], first.shape[0], progress)
    settings = engine.prepare(first)
    dream, steps = engine_dream(engine, settings, octaves, total, KEY_STEP if settings.cadence > 1 else 1.0)
    store = FrameStore(work, resumable(work, manifest("zoom", settings, **inputs)), options.restart)
    facts = {"weights_source": engine.model.weights_source, "precision": engine.precision}
    return settings, dream, steps, facts, store


def start_of(origin: str | None, options: RunOptions, progress: Reporter) -> str:
    """The start: as given, else a replayed sidecar's start image (said in a note), else noise."""
    if origin is not None:
        return origin
    replayed = replayed_start(read_preset(options.preset)) if options.preset else None
    if replayed:
        progress.note(f"starting from {replayed}, the start image the sidecar records")
    return replayed or "noise"


def render_zoom(settings: Settings, origin: str | None, output: Path, options: RunOptions,
                progress: Reporter = Silent()) -> Path:
    """Render zoom frames from noise or an image into any output format (with the music, if any).

    ``origin`` None: the start image of the sidecar being replayed (``options.preset``), else noise.
    """
    origin = start_of(origin, options, progress)
    fmt = check_render(output, settings, options, "zoom", None if origin == "noise" else Path(origin))
    if settings.preview:
        check_preview_output(output)
    work = preview_folder(output, options) if settings.preview else work_folder(output, options)
    settings = with_seed(settings, None if options.restart else work)
    first = zoom_origin(origin, settings, progress.note)
    say_fit(fmt, first.shape[1], first.shape[0], progress.note)
    times, track = timeline(settings)
    camera, lead = zoom_camera(settings, times)  # a bad schedule stops here, before the model loads
    strengths = settings.series("color_strength", times)  # so does a bad strength: no folder is left
    total = times.frames + lead
    settings, dream, steps, facts, store = _dream_and_store(
        settings, options, output, work, first, total, _inputs(settings, origin, times, track), progress)
    color = ColorLock(settings.color_coherence, strengths, None if origin == "noise" else first)
    tail = LoopTail(store, times.frames, lead) if settings.loop else None
    plan = ZoomPlan(dream, first, camera, store, total=total, steps=steps, cadence=settings.cadence,
                    color=color, tail=tail)
    with removed_if_stopped(store, options, settings.preview):
        indices = fill(plan, store, progress)[lead:]  # a loop's lead-in frames are not shown
        sound = (track.path, 0.0, times.frames / settings.fps) if track else None  # a format without audio says so
        extra: dict = {}
        if settings.loop:
            extra["loop_seam_ratio"] = measured_seam(store.load(i) for i in indices)
            progress.note(f"loop of {len(indices)} frames, the last {lead} faded into the first; "
                          f"{seam_note(extra['loop_seam_ratio'])}")
        text = sidecar_text(output, settings, "zoom", **facts, **{"from": origin}, **extra)
        frames = Numbered(store, lead) if settings.preview else store
        assemble_video(frames, indices, output, settings.fps, settings.crf, sound, text, loop=settings.loop,
                       format=fmt, note=progress.note)
    finish(store, options)
    return output
