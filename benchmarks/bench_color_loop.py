"""Zoom colour coherence and seamless loops: colour drift, strength, seam ratio, with sheets.

Colour part: a zoom from ``Images/coffee.jpg`` (default 240 frames at 192x192,
default settings, bundled model, zoom 1.04) with ``color_coherence`` none and lab,
the match applied on the dream's input (the default), on its output, or both. All
variants run the real zoom plan with one shared model, frame by frame interleaved.

- colour distance to the start image over frames 120 onward: per LAB channel the
  1-D Wasserstein distance between the value distributions (mean |quantile
  difference| at 99 quantiles), averaged over channels and frames; ratio to none;
- strength: mean squared activation at the dreamed layer over frames 10 onward;
- a sheet: the start image, then each variant at five frames.

Loop part: ``render_zoom`` with ``loop`` (default 48 frames at 128x128, as the
``loop-gif`` preset): the seam ratio (mean |f[0] - f[last]| over the mean step
inside the loop; goal <= 1.3), the mean step against the same zoom without
``loop`` (so a frozen dream cannot pass), and a sheet of the frames around the seam.

    python benchmarks/bench_color_loop.py [--frames 240] [--size 192] [--loop-frames 48] [--loop-size 128]
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import harness
import numpy as np
import torch
from skimage import color

from dreamvideo.core.transforms import to_tensor
from dreamvideo.media.sources import load_image
from dreamvideo.motion.camera import Camera, start_frame
from dreamvideo.render import Engine, RunOptions, render_zoom
from dreamvideo.render.zoom_plan import ColorLock, Dream, ZoomPlan
from dreamvideo.render.store import FrameStore
from dreamvideo.render.seamless_video import seam_ratio
from dreamvideo.render.zoom import engine_dream, timeline
from dreamvideo.settings import resolve

COFFEE = Path(__file__).resolve().parent.parent / "Images" / "coffee.jpg"
QUANTILES = np.linspace(0.005, 0.995, 99)
# name: (colour space, match the dream's input (the render's way), match its output too)
VARIANTS = {"none": ("none", False, False), "lab input": ("lab", True, False), "lab output": ("lab", False, True),
            "lab both": ("lab", True, True)}


def lab_distance(frame: np.ndarray, reference_quantiles: np.ndarray) -> float:
    lab = color.rgb2lab(frame).reshape(-1, 3)
    return float(np.mean([np.abs(np.quantile(lab[:, c], QUANTILES) - reference_quantiles[c]).mean()
                          for c in range(3)]))


def output_matched(dream: Dream, lock: ColorLock) -> Dream:
    """The zoom's dream with its output matched to the reference as well (the variant measured)."""
    def matched(frame: np.ndarray, index: int, advance, first: bool) -> np.ndarray:
        return lock.apply(dream(frame, index, advance, first), index, first)
    return matched


def color_run(settings, names: list[str], work: Path) -> tuple[Engine, np.ndarray, dict[str, list[np.ndarray]]]:
    engine = Engine(settings, RunOptions(device="cpu"))
    first = start_frame(str(COFFEE), settings)
    times, _ = timeline(settings)
    dream, steps = engine_dream(engine, settings, engine.check_size(first.shape[1], first.shape[0]), times.frames)
    strengths = settings.series("color_strength", times)
    plans = {}
    for name in names:
        space, on_input, on_output = VARIANTS[name]
        lock = ColorLock(space, strengths, first)
        store = FrameStore(work / name.replace(" ", "_"), {"bench": name})
        plans[name] = ZoomPlan(output_matched(dream, lock) if on_output else dream, first, Camera(settings, times),
                               store, total=times.frames, steps=steps, color=lock if on_input else None)
    frames: dict[str, list[np.ndarray]] = {name: [] for name in names}
    frame0 = plans[names[0]].make(0, lambda n: None)
    for name in names:
        if name != names[0]:
            plans[name].resume(0, frame0)
        frames[name].append(frame0)
    for index in range(1, times.frames):
        for name in names:
            frames[name].append(plans[name].make(index, lambda n: None))
        if index % 20 == 0:
            print(f"  frame {index}/{times.frames - 1}, load {os.getloadavg()[0]:.1f}", flush=True)
    return engine, first, frames


