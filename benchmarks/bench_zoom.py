"""A whole zoom render with the bundled model, against a seed-style zoom loop, one process.

Target (CPU, 2 cores): 30 frames at 256x256 in under 60 s. The baseline is the seed's
way of making the same video: the model rebuilt for every frame, then encoded
afterwards. Both dream the same frames with the same settings.

    python benchmarks/bench_zoom.py [--frames 30] [--size 256]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg

from dreamvideo.media.encode import VideoWriter
from dreamvideo.render import Engine, RunOptions, render_zoom
from dreamvideo.render.zoom import zoom_origin as zoom_start, zoom_step
from dreamvideo.settings import resolve


def seed_style(settings, out: Path) -> None:
    """Rebuild the model per frame (as the seed's loop does), keep frames, encode at the end."""
    frames = []
    frame = zoom_start("noise", settings)
    for index in range(settings.frames):
        if index:
            frame = zoom_step(frame, settings, index)
        frame = Engine(settings, RunOptions()).dream(frame, index)
        frames.append(frame)
    with VideoWriter(out, settings.fps) as writer:
        for frame in frames:
            writer.write(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    settings = resolve(None, {"frames": args.frames, "size": f"{args.size}x{args.size}", "seed": 0})
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        seed_style(settings, Path(tmp) / "seed.mp4")
        base = time.perf_counter() - start
        start = time.perf_counter()
        out = render_zoom(settings, "noise", Path(tmp) / "ours.mp4", RunOptions())
        ours = time.perf_counter() - start
        frames = imageio_ffmpeg.count_frames_and_secs(str(out))[0]
    print(f"zoom {args.frames} frames {args.size}x{args.size}, efficientnet-lite0, default settings")
    print(f"seed-style loop: {base:6.1f} s ({base / args.frames:.2f} s/frame)")
    print(f"dreamvideo zoom: {ours:6.1f} s ({ours / args.frames:.2f} s/frame), {frames} frames in the MP4")
    print(f"speed-up: {base / ours:.2f}x; target 60 s: {'met' if ours < 60 else 'MISSED'}")


if __name__ == "__main__":
    main()
