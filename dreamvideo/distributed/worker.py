"""Worker side of a chunked video: dream one chunk's frames and stream them back.

A worker process builds its model once (the render's model cache) and reuses it for
every chunk it is given.
It reads its frames exactly as a single-process render does and makes each with
the single-process video plan, so frame i here is frame i there, byte for byte,
whenever the chain state agrees.
"""

from __future__ import annotations

import io
import itertools
import math
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from PIL import Image

from ..media import sources
from ..render.engine import Engine, RunOptions, cached_model
from ..render.store import FrameStore
from ..render.video_plan import VideoPlan
from ..settings import Settings
from . import ray_backend
from .backend import Cluster, pin_threads
from .chunks import Chunk


@dataclass(frozen=True, kw_only=True)
class ChunkJob:
    """Everything a worker needs for one chunk, named at each use: the clip as the driver opened it
    (``info``) and its files as shipped (``source``: :func:`ship_clip`)."""

    settings: Settings
    device: str | None
    info: sources.VideoInfo
    source: Any
    size: tuple[int, int]
    start: float
    end: float | None
    chunk: Chunk
    # As the single-process render sets them: schedules run over the clip's frame count
    # (and `info`'s rate), and small frames dream with the octaves that fit.
    total: int | None = None
    octaves: int | None = None


def png_bytes(frame: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def ship_clip(info: sources.VideoInfo, cluster: Cluster) -> Any:
    """The clip's files as workers reach them: the video file, or every file of an image sequence."""
    if info.files:
        return tuple(ray_backend.ship(path, cluster) for path in info.files)
    return ray_backend.ship(info.path, cluster)


def shipped_clip(job: ChunkJob) -> sources.VideoInfo:
    """Worker side: the driver's clip (the same rate, timing and frames: nothing is probed again) read
    from the shipped files; of a sequence only the files the chunk reads (:func:`chunk_files`)."""
    info = job.info
    if not info.files:
        return replace(info, path=ray_backend.materialise(job.source))
    span = chunk_files(job)
    files = [ray_backend.materialise(handle) if index in span else path  # the rest is never read
             for index, (path, handle) in enumerate(zip(info.files, job.source))]
    return replace(info, files=tuple(files))


def chunk_files(job: ChunkJob) -> range:
    """The indices of the sequence files a chunk reads: from its first dreamed frame when :func:`chunk_frames`
    seeks there, else from the span's start; to the chunk's last frame."""
    grid, count = job.start * job.info.fps, len(job.info.files)
    start = math.ceil(grid - 1e-6)
    first = start + job.chunk.dream_start if abs(grid - round(grid)) < 1e-6 else start
    stop = count if job.chunk.dream_stop is None else min(count, start + job.chunk.dream_stop)
    return range(first, stop)


def chunk_frames(info: sources.VideoInfo, job: ChunkJob) -> Iterator[np.ndarray]:
    """The input frames a chunk dreams, [dream_start, dream_stop), exactly as one process reads them.

    When the span starts on the clip's frame grid (always, from the beginning),
    ffmpeg seeks to just before the chunk's first frame: with a constant frame
    rate its output is then frame for frame the single-process stream from that
    index on (checked on synthetic and real clips). Otherwise the span is decoded
    from its start and the first frames are skipped, which is exact but costs a
    decode of everything before the chunk.
    """
    chunk, settings = job.chunk, job.settings
    first = chunk.dream_start
    limits = [x - first for x in (settings.max_frames, chunk.dream_stop) if x is not None]
    count = min(limits) if limits else None
    if count is not None and count <= 0:
        return iter(())
    grid = job.start * info.fps
    if first and abs(grid - round(grid)) < 1e-6:
        seek = float((round(grid) + first) / info.fps) - 1e-4  # a hair early: never past the frame
        end = None if job.end is None else seek + (job.end - job.start) - float(first / info.fps)
        return sources.read_frames(info, job.size, seek, end, count)
    decoded = sources.read_frames(info, job.size, job.start, job.end, None if count is None else first + count)
    return itertools.islice(decoded, first, None)


def dream_chunk(job: ChunkJob) -> Iterator[tuple[int, bytes, float | None]]:
    """Worker side: dream a chunk's frames in order; yield each kept frame's index, PNG and
    dream strength (None when the plan does not measure it).

    Each frame is made by the single-process render's own video plan, so a chunk
    is a single-process render of its span.
    """
    chunk, settings = job.chunk, job.settings
    engine = Engine(settings, RunOptions(device=job.device), cached_model(settings, job.device))
    pin_threads(engine.model.mean.device)
    info = shipped_clip(job)
    with tempfile.TemporaryDirectory(prefix="dreamvideo-chunk-") as scratch:
        frames = _plan(job, engine, chunk_frames(info, job), Path(scratch))
        for index in frames.indices():   # the plan counts from the chunk's first frame
            dreamed = frames.make(index, _ignore)
            if chunk.role(index) != "warmup":
                yield index, png_bytes(dreamed), _gain(frames)


def _plan(job: ChunkJob, engine: Engine, frames: Iterator[np.ndarray], scratch: Path) -> VideoPlan:
    """The single-process video plan. Its per-frame coherence state goes to a scratch store:
    a chunk is redone whole, so that state is never read back."""
    return VideoPlan(engine, job.settings, frames, job.total, FrameStore(scratch, {"kind": "chunk"}),
                     fps=float(job.info.fps), octaves=job.octaves, start=job.chunk.dream_start)


def _gain(plan: VideoPlan) -> float | None:
    """The frame's dream strength (activation gain), when the plan measures it."""
    meter = getattr(plan, "meter", None)
    gains = getattr(meter, "gains", None)
    return float(gains[-1]) if gains else None


def _ignore(steps: int) -> None:
    """Workers report frames, not steps."""
