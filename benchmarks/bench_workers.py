"""One 2-thread process against one 1-thread worker process per core, for a default `video`.

Issue 27, item 4: on a shared machine a process's torch threads wait on each other at
every layer, so N one-thread processes may beat one N-thread process. Each case renders
the same clip with default settings (pyramid coherence), alternating (single, workers,
single, workers ...; load on a shared machine hits both alike), ``--repeats`` times, and
keeps the fastest run of each:

- single:    ``render_video`` in this process on ``--workers`` torch threads (what a plain `video` does)
- single-1t: the same on one thread (only with ``--cases ... single-1t``)
- processes: the chunked render on ``--workers`` one-thread worker processes (no Ray), chunks of
             ceil(frames / workers) so each worker dreams one chunk (plus the default warm-up
             and overlap frames, which are extra work)
- ray:       the same chunks on a local Ray runtime (only with ``--cases ... ray``)

Printed per case: frames/s of the whole render (start-up and encode included), the ratio
to single, the render's flicker ratio and strength (its own meter) and, for chunked cases,
the seam figure (flicker at seams over flicker inside chunks): chunks restart the
coherence state after a warm-up, so a seam may show. A PNG sheet shows frames around the
seam of each case.

    python benchmarks/bench_workers.py                           # 48 frames at 256 px, about 6-10 min on 2 cores
    python benchmarks/bench_workers.py --frames 8 --size 96 --repeats 1   # a smoke run
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from harness import clip_path, parser, ratios, sheet, start

from dreamvideo.distributed import driver
from dreamvideo.distributed.chunks import DEFAULT_OVERLAP
from dreamvideo.media.sources import load_image
from dreamvideo.progress import Notes
from dreamvideo.render import RunOptions, layout, render_video
from dreamvideo.media.sequence_output import sidecar_path
from dreamvideo.settings import resolve

CASES = ("single", "single-1t", "processes", "ray")


def render(case: str, args: Any, work: Path) -> dict[str, Any]:
    """One render from scratch in its own folder; its seconds, frames and the sidecar's figures."""
    settings = resolve(None, {"size": args.size, "max_frames": args.frames, "seed": 0, "precision": args.precision})
    work = Path(tempfile.mkdtemp(prefix=f"{case}-", dir=work))
    out, frames_dir, notes = work / "out.mp4", work / "frames", Notes()
    options = RunOptions(frames_dir=frames_dir)
    started = time.perf_counter()
    if case.startswith("single"):
        threads = torch.get_num_threads()
        torch.set_num_threads(1 if case == "single-1t" else args.workers)
        try:
            render_video(settings, clip_path(args.clip), out, options, notes)
        finally:
            torch.set_num_threads(threads)
    else:
        chunk = math.ceil(args.frames / args.workers)
        dist = driver.Distribution(workers=args.workers, chunk_frames=chunk, backend=case,
                                   overlap=min(DEFAULT_OVERLAP, chunk // 3))  # the default, or less for a smoke run
        driver.render_video(settings, clip_path(args.clip), out, options, dist, notes)
    seconds = time.perf_counter() - started
    frames = [load_image(frames_dir / layout.name(i)) for i in layout.indices(frames_dir)]
    meta = yaml.safe_load(sidecar_path(out).read_text())["meta"]
    seams = meta.get("seam_flicker") or {}
    return {"s/frame": seconds / len(frames), "flicker": meta["flicker_ratio"], "strength": meta["strength"],
            "seam ratio": seams.get("ratio", float("nan")), "frames": frames}


def main() -> int:
    args_in = parser(__doc__)
    args_in.add_argument("--cases", nargs="+", default=["single", "processes"], choices=CASES)
    args_in.add_argument("--repeats", type=int, default=2, help="alternating runs per case")
    args_in.add_argument("--workers", type=int, default=2, help="worker processes, and the single process's threads")
    args_in.add_argument("--size", type=int, default=256)
    args_in.add_argument("--frames", type=int, default=48)
    args_in.add_argument("--precision", default="fp32", help="fp32 keeps bf16's probe out of the timing")
    args_in.add_argument("--clip", default="bigbuckbunny")
    args_in.add_argument("--sheet", type=Path, default=Path("workers_sheet.png"))
    args = args_in.parse_args()
    start(args)
    runs: dict[str, list[dict[str, Any]]] = {case: [] for case in args.cases}
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        for _ in range(args.repeats):
            for case in runs:
                runs[case].append(render(case, args, Path(tmp)))
                print(f"  {case}: {runs[case][-1]['s/frame'] * len(runs[case][-1]['frames']):.1f} s", flush=True)
    best = {case: min(r, key=lambda x: x["s/frame"]) for case, r in runs.items()}
    print(ratios({case: {k: v for k, v in r.items() if k != "frames"} for case, r in best.items()}, "single"))
    print("(s/frame ratio: speed-up over single; flicker/strength/seam ratio: value / single's; "
          "single has no seams, so its seam column is nan)")
    seam = math.ceil(args.frames / args.workers)
    picks = [i for i in range(seam - 2, seam + 3) if 0 <= i < args.frames]
    sheet(args.sheet, [[r["frames"][i] for i in picks] for r in best.values()],
          [f"{case}: frames {picks[0]}-{picks[-1]} (seam at {seam})" for case in best], cell=160)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
