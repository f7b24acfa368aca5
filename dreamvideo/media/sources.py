"""Where frames come from: still images, seeded noise, and video clips streamed by ffmpeg.

Video as people really have it: variable frame rate (phones, screen recordings) is
resampled to a constant rate that keeps the duration; non-square pixels (SAR, e.g.
DV and old phone footage) and rotation tags are turned into square pixels at the
displayed aspect; a clip that ends early (truncated download) is read as far as it
goes and :meth:`FrameReader.shortfall` says how many frames were missing.
"""

from __future__ import annotations

import queue
import re
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Iterator, TypeVar

import imageio_ffmpeg
import numpy as np

from ..errors import DreamError, first_line, not_a_file
from . import ffmpeg
from .images import fit_longest, load_guide, load_image, working_size  # noqa: F401  (part of this module's API)

T = TypeVar("T")


def noise(width: int, height: int, seed: int) -> np.ndarray:
    """Seeded grey noise: the seed's "dive" starting point."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(0.3, 0.7, (height, width, 3)) * 255).round().astype(np.uint8)


def exact_fps(fps: float) -> Fraction:
    """ffmpeg prints 29.97 for 30000/1001; recover the NTSC rationals exactly."""
    for base in (24, 30, 48, 60, 120):
        if abs(fps - base * 1000 / 1001) < 0.006:
            return Fraction(base * 1000, 1001)
    if abs(fps - round(fps)) < 0.006:
        return Fraction(round(fps))
    return Fraction(fps).limit_denominator(100)


@dataclass(frozen=True)
class VideoInfo:
    """What the dreamer needs to know about a clip before reading its frames.

    ``width`` x ``height`` is the displayed size in square pixels (SAR and rotation
    applied); ``fps`` is the constant rate frames are read at; ``frames`` the count
    the header promises at that rate.
    """

    path: Path
    fps: Fraction
    width: int
    height: int
    duration: float
    has_audio: bool
    variable_rate: bool = False
    sar: Fraction = Fraction(1)
    coded_size: tuple[int, int] = (0, 0)

    @property
    def frames(self) -> int:
        return round(self.duration * self.fps)


def _video_line(header: str) -> str | None:
    lines = [line for line in header.splitlines()
             if re.match(r"\s*Stream #\d+:\d+.*: Video:", line) and "attached pic" not in line]
    return lines[0] if lines else None


def _number(pattern: str, text: str) -> float | None:
    match = re.search(pattern, text)
    return float(match.group(1)) if match else None


def parse_header(path: Path, header: str) -> VideoInfo:
    """Read fps, size, SAR, rotation, duration and audio from ``ffmpeg -i``'s stream listing."""
    line = _video_line(header)
    fps = _number(r" ([\d.]+) fps", line or "") or _number(r" ([\d.]+)k? tbr", line or "")
    if not line or not fps:
        raise DreamError(f"cannot read video {path}: no video stream with a frame rate")
    size = re.search(r" (\d+)x(\d+)[ ,\[]", line + " ")  # not the codec tag's "0x31637661)"
    if not size:
        raise DreamError(f"cannot read video {path}: no frame size in its header")
    width, height = int(size[1]), int(size[2])
    sar_match = re.search(r"SAR (\d+):(\d+)", line)
    sar = Fraction(int(sar_match[1]), int(sar_match[2])) if sar_match and int(sar_match[2]) else Fraction(1)
    sar = sar if sar > 0 else Fraction(1)
    tbr = _number(r" ([\d.]+) tbr", line)
    duration = re.search(r"Duration: (\d+):(\d+):([\d.]+)", header)
    seconds = int(duration[1]) * 3600 + int(duration[2]) * 60 + float(duration[3]) if duration else 0.0
    display_w, display_h = max(1, round(width * sar)), height
    rotation = _number(r"rotation of (-?[\d.]+) degrees", header) or 0
    if round(rotation) % 180 == 90:
        display_w, display_h = display_h, display_w
    return VideoInfo(path, exact_fps(fps), display_w, display_h, seconds,
                     bool(re.search(r"Stream #\d+:\d+.*: Audio:", header)),
                     variable_rate=bool(tbr and abs(tbr - fps) > 0.01 * tbr),
                     sar=sar, coded_size=(width, height))


