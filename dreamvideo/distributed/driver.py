"""A video dreamed in chunks by workers (Ray, or one process per core) and assembled once by the driver.

The driver decides the chunk plan, the seed and the settings; each worker dreams
one chunk's frames in order (warm-up first) and streams them back as lossless
PNG bytes (through Ray's object store, or a pipe from a local worker process), so no
shared file system is needed. The driver writes them into its frame store by index,
marks a chunk finished only when all of its frames are in, fades the frames two
chunks share, and encodes the output once, with the source's audio for the exact span.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import RUN_AGAIN, DreamError, interrupted, missing_frame
from ..media import sources
from ..media.encode import atomic
from ..motion.metrics import measured
from ..progress import Reporter, Silent
from ..render.common import with_seed, work_folder
from ..render.engine import Engine, RunOptions
from ..render.layout import FADES, chunk_files, fade_name, marker_name
from ..render.sidecar import manifest, resumable
from ..render.store import FrameStore
from ..render.video import Clip, check_animation, open_clip, publish_clip
from ..settings import Settings
from . import process_backend, ray_backend
from .chunks import (DEFAULT_CHUNK, DEFAULT_OVERLAP, DEFAULT_WARMUP, Chunk, fade_weight, mix, plan, seam_flicker,
                     seam_steps)
from .worker import ChunkJob, dream_chunk, ship_clip

# Finished chunks are trusted on a resume, so a frame missing from them comes back only with a restart.
RESTART = "add `restart` to render them again"


class ChunkStore:
    """The driver's record of finished chunks, beside the frame store's frames.

    Frames two chunks share are kept per chunk until both are in; a chunk counts as
    finished only once its marker is written, after its last frame.
    """

    def __init__(self, store: FrameStore, restart: bool) -> None:
        self.store = store
        self.fades = store.folder / FADES
        if restart:  # only the driver's own names: a user's file in a `frames_dir` stays
            for path in chunk_files(store.folder):
                path.unlink(missing_ok=True)

    def marker(self, chunk: Chunk) -> Path:
        return self.store.folder / marker_name(chunk.number)

    def finished(self, chunk: Chunk) -> dict[str, Any] | None:
        """The marker of an earlier run, if it was made for this very chunk and its frames
        are all still there (a frame found damaged at assembly is deleted, so the chunk
        is dreamed again on the next run)."""
        try:
            data = json.loads(self.marker(chunk).read_text())
        except (OSError, ValueError):
            return None
        if data.get("chunk") != asdict(chunk):
            return None
        last = data.get("last")
        for index in range(chunk.first, -1 if last is None else last + 1):
            shared = chunk.role(index) in ("head", "tail")
            if not (self.fade_path(index, chunk) if shared else self.store.path(index)).is_file():
                return None
        return data

    def fade_path(self, index: int, chunk: Chunk) -> Path:
        return self.fades / fade_name(index, chunk.number)

    def save(self, chunk: Chunk, index: int, data: bytes) -> None:
        shared = chunk.role(index) in ("head", "tail")
        path = self.fade_path(index, chunk) if shared else self.store.path(index)
        path.parent.mkdir(exist_ok=True)
        with atomic(path) as tmp:
            tmp.write_bytes(data)

    def finish(self, chunk: Chunk, last: int | None, gains: list[float]) -> None:
        """Written after the chunk's last frame: its plan, last index and frame strengths."""
        with atomic(self.marker(chunk)) as tmp:
            tmp.write_text(json.dumps({"chunk": asdict(chunk), "last": last, "gains": gains}))

    def blend(self, index: int, chunks: list[Chunk]) -> None:
        """Write frame ``index`` as the fade of the versions the chunks sharing it made."""
        parts = [(fade_weight(c, index), self.fade_path(index, c)) for c in chunks]
        parts = [(w, sources.load_image(p)) for w, p in parts if p.is_file()]
        if not parts:
            raise missing_frame(index, f"the finished chunks in {self.store.folder}", RESTART)
        self.store.save(index, mix(parts))


BACKENDS = ("auto", "ray", "processes")


