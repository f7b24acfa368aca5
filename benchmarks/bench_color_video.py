"""Colour coherence for video on real footage: every `color_coherence` space on the same frames, one run.

Each frame's output is histogram-matched to its own source frame. Per space it prints how far
the output's colours are from the source's, per LAB channel (mean over frames of
|channel mean out - channel mean source|, and the same for the channel's spread), with the
flicker ratio and the strength (activation gain over the input) and its ratio to `none`.
A frame sheet (input, none, lab, hsv, rgb) goes to --sheets.

    python benchmarks/bench_color_video.py [--threads 1] [--clip bigbuckbunny] [--steps 10] [--frames 12]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from skimage.color import rgb2lab

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cadence_video import energy_of, render  # noqa: E402
from harness import clip_path, clips, parser, sheet, start  # noqa: E402
import measures  # noqa: E402
from dreamvideo.motion.color import SPACES  # noqa: E402
from dreamvideo.render import Engine, RunOptions  # noqa: E402
from dreamvideo.settings import resolve  # noqa: E402


def lab_distance(inputs: list[np.ndarray], outputs: list[np.ndarray]) -> np.ndarray:
    """Rows (mean, spread) by columns L, a, b: mean |out - source| of the per-frame channel statistic."""
    stats = []
    for raw, out in zip(inputs, outputs):
        a, b = rgb2lab(raw / 255).reshape(-1, 3), rgb2lab(out / 255).reshape(-1, 3)
        stats.append([np.abs(b.mean(0) - a.mean(0)), np.abs(b.std(0) - a.std(0))])
    return np.mean(stats, axis=0)


def main() -> int:
    args = parser(__doc__)
    args.add_argument("--clip", default="bigbuckbunny", choices=clips.CLIPS)
    args.add_argument("--steps", type=int, default=10)
    args.add_argument("--frames", type=int, default=12)
    args.add_argument("--strength", type=float, default=1.0)
    args.add_argument("--sheets", type=Path, default=Path("bench-sheets"))
    args = args.parse_args()
    start(args)
    inputs = clips.frames(clip_path(args.clip), args.frames, 320)
    settings = resolve(None, {"steps": args.steps, "seed": 0, "color_strength": args.strength})
    engine = Engine(settings, RunOptions(device="cpu"))
    energy = energy_of(engine, inputs[0])
    print(f"{args.clip}: {len(inputs)} frames, steps {args.steps}, strength {args.strength}\n"
          f"  {'space':5} {'dL':>5} {'da':>5} {'db':>5} {'sL':>5} {'sa':>5} {'sb':>5} "
          f"{'flicker':>7} {'strength':>8} {'vs none':>7}")
    rows, base = [inputs], None
    for space in SPACES:
        outputs, _ = render(engine, settings.model_copy(update={"color_coherence": space}), inputs)
        gain = measures.strength(inputs, outputs, energy)
        base = base or gain
        (dl, da, db), (sl, sa, sb) = lab_distance(inputs, outputs)
        print(f"  {space:5} {dl:5.2f} {da:5.2f} {db:5.2f} {sl:5.2f} {sa:5.2f} {sb:5.2f} "
              f"{measures.flicker_ratio(inputs, outputs):7.2f} {gain:8.2f} {gain / base:7.2f}", flush=True)
        rows.append(outputs)
    sheet(args.sheets / f"color-{args.clip}-steps{args.steps}.png", [r[3:9] for r in rows],
          labels=["input", *SPACES], columns=[f"frame {i}" for i in range(3, 9)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
