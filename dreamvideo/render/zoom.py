"""A zoom ("dive"): dream a frame, move the camera into it, dream again; resumable.

The first frame gets the full dream. Later frames start from the previous dream,
zoomed, which already holds it, so they use the lighter ``frame_octaves`` x
``frame_steps`` schedule (``benchmarks/bench_zoom.py`` measures speed and strength).
With ``audio``, the track sets the frame count, its features feed the schedules'
expressions, and it is muxed into the MP4.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from ..media import audio as music
from ..media.encode import VIDEO_SUFFIXES
from ..motion.camera import Camera, start_frame
from ..progress import Advance, Reporter, Silent
from ..settings import Settings
from ..settings.schedule import Timeline
from .assemble import assemble_video, check_target
from .common import finish, with_seed, work_folder
from .engine import Engine, RunOptions, dream_config
from .loop import fill
from .sidecar import manifest, sidecar_text
from .store import FrameStore

DEFAULT_FRAMES = 60
zoom_origin = start_frame  # the first frame: seeded noise or an image fitted to ``size``


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


class ZoomPlan:
    """Frame i is the dream of frame i-1 moved by the camera; frame 0 dreams the origin."""

    def __init__(self, engine: Engine, settings: Settings, first: np.ndarray, camera: Camera,
                 frames: int, octaves: int) -> None:
        self.engine, self.settings, self.frame, self.camera = engine, settings, first, camera
        self.total = frames
        self.light_octaves = min(settings.frame_octaves, octaves)
        self.light_steps = min(settings.frame_steps, settings.steps)
        self.full_steps = dream_config(settings, octaves=octaves).total_steps
        light = dream_config(settings, self.light_steps, self.light_octaves).total_steps
        self.steps = light if self.total > 1 else self.full_steps

    def indices(self) -> Iterator[int]:
        return iter(range(self.total))

    def make(self, index: int, advance: Advance) -> np.ndarray:
        if index:
            self.frame = self.camera.step(self.frame, index)
            self.frame = self.engine.dream(self.frame, index, advance, self.light_steps,
                                           octaves=self.light_octaves)
        else:
            self.frame = self.engine.dream(self.frame, index, _scaled(advance, self.steps / self.full_steps))
        return self.frame

    def resume(self, index: int, frame: np.ndarray) -> None:
        self.frame = frame


def timeline(settings: Settings) -> tuple[Timeline, music.AudioFeatures | None]:
    """Frames, fps and, with ``audio``, the track's features (its length sets frames when not given)."""
    if not settings.audio:
        return Timeline(settings.frames or DEFAULT_FRAMES, settings.fps), None
    track = music.analyse(Path(settings.audio), settings.fps, settings.frames)
    return Timeline(track.frames, settings.fps, track.values), track


def render_zoom(settings: Settings, origin: str, output: Path, options: RunOptions,
                progress: Reporter = Silent()) -> Path:
    """Render zoom frames from noise or an image into an MP4 or GIF (with the music, if any)."""
    inputs = [Path(p) for p in (origin, settings.audio) if p and p != "noise"]
    check_target(output, VIDEO_SUFFIXES, *inputs)
    work = work_folder(output, options)
    settings = with_seed(settings, None if options.restart else work)
    first = zoom_origin(origin, settings, progress.note)
    times, track = timeline(settings)
    camera = Camera(settings, times)  # a bad schedule stops here, before the model loads
    engine = Engine(settings, options)
    octaves = engine.check_size(first.shape[1], first.shape[0], progress)
    settings = engine.prepare(first)
    inputs_used: dict = {"source": origin}
    if settings.uses("max_f"):  # frames shape the motion, so they are no longer encoding-only
        inputs_used["max_f"] = times.frames
    if track:  # another file under the same name must not resume these frames
        stat = track.path.stat()
        inputs_used.update(audio_size=stat.st_size, audio_mtime=stat.st_mtime)
    store = FrameStore(work, manifest("zoom", settings, **inputs_used), options.restart)
    indices = fill(ZoomPlan(engine, settings, first, camera, times.frames, octaves), store, progress)
    sound = (track.path, 0.0, times.frames / settings.fps) if track and output.suffix.lower() == ".mp4" else None
    text = sidecar_text(output, settings, "zoom", engine.model.weights_source, **{"from": origin})
    assemble_video(store, indices, output, settings.fps, settings.crf, sound, text)
    finish(store, options)
    return output