@dataclass(frozen=True)
class Distribution:
    """How a render is spread: the CLI's --workers, --ray-address, --chunk-frames, --warmup-frames, --backend."""

    workers: int  # 0: every GPU (or CPU) of the cluster at ``address``
    address: str | None = None
    chunk_frames: int = DEFAULT_CHUNK
    warmup: int = DEFAULT_WARMUP
    overlap: int = DEFAULT_OVERLAP
    backend: str = "auto"  # auto: Ray when it is installed or `ray_address` is given, else processes

    def __post_init__(self) -> None:
        """Refused when made, before a clip is opened or a work folder written: a refused run
        must leave nothing that the corrected command would then call "settings changed"."""
        if self.backend not in BACKENDS:
            raise DreamError(f"`backend` must be one of {', '.join(BACKENDS)}; got '{self.backend}'")
        if self.runtime is process_backend:
            with process_backend.connect(self.workers, self.address):
                pass  # its checks only: workers start with the chunks
        else:
            ray_backend.check_workers(self.workers, self.address)

    @property
    def chosen(self) -> str:
        """"ray" or "processes": what "auto" means here."""
        if self.backend == "auto":
            return "ray" if self.address or ray_backend.installed() else "processes"
        return self.backend

    @property
    def runtime(self) -> Any:
        """The backend module: ``connect``, ``run_streaming`` (:mod:`.ray_backend` or :mod:`.process_backend`)."""
        return process_backend if self.chosen == "processes" else ray_backend


def _run_chunks(dist: Distribution, jobs: dict[int, ChunkJob], chunks: ChunkStore, clip: Clip,
                advance) -> dict[int, int | None]:
    """Every unfinished chunk as a task of the backend; frames are saved as they arrive."""
    last: dict[int, int | None] = {k: None for k in jobs}
    gains: dict[int, list[float]] = {k: [] for k in jobs}

    def on_item(k: int, item: tuple[int, bytes, float | None]) -> None:
        index, data, gain = item
        chunks.save(jobs[k].chunk, index, data)
        last[k] = index
        if jobs[k].chunk.role(index) != "tail":
            advance(1)
            gains[k] += [] if gain is None else [gain]

    with dist.runtime.connect(dist.workers, dist.address) as cluster:
        handle = ship_clip(clip.info, cluster)
        failures = dist.runtime.run_streaming(dream_chunk, {k: replace(job, source=handle) for k, job in jobs.items()},
                                              cluster, on_item, lambda k: chunks.finish(jobs[k].chunk, last[k], gains[k]))
    if failures:
        k = min(failures)
        more = f" ({len(failures) - 1} other chunk(s) failed too)" if len(failures) > 1 else ""
        raise DreamError(f"{jobs[k].chunk.label} failed: {failures[k]}{more}; finished chunks are kept "
                         f"in {chunks.store.folder}, {RUN_AGAIN} to redo the rest")
    return last


def _kept(chunk: Chunk, last: int | None) -> int:
    """Frames of the clip a finished chunk delivered (its fade-out frames count for the next)."""
    if last is None:
        return 0
    end = last if chunk.stop is None else min(last, chunk.stop - 1)
    return max(0, end - chunk.first + 1)


def _collect(chunks: ChunkStore, plan_: list[Chunk], ends: dict[int, int | None]) -> int:
    """Fade the shared frames and check that every frame 0..n-1 is in the store; returns n (0: the span
    had no frames, which ``publish_clip`` says)."""
    count = max((v for v in ends.values() if v is not None), default=-1) + 1
    for index in range(count):
        sharing = [c for c in plan_ if c.role(index) in ("head", "tail")
                   and (c.stop is None or index < c.stop + c.tail)]
        if sharing:
            chunks.blend(index, sharing)
        elif not chunks.store.path(index).is_file():  # the assembly pass reads and checks it again
            raise missing_frame(index, f"the finished chunks in {chunks.store.folder}", RESTART)
    return count