def probe(path: Path) -> VideoInfo:
    """Read a clip's header without decoding frames."""
    if not path.is_file():
        raise not_a_file("input video", path)
    header = ffmpeg.run(["-i", str(path)]).stderr
    if "Invalid data found" in header or not _video_line(header):
        raise DreamError(f"cannot read video {path}: not a video file or it is corrupt")
    return parse_header(path, header)


def expected_frames(info: VideoInfo, start: float = 0.0, end: float | None = None,
                    max_frames: int | None = None) -> int:
    """How many frames the span [start, end) should give at ``info.fps``."""
    stop = min(end, info.duration) if end is not None and info.duration else (end or info.duration)
    count = max(0, round((stop - start) * info.fps))
    return min(count, max_frames) if max_frames else count


def audio_span(start: float, frames: int, fps: Fraction) -> tuple[float, float]:
    """(start, duration) of the source audio that goes with ``frames`` frames written from ``start``."""
    return start, float(frames / fps)


class FrameReader:
    """Uint8 RGB frames of the span [start, end) at ``info.fps``, scaled to ``size`` by ffmpeg.

    Iterate once. ``read`` counts the frames delivered and ``expected`` what the
    header promised; :meth:`shortfall` turns a short read into one warning line.
    """

    def __init__(self, info: VideoInfo, size: tuple[int, int], start: float = 0.0,
                 end: float | None = None, max_frames: int | None = None) -> None:
        self.info, self.size, self.start, self.end, self.max_frames = info, size, start, end, max_frames
        self.expected = expected_frames(info, start, end, max_frames)
        self.read = 0
        self.finished = False

    def _params(self) -> tuple[list[str], list[str]]:
        width, height = self.size
        # fps= resamples a variable rate to the constant output rate (a no-op for a
        # constant one); scale + setsar gives square pixels at the displayed aspect.
        filters = f"fps={self.info.fps},scale={width}:{height}:flags=bicubic,setsar=1"
        input_params = ["-ss", f"{self.start:.6f}"] if self.start else []
        output_params = ["-vf", filters, "-an", "-sn", "-dn"]
        if self.end is not None:
            output_params += ["-t", f"{self.end - self.start:.6f}"]
        if self.max_frames:
            output_params += ["-frames:v", str(self.max_frames)]
        return input_params, output_params

    def __iter__(self) -> Iterator[np.ndarray]:
        width, height = self.size
        input_params, output_params = self._params()
        reader = imageio_ffmpeg.read_frames(str(self.info.path), input_params=input_params,
                                            output_params=output_params)
        try:
            next(reader)
            for raw in reader:
                self.read += 1
                yield np.frombuffer(raw, np.uint8).reshape(height, width, 3)
            self.finished = True
        except (OSError, RuntimeError) as exc:
            if self.read == 0:
                raise DreamError(f"cannot decode video {self.info.path}: {first_line(exc)}") from exc
            self.finished = True  # a damaged tail: keep what was read, shortfall() says so
        finally:
            reader.close()

    def shortfall(self) -> str | None:
        """One warning line when the clip gave fewer frames than its header promised."""
        if not self.finished or self.read >= self.expected - 1:
            return None
        return (f"warning: read {self.read} of {self.expected} frames of {self.info.path.name}; "
                "the file ends early (truncated or damaged), the output has the frames that could be read")


def read_frames(info: VideoInfo, size: tuple[int, int], start: float = 0.0,
                end: float | None = None, max_frames: int | None = None) -> FrameReader:
    """Stream frames; see :class:`FrameReader` (kept as a function for existing callers)."""
    return FrameReader(info, size, start, end, max_frames)


def streams(path: Path) -> dict[str, int]:
    """Count video and audio streams as ffmpeg reports them (there is no ffprobe to ask)."""
    header = ffmpeg.run(["-i", str(path)]).stderr
    return {kind: len(re.findall(rf"Stream #\d+:\d+.*: {kind.title()}:", header))
            for kind in ("video", "audio")}


def prefetch(items: Iterable[T], depth: int = 4) -> Iterator[T]:
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
