"""Chunk plans: which frames each worker dreams, which it keeps, and how seams are faded.

A clip of N frames is cut into chunks of ``chunk_frames`` kept frames. Chunk k>0
starts dreaming ``warmup`` frames before its first kept frame, so the carried
coherence state has settled by then, and those frames are thrown away. With an
``overlap`` O, chunk k-1 also dreams the first O frames of chunk k, and the two
versions of those frames are cross-faded, so the switch from one chunk's dream to
the next is spread over O frames instead of landing on one.

The plan depends only on the frame count and these three numbers, never on the
number of workers: the same command gives the same frames on 1 GPU or 64.
Pure functions of numbers and arrays: no Ray, no torch, no files. Flicker itself is
measured by the render's own meter (:mod:`..motion.metrics`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..errors import DreamError

if TYPE_CHECKING:  # the meter is only handed in: no torch here
    from ..motion.metrics import RenderMeter

# Defaults for --chunk-frames, --warmup-frames and --overlap-frames, chosen from
# benchmarks/bench_seams.py (see docs/benchmarks.md, Seams, and docs/guides/ray.md).
DEFAULT_CHUNK = 120
DEFAULT_WARMUP = 4
DEFAULT_OVERLAP = 8


@dataclass(frozen=True)
class Chunk:
    """Chunk ``number`` keeps frames [first, stop) and dreams [first - lead, stop + tail).

    Its first ``fade_in`` kept frames are shared with (faded from) the previous chunk,
    and its ``tail`` frames past ``stop`` are faded into the next chunk.

    ``stop`` is None for the last chunk of a clip whose length is only estimated:
    it runs to the end of the stream.
    """

    number: int
    first: int
    stop: int | None
    lead: int = 0
    tail: int = 0
    fade_in: int = 0  # how many of its first kept frames the previous chunk also dreams

    @property
    def dream_start(self) -> int:
        return self.first - self.lead

    @property
    def dream_stop(self) -> int | None:
        return None if self.stop is None else self.stop + self.tail

    @property
    def label(self) -> str:
        """How errors name the chunk: its number and kept frames."""
        end = "end" if self.stop is None else str(self.stop - 1)
        return f"chunk {self.number} (frames {self.first}-{end})"

    def role(self, index: int) -> str:
        """'warmup' (discard), 'head' (fades in), 'own' (kept as is) or 'tail' (fades out)."""
        if index < self.first:
            return "warmup"
        if self.stop is not None and index >= self.stop:
            return "tail"
        return "head" if self.number and index < self.first + self.fade_in else "own"


def plan(total: int, chunk_frames: int, warmup: int, overlap: int = 0, open_end: bool = False) -> list[Chunk]:
    """Cut ``total`` frames into chunks; a last chunk too short to fade into is merged.

    ``open_end``: ``total`` is an estimate, so the last chunk reads to the end of the
    stream. Its minimum length then keeps a few frames of margin, so an estimate
    that is a frame or two high cannot leave a chunk with nothing to dream.
    """
    if chunk_frames < 1:
        raise DreamError(f"`chunk_frames` must be at least 1, got {chunk_frames}")
    if warmup < 0 or overlap < 0:
        raise DreamError(f"`warmup_frames` and `overlap_frames` must be 0 or more, got {warmup} and {overlap}")
    if overlap >= chunk_frames:
        raise DreamError(f"`overlap_frames` ({overlap}) must be less than `chunk_frames` ({chunk_frames})")
    starts = list(range(0, max(total, 1), chunk_frames))
    shortest = overlap + 1 + (4 if open_end else 0)
    while len(starts) > 1 and total - starts[-1] < shortest:
        starts.pop()
    chunks = []
    for k, first in enumerate(starts):
        last = k == len(starts) - 1
        stop = None if last and open_end else (total if last else starts[k + 1])
        chunks.append(Chunk(k, first, stop, lead=min(warmup, first) if k else 0,
                            tail=0 if last else overlap, fade_in=overlap if k else 0))
    return chunks


def fade_weight(chunk: Chunk, index: int) -> float:
    """Weight of ``chunk``'s own dream at a frame it shares with a neighbour (1 elsewhere).

    Linear across the overlap, never 0 or 1 inside it, so both dreams contribute to
    every shared frame and the two weights of a frame add up to 1.
    """
    role = chunk.role(index)
    if role == "head":
        return (index - chunk.first + 1) / (chunk.fade_in + 1)
    if role == "tail":
        return 1 - (index - chunk.stop + 1) / (chunk.tail + 1)
    return 1.0


def mix(parts: Sequence[tuple[float, np.ndarray]]) -> np.ndarray:
    """Cross-fade the dreams two chunks made of one frame, by their fade weights.

    Both are dreams of the same input frame, so fading their detail (dream minus
    input) with weights that add up to 1 is fading the dreamed frames themselves.
    A lone part (the next chunk found the stream already ended) is used as it is.
    """
    total = sum(weight for weight, _ in parts)
    mixed = sum(weight / total * frame.astype(np.float32) for weight, frame in parts)
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


def seam_steps(chunks: list[Chunk]) -> set[int]:
    """Steps t (frame t-1 to frame t) touched by a seam: the first frame of each chunk
    k>0 and every step across its fade, including the step out of it."""
    steps: set[int] = set()
    for chunk in chunks[1:]:
        steps.update(range(chunk.first, chunk.first + chunk.fade_in + 1))
    return steps


def seam_flicker(meter: RenderMeter, seams: set[int]) -> tuple[float, float, float] | None:
    """The seam figure: flicker at seam steps, flicker inside chunks, and their ratio.

    ``meter`` has measured the clip's frames in order. Both figures are flicker ratios
    against the input on the same steps, so seams that happen to fall on fast motion are
    not blamed for it. None without seams (or motion).
    """
    steps = range(1, len(meter.change_in) + 1)
    at = meter.flicker_on(t for t in steps if t in seams)
    inside = meter.flicker_on(t for t in steps if t not in seams)
    if not at or not inside:
        return None
    return at, inside, at / inside
