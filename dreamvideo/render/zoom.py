"""A zoom ("dive"): dream a frame, move the camera into it, dream again; resumable."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ..core.transforms import to_tensor, to_uint8, zoom
from ..media import sources
from ..media.encode import VIDEO_SUFFIXES
from ..progress import Advance, Reporter, Silent
from ..settings import Settings
from .assemble import assemble_video, check_target
from .common import finish, with_seed, work_folder
from .engine import Engine, RunOptions, dream_config
from .loop import fill
from .sidecar import manifest, sidecar_text
from .store import FrameStore


def zoom_origin(origin: str, settings: Settings, note: Callable[[str], None] | None = None) -> np.ndarray:
    """The first frame: seeded noise (default 512x512) or an image fitted to ``size``."""
    size = settings.size
    if origin == "noise":
        width, height = (size, size) if isinstance(size, int) else size or (512, 512)
        return sources.noise(width, height, settings.seed)
    if isinstance(size, tuple):
        return sources.load_image(Path(origin), cover=size)
    return sources.load_image(Path(origin), size, cap=True, note=note)


def zoom_step(frame: np.ndarray, settings: Settings, index: int) -> np.ndarray:
    """The camera move into frame ``index``: zoom, rotate, translate."""
    moved = zoom(to_tensor(frame), settings.at("zoom", index), settings.at("rotate", index),
                 settings.at("translate", index))
    return to_uint8(moved)


class ZoomPlan:
    """Frame i is the dream of frame i-1 moved by the camera; frame 0 dreams the origin."""

    def __init__(self, engine: Engine, settings: Settings, first: np.ndarray) -> None:
        self.engine, self.settings = engine, settings
        self.total = settings.frames
        self.steps = dream_config(settings).total_steps
        self.frame = first

    def indices(self) -> Iterator[int]:
        return iter(range(self.settings.frames))

    def make(self, index: int, advance: Advance) -> np.ndarray:
        if index:
            self.frame = zoom_step(self.frame, self.settings, index)
        self.frame = self.engine.dream(self.frame, index, advance)
        return self.frame

    def resume(self, index: int, frame: np.ndarray) -> None:
        self.frame = frame


def render_zoom(settings: Settings, origin: str, output: Path, options: RunOptions,
                progress: Reporter = Silent()) -> Path:
    """Render ``settings.frames`` zoom frames from noise or an image into an MP4 or GIF."""
    check_target(output, VIDEO_SUFFIXES, *([] if origin == "noise" else [Path(origin)]))
    work = work_folder(output, options)
    settings = with_seed(settings, None if options.restart else work)
    first = zoom_origin(origin, settings, progress.note)
    engine = Engine(settings, options)
    engine.check_size(first.shape[1], first.shape[0])
    store = FrameStore(work, manifest("zoom", settings, source=origin), options.restart)
    indices = fill(ZoomPlan(engine, settings, first), store, progress)
    text = sidecar_text(output, settings, "zoom", engine.model.weights_source, **{"from": origin})
    assemble_video(store, indices, output, settings.fps, settings.crf, None, text)
    finish(store, options)
    return output
