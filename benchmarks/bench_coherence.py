"""Temporal consistency of video dreaming: none vs blend vs flow on the same clip, one run.

The figure is the mean warp error between consecutive output frames, using the
input's own optical flow: |out_t - warp(out_{t-1}, flow(in_t -> in_{t-1}))| on pixels
the forward-backward check trusts, in 0..255 grey levels. Lower is steadier. The
input clip's own figure is printed as the floor, and each mode's brightness drift
(mean of the last 5 frames minus the first 5) shows whether the chain creeps brighter.

    python benchmarks/bench_coherence.py [--clip FILE] [--frames 36] [--size 192]

Without --clip it pans across Images/chelsea.jpg (a moving camera, so flow matters).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from dreamvideo.motion import flow
from dreamvideo.media.encode import VideoWriter
from dreamvideo.media.sources import probe, read_frames
from dreamvideo.render import RunOptions, render_video


def iter_frames(path):
    info = probe(path)
    yield from read_frames(info, (info.width, info.height))
from dreamvideo.settings import resolve
from dreamvideo.media.sources import load_image

ROOT = Path(__file__).resolve().parent.parent


def pan_clip(path: Path, frames: int, size: int, speed: float) -> Path:
    """A camera sliding right (``speed`` px per frame) and slightly down over the cat."""
    image = load_image(ROOT / "Images" / "chelsea.jpg")
    h, w = size * 3 // 4, size
    with VideoWriter(path, 24) as writer:
        for i in range(frames):
            x, y = 20 + round(speed * i), 30 + round(speed * i / 3)
            writer.write(image[y:y + h, x:x + w])
    return path


def warp_error(inputs: list[np.ndarray], outputs: list[np.ndarray]) -> float:
    errors = []
    for t in range(1, len(inputs)):
        back = flow.flow(inputs[t], inputs[t - 1])
        mask = flow.consistency_mask(back, flow.flow(inputs[t - 1], inputs[t]))
        warped = flow.warp(outputs[t - 1].astype(np.float32), back)
        diff = np.abs(outputs[t].astype(np.float32) - warped).mean(-1)
        errors.append(float((diff * mask).sum() / max(mask.sum(), 1)))
    return float(np.mean(errors))


def drift(frames: list[np.ndarray]) -> float:
    return float(np.mean([f.mean() for f in frames[-5:]]) - np.mean([f.mean() for f in frames[:5]]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clip", type=Path)
    parser.add_argument("--frames", type=int, default=36)
    parser.add_argument("--size", type=int, default=192)
    parser.add_argument("--speed", type=float, default=1.0, help="pan speed of the built-in clip, px/frame")
    parser.add_argument("--preset", default=None, help="dream settings to use (default: built-in defaults)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = args.clip or pan_clip(Path(tmp) / "pan.mp4", args.frames, args.size, args.speed)
        inputs = list(iter_frames(clip))[: args.frames]
        print(f"clip: {clip.name}, {len(inputs)} frames, {inputs[0].shape[1]}x{inputs[0].shape[0]}")
        print(f"{'mode':8} {'warp error':>10} {'vs none':>8} {'drift':>7} {'s/frame':>8}")
        print(f"{'input':8} {warp_error(inputs, inputs):10.2f} {'':>8} {drift(inputs):7.2f}")
        results = {}
        for mode in ("none", "blend", "flow"):
            settings = resolve(args.preset, {"coherence": mode, "seed": 0, "max_frames": args.frames})
            out = Path(tmp) / f"{mode}.mp4"
            frames_dir = Path(tmp) / mode
            start = time.perf_counter()
            render_video(settings, clip, out, RunOptions(frames_dir=frames_dir))
            seconds = (time.perf_counter() - start) / len(inputs)
            outputs = [load_image(p) for p in sorted(frames_dir.glob("frame_*.png"))]
            results[mode] = warp_error(inputs, outputs)
            print(f"{mode:8} {results[mode]:10.2f} {results[mode] / results.get('none', results[mode]):8.2f}"
                  f" {drift(outputs):7.2f} {seconds:8.2f}")
    ok = results["flow"] < results["blend"] < results["none"]
    print("ordering flow < blend < none:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