def color_report(engine: Engine, first: np.ndarray, frames: dict[str, list[np.ndarray]]) -> None:
    layer = engine.model.requested[0]
    ref = color.rgb2lab(first).reshape(-1, 3)
    ref_q = np.stack([np.quantile(ref[:, c], QUANTILES) for c in range(3)])
    half = len(next(iter(frames.values()))) // 2

    def energy(frame: np.ndarray) -> float:
        with torch.no_grad():
            return float(engine.model(to_tensor(frame))[layer].float().pow(2).mean())

    base = None
    print(f"\nvariant       colour distance (frames {half}-)  vs none   strength(10-)  vs none")
    for name, kept in frames.items():
        d = statistics.mean(lab_distance(f, ref_q) for f in kept[half:])
        e = statistics.mean(energy(f) for f in kept[10:])
        base = base or (d, e)
        print(f"  {name:<12} {d:12.2f}                  {d / base[0]:5.2f}x   {e:10.3f}   {e / base[1]:5.2f}x")


def loop_part(frames: int, size: int, work: Path, path: Path) -> None:
    results = {}
    for loop in (True, False):
        settings = resolve(None, {"size": f"{size}x{size}", "frames": frames, "seed": 0, "zoom": 1.04,
                                  "loop": loop, "fps": 12})
        folder = work / f"loop_{loop}"
        start = time.perf_counter()
        render_zoom(settings, "noise", work / f"loop_{loop}.gif", RunOptions(frames_dir=folder))
        kept = [load_image(p) for p in sorted(folder.glob("frame_??????.png"))]
        results[loop] = (kept[len(kept) - frames:], time.perf_counter() - start)
    looped, plain = results[True][0], results[False][0]
    steps = [np.abs(b.astype(np.float32) - a).mean() for a, b in zip(looped, looped[1:])]
    plain_steps = [np.abs(b.astype(np.float32) - a).mean() for a, b in zip(plain, plain[1:])]
    print(f"\nloop of {frames} frames at {size}x{size}: seam ratio {seam_ratio(looped):.2f} "
          f"(seam {np.abs(looped[0].astype(np.float32) - looped[-1]).mean():.2f} grey levels, mean step "
          f"{np.mean(steps):.2f}, largest step {np.max(steps):.2f}); the same zoom without loop: mean step "
          f"{np.mean(plain_steps):.2f}, seam ratio {seam_ratio(plain):.2f}; "
          f"{results[True][1]:.0f} s with loop, {results[False][1]:.0f} s without")
    around = list(range(frames - 4, frames)) + [0, 1, 2]
    harness.sheet(path, [[looped[i] for i in around], [plain[i] for i in around]], ["loop", "no loop"],
                  [f"frame {i}" for i in around], cell=150)


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--frames", type=int, default=240)
    parser.add_argument("--size", type=int, default=192)
    parser.add_argument("--variants", nargs="+", default=["none", "lab input", "lab both"], choices=list(VARIANTS))
    parser.add_argument("--loop-frames", type=int, default=48)
    parser.add_argument("--loop-size", type=int, default=128)
    parser.add_argument("--part", choices=["color", "loop", "both"], default="both")
    parser.add_argument("--color-sheet", type=Path, default=Path("Images/examples/zoom-colour-coffee.jpg"))
    parser.add_argument("--loop-sheet", type=Path, default=Path("Images/examples/zoom-loop.jpg"))
    args = parser.parse_args()
    harness.start(args)
    with tempfile.TemporaryDirectory() as work:
        if args.part in ("loop", "both"):
            loop_part(args.loop_frames, args.loop_size, Path(work), args.loop_sheet)
        if args.part in ("color", "both"):
            settings = resolve(None, {"size": f"{args.size}x{args.size}", "frames": args.frames, "seed": 0,
                                      "zoom": 1.04})
            engine, first, frames = color_run(settings, args.variants, Path(work))
            picks = [0, args.frames // 4, args.frames // 2, 3 * args.frames // 4, args.frames - 1]
            harness.sheet(args.color_sheet, [[first] + [kept[i] for i in picks] for kept in frames.values()],
                          list(frames), ["start image"] + [f"frame {i}" for i in picks], cell=150)
            color_report(engine, first, frames)
    print(f"load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