def _checked_clip(settings: Settings, source: Path, output: Path, options: RunOptions, dist: Distribution,
                  progress: Reporter) -> tuple[Clip, int | None]:
    """Everything a chunked render refuses, before anything is written: the cluster, the clip, the settings.

    Returns the clip and the frames its header promises (None if it cannot say).
    """
    ray_backend.probe(dist.address)  # an unreachable cluster is named before anything is read or written
    clip = open_clip(settings, source, output, options, progress)
    if settings.loop:  # the cross-fade joins the clip's two ends, which different chunks dream
        raise DreamError("`loop` is not available with `workers`; render the loop in one process")
    expected = clip.expected(settings.max_frames) or None
    check_animation(settings, expected, clip.fps)
    return clip, expected


def render_video(settings: Settings, source: Path, output: Path, options: RunOptions,
                 dist: Distribution, progress: Reporter = Silent()) -> Path:
    """Dream a clip in chunks on workers; the same output as one process, seams aside."""
    clip, expected = _checked_clip(settings, source, output, options, dist, progress)
    total = expected or 1  # the last chunk reads to the real end anyway
    plan_ = plan(total, dist.chunk_frames, dist.warmup, dist.overlap, open_end=True)
    work = work_folder(output, options)
    settings = with_seed(settings, None if options.restart else work)
    engine = Engine(settings, RunOptions(device="cpu"))  # model and layers checked before any worker starts
    octaves = engine.check_size(*clip.size, progress)
    if settings.objective:  # fitted to the clip's first frame once, here, so every worker dreams the same terms
        settings = engine.prepare(clip.first_frame())
    layout = {"chunk_frames": dist.chunk_frames, "warmup_frames": dist.warmup, "overlap": dist.overlap}
    made = manifest("video", settings, **clip.opened.identity(), chunks=layout)
    store = FrameStore(work, resumable(work, made), options.restart)
    chunks = ChunkStore(store, options.restart)
    markers = {c.number: chunks.finished(c) for c in plan_}
    ends = {k: marker["last"] for k, marker in markers.items() if marker}
    todo = {c.number: ChunkJob(settings=settings, device=options.device, info=clip.info, source=None,
                               size=clip.size, start=clip.start, end=clip.end, chunk=c, total=expected,
                               octaves=octaves) for c in plan_ if c.number not in ends}
    if ends:
        progress.note(f"resuming: {len(ends)} finished chunk(s) in {store.folder} are kept")
    advance = progress.task("frames", total)
    advance(sum(_kept(c, ends[c.number]) for c in plan_ if c.number in ends))
    try:
        if todo:
            ends.update(_run_chunks(dist, todo, chunks, clip, advance))
    except KeyboardInterrupt:
        raise interrupted(f"{len(ends)} finished chunk(s)", store.folder) from None
    count = _collect(chunks, plan_, ends)
    _publish(settings, clip, chunks, plan_, count, output, options, progress,
             weights=engine.model.weights_source, workers=dist.workers,
             backend=dist.chosen, **layout)
    return output


def _publish(settings: Settings, clip: Clip, chunks: ChunkStore, plan_: list[Chunk], count: int, output: Path,
             options: RunOptions, progress: Reporter, *, weights: str, **meta: Any) -> None:
    """End as a single-process render ends (``publish_clip``), with the meter's figures and the seam figure."""
    reader = clip.frames(settings.max_frames)  # the whole span: afterwards it can say whether the file ended early
    meter = measured(reader, (chunks.store.load(i) for i in range(count)))  # a damaged frame: assembly names it
    meter.gains += [g for c in plan_ for g in (chunks.finished(c) or {}).get("gains", [])]  # as workers measured
    seams = seam_flicker(meter, seam_steps(plan_))
    figure = dict(zip(("at_seams", "inside_chunks", "ratio"), (round(x, 3) for x in seams))) if seams else None
    publish_clip(settings, clip, reader, chunks.store, list(range(count)), output, options, progress,
                 weights=weights, **meta, flicker_ratio=meter.flicker, strength=meter.strength, seam_flicker=figure)
    progress.note(meter.summary())
    if seams is not None:
        progress.note(f"seams: flicker {seams[0]:.2f} at seams, {seams[1]:.2f} inside chunks ({seams[2]:.2f}x)")
