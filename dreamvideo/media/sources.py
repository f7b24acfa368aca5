"""Where frames come from: still images, seeded noise, and video clips streamed by ffmpeg.

Video as people really have it: variable frame rate (phones, screen recordings) is
resampled to a constant rate that keeps the duration; non-square pixels (SAR, e.g.
DV and old phone footage) and rotation tags are turned into square pixels at the
displayed aspect; a clip that ends early (truncated download) is read as far as it
goes and :meth:`FrameReader.shortfall` says how many frames were missing. A source
with an alpha channel (ProRes 4444, HAP Alpha, RGBA PNG) is flattened on black.
Image sequences (``media/sequence_input.py``) are read through the same reader.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import imageio_ffmpeg
import numpy as np

from ..errors import DreamError, first_line, not_a_file
from . import ffmpeg, sequence_input
from .images import fit_longest, load_guide, load_image, working_size  # noqa: F401  (part of this module's API)
from .prefetch import prefetch  # noqa: F401  (part of this module's API)


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
    the header promises at that rate. ``files``: an image sequence's frames in order
    (``path`` is then the folder, pattern or glob); ``alpha``: flattened on black when read;
    ``timed``: frames held for their own delays (animated images), so a span is cut after
    resampling to ``fps`` and keeps the frame on screen at its start (a seek would drop it).
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
    files: tuple[Path, ...] = ()
    alpha: bool = False
    timed: bool = False

    @property
    def frames(self) -> int:
        return round(self.duration * self.fps)


def _video_line(header: str) -> str | None:
    lines = [line for line in header.splitlines()
             if re.match(r"\s*Stream #\d+:\d+.*: Video:", line) and "attached pic" not in line]
    return lines[0] if lines else None


def has_alpha(line: str) -> bool:
    """Whether a stream line's pixel format carries alpha (``yuva444p12le``, ``rgba``, ``argb``; not ``rgb0``)."""
    pix_fmt = re.search(r"Video: [^,]*, (\w+)", line)
    return bool(pix_fmt and re.match(r"(yuva|gbrap|ya\d|rgba|bgra|argb|abgr|ayuv|vuya)", pix_fmt[1]))


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
                     sar=sar, coded_size=(width, height), alpha=has_alpha(line))


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

    def _output_params(self) -> list[str]:
        width, height = self.size
        # fps= resamples a variable rate to the constant output rate (a no-op for a
        # constant one, and left out for a sequence, whose frames may change pixel format:
        # PNGs that drop an opaque alpha; the filter graph is then rebuilt and fps= lost the
        # frame it held); premultiplying by alpha flattens on black, in 16 bits so an opaque
        # pixel stays exact (swscale's alphablend skips YUV sources); scale + setsar gives
        # square pixels at the displayed aspect.
        rate = "" if self.info.files else f"fps={self.info.fps},{self._cut()}"
        flatten = "format=gbrap16le,premultiply=inplace=1," if self.info.alpha else ""
        params = ["-vf", f"{rate}{flatten}scale={width}:{height}:flags=bicubic,setsar=1",
                  "-an", "-sn", "-dn"]
        if self.info.files:
            return params  # the span is already the slice of files linked
        if self.end is not None and not self.info.timed:  # a timed clip's end is cut by _cut
            params += ["-t", f"{self.end - self.start:.6f}"]
        return params + (["-frames:v", str(self.max_frames)] if self.max_frames else [])

    def _cut(self) -> str:
        """The span of a ``timed`` clip, cut from its frames at the constant rate."""
        if not self.info.timed or (not self.start and self.end is None):
            return ""
        end = "" if self.end is None else f":end={self.end:.6f}"
        return f"trim=start={self.start:.6f}{end},setpts=PTS-STARTPTS,"

    def span_files(self) -> tuple[Path, ...]:
        """A sequence's frames in the span: those shown at or after ``start`` and before ``end``."""
        fps, files = self.info.fps, self.info.files
        first = max(0, math.ceil(self.start * fps - 1e-6))
        stop = len(files) if self.end is None else min(len(files), math.ceil(self.end * fps - 1e-6))
        return files[first:min(stop, first + self.max_frames) if self.max_frames else stop]

    @contextlib.contextmanager
    def _input(self) -> Iterator[tuple[str, list[str]] | None]:
        """The input ffmpeg reads and its options; None for a sequence's empty span."""
        if not self.info.files:
            yield str(self.info.path), (["-ss", f"{self.start:.6f}"] if self.start and not self.info.timed else [])
        elif files := self.span_files():
            with sequence_input.linked(files) as pattern:
                yield pattern, ["-f", "image2", "-framerate", str(self.info.fps), "-start_number", "0"]
        else:
            yield None

    def __iter__(self) -> Iterator[np.ndarray]:
        with self._input() as source:
            if source is None:
                self.finished = True
            else:
                yield from self._decode(*source)

    def _decode(self, path: str, input_params: list[str]) -> Iterator[np.ndarray]:
        width, height = self.size
        reader = imageio_ffmpeg.read_frames(path, input_params=input_params, output_params=self._output_params())
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


