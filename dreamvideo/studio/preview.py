"""Preview: the first frame of a render, dreamed in-process at low resolution.

A child process would spend most of its time importing torch and building the
model; the studio keeps models loaded instead (the render's own model cache,
:func:`~dreamvideo.render.engine.cached_model`) and dreams on a worker thread so
the server stays responsive. One preview runs at a time (a second waits), because
each already uses every core. This module
loads torch; the router imports it on the first preview only.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..errors import DreamError
from ..media import sources
from ..media.images import fit_longest
from ..media.inputs import open_input
from ..render.common import longest_side
from ..render.engine import Engine, RunOptions, cached_model
from ..render.video import first_frame as clip_frame
from ..settings import Settings

SIDE = 256  # longest side of a preview
_lock = threading.Lock()  # one preview dreams at a time


def _shrunk(size: tuple[int, int], settings: Settings) -> tuple[int, int]:
    """``size`` scaled down to the preview's side, or to the render's own ``size`` when smaller."""
    side = min(SIDE, longest_side(settings) or max(size), max(size))
    return fit_longest(*size, side)


def first_frame(kind: str, source: Path | None, settings: Settings) -> np.ndarray:
    """What the render dreams first, fitted as the render fits it: the image, the clip's first frame,
    or the seeded noise of a zoom from noise."""
    if source is None:  # a zoom from noise, at the render's aspect
        size = settings.size or 512
        width, height = _shrunk((size, size) if isinstance(size, int) else size, settings)
        return sources.noise(width, height, settings.seed or 0)
    if kind == "video":
        info = open_input(source, settings.fps).info
        frame = clip_frame(info, _shrunk((info.width, info.height), settings), settings.start, settings.end)
        if frame is None:
            raise DreamError(f"{source.name} has no video frames from `start` {settings.start:g}s")
        return frame
    if kind == "zoom" and isinstance(settings.size, tuple):  # a zoom covers WxH with its image
        return sources.load_image(source, cover=_shrunk(settings.size, settings))
    image = sources.load_image(source)
    return sources.load_image(source, max(_shrunk((image.shape[1], image.shape[0]), settings)))


def seeded(settings: Settings) -> Settings:
    """The settings with a seed (0 when none): a preview, and a sheet, dream the same each time."""
    return settings if settings.seed is not None else settings.model_copy(update={"seed": 0})


def dream_png(frame: np.ndarray, settings: Settings, model: Any) -> bytes:
    """``frame`` dreamed as the render dreams its first frame (its own engine, frame 0), as PNG bytes.
    Call it under ``_lock``: previews and sheets take turns."""
    engine = Engine(settings, RunOptions(), model)
    engine.check_size(frame.shape[1], frame.shape[0])
    engine.prepare(frame)
    buffer = io.BytesIO()
    Image.fromarray(engine.dream(frame, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def render_preview(kind: str, source: Path | None, settings: Settings) -> bytes:
    """The dreamed first frame as PNG bytes (run it on a worker thread)."""
    settings = seeded(settings)  # the engine seeds frame i with seed + i
    with _lock:
        return dream_png(first_frame(kind, source, settings), settings, cached_model(settings))
