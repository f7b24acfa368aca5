"""Where frames come from: still images, seeded noise, and video clips streamed by ffmpeg."""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator, TypeVar

T = TypeVar("T")

import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import DreamError, first_line


def fit_longest(width: int, height: int, longest: int | None, even: bool = False) -> tuple[int, int]:
    """(width, height) scaled so the longest side is ``longest``; even sides for H.264."""
    if longest:
        scale = longest / max(width, height)
        width, height = max(1, round(width * scale)), max(1, round(height * scale))
    if even:
        width, height = max(2, width - width % 2), max(2, height - height % 2)
    return width, height


def load_image(path: Path, size: int | None = None, cover: tuple[int, int] | None = None) -> np.ndarray:
    """Read an image as uint8 RGB (H, W, 3).

    ``size`` resizes so the longest side is that long; ``cover`` = (width, height)
    scales to fill that canvas and centre-crops the rest.
    """
    if not path.is_file():
        raise DreamError(f"input image not found: {path}")
    try:
        with Image.open(path) as img:
            img = img.convert("RGB")
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise DreamError(f"cannot read image {path}: not a valid or complete image file") from exc
    if cover:
        return np.asarray(ImageOps.fit(img, cover, Image.Resampling.LANCZOS))
    new = fit_longest(img.width, img.height, size)
    if new != img.size:
        img = img.resize(new, Image.Resampling.LANCZOS)
    return np.asarray(img)


def noise(width: int, height: int, seed: int) -> np.ndarray:
    """Seeded grey noise: the seed's "dive" starting point."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(0.3, 0.7, (height, width, 3)) * 255).round().astype(np.uint8)


def exact_fps(fps: float) -> Fraction:
    """ffmpeg prints 29.97 for 30000/1001; recover the NTSC rationals exactly."""
    for base in (24, 30, 48, 60, 120):
        if abs(fps - base * 1000 / 1001) < 0.006:
            return Fraction(base * 1000, 1001)
    return Fraction(fps).limit_denominator(1000)


@dataclass(frozen=True)
class VideoInfo:
    """What the dreamer needs to know about a clip before reading its frames."""

    path: Path
    fps: Fraction
    width: int
    height: int
    duration: float
    has_audio: bool


def probe(path: Path) -> VideoInfo:
    """Read a clip's header (fps, size, duration, audio) without decoding frames."""
    if not path.is_file():
        raise DreamError(f"input video not found: {path}")
    reader = imageio_ffmpeg.read_frames(str(path))
    try:
        meta = next(reader)
    except (OSError, RuntimeError, StopIteration, IndexError, ValueError) as exc:
        raise DreamError(f"cannot read video {path}: not a video file or it is corrupt") from exc
    finally:
        reader.close()
    if not meta.get("fps"):
        raise DreamError(f"cannot read video {path}: no video stream with a frame rate")
    width, height = meta["size"]
    return VideoInfo(path, exact_fps(meta["fps"]), width, height, float(meta.get("duration") or 0),
                     "audio_codec" in meta)


def read_frames(info: VideoInfo, size: tuple[int, int], start: float = 0.0,
                end: float | None = None, max_frames: int | None = None) -> Iterator[np.ndarray]:
    """Stream uint8 RGB frames of the span [start, end), scaled to ``size`` by ffmpeg."""
    width, height = size
    input_params = ["-ss", f"{start:.6f}"] if start else []
    output_params = ["-vf", f"scale={width}:{height}:flags=bicubic"]
    if end is not None:
        output_params += ["-t", f"{end - start:.6f}"]
    if max_frames:
        output_params += ["-frames:v", str(max_frames)]
    reader = imageio_ffmpeg.read_frames(str(info.path), input_params=input_params,
                                        output_params=output_params)
    try:
        next(reader)
        for raw in reader:
            yield np.frombuffer(raw, np.uint8).reshape(height, width, 3)
    except (OSError, RuntimeError) as exc:
        raise DreamError(f"cannot decode video {info.path}: {first_line(exc)}") from exc
    finally:
        reader.close()


def streams(path: Path) -> dict[str, int]:
    """Count video and audio streams as ffmpeg reports them (there is no ffprobe to ask)."""
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                            capture_output=True, text=True)
    return {kind: len(re.findall(rf"Stream #\d+:\d+.*: {kind.title()}:", result.stderr))
            for kind in ("video", "audio")}


def prefetch(items: Iterator[T], depth: int = 4) -> Iterator[T]:
    """Run an iterator on a background thread, ``depth`` items ahead.

    Decoding the next frames then overlaps with dreaming the current one; an
    exception in the producer is re-raised in the consumer.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put((done, None))
        except BaseException as exc:  # handed to the consumer
            buffer.put((done, exc))

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        while True:
            item, error = buffer.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
