"""Worker side of a chunked video: dream one chunk's frames and stream them back.

A worker process builds its model once and reuses it for every chunk it is given.
It decodes the span with the same ffmpeg command as a single-process render and
makes each frame with the single-process video plan, so frame i here is frame i
there, byte for byte, whenever the chain state agrees.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
from PIL import Image

from ..media import sources
from ..settings import Settings
from . import distributed
from .chunks import Chunk
from .engine import Engine, RunOptions
from .video import VideoPlan


@dataclass(frozen=True)
class ChunkJob:
    """Everything a worker needs for one chunk; the source is a path or shipped bytes."""

    settings: Settings
    device: str | None
    source: Any
    size: tuple[int, int]
    start: float
    end: float | None
    chunk: Chunk


_ENGINE: dict[str, Engine] = {}


def _engine(settings: Settings, device: str | None) -> Engine:
    """One model per worker process, reused by every chunk it is given."""
    key = settings.model_dump_json() + str(device)
    if key not in _ENGINE:
        _ENGINE.clear()
        _ENGINE[key] = Engine(settings, RunOptions(device=device))
    return _ENGINE[key]


def png_bytes(frame: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def dream_chunk(job: ChunkJob) -> Iterator[tuple[int, bytes]]:
    """Worker side: dream a chunk's frames in order; yield each kept frame's index and PNG.

    Frames are decoded from the start of the span by the same ffmpeg command as a
    single-process render and skipped up to the warm-up, so frame i here is frame
    i there, byte for byte; each is made by the single-process render's own plan.
    """
    chunk, settings = job.chunk, job.settings
    engine = _engine(settings, job.device)
    distributed.pin_threads(engine.model.mean.device)
    info = sources.probe(distributed.materialise(job.source))
    limit = min(x for x in (settings.max_frames, chunk.dream_stop, 10**9) if x is not None)
    decoded = sources.read_frames(info, job.size, job.start, job.end, limit)
    frames = VideoPlan(engine, settings, itertools.islice(decoded, chunk.dream_start, None), None)
    for local in frames.indices():
        index = chunk.dream_start + local
        dreamed = frames.make(index, _ignore)
        if chunk.role(index) != "warmup":
            yield index, png_bytes(dreamed)


def _ignore(steps: int) -> None:
    """Workers report frames, not steps."""
