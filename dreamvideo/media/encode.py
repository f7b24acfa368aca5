"""Writing results: images and MP4/GIF videos, always to a temporary name renamed into place.

A playable file is never replaced by a broken one: an interrupted or failed write
leaves the previous file (or nothing) at the output path.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import imageio_ffmpeg
import numpy as np
from PIL import Image

from ..errors import DreamError, first_line

VIDEO_SUFFIXES = (".mp4", ".gif")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")


def check_output(path: Path, suffixes: tuple[str, ...]) -> None:
    """Fail before any work when the output could not be written."""
    if path.suffix.lower() not in suffixes:
        raise DreamError(f"unsupported output type '{path.suffix or path.name}'; use one of: "
                         + ", ".join(suffixes))
    if not path.parent.is_dir():
        raise DreamError(f"output directory does not exist: {path.parent}")


def partial_path(path: Path) -> Path:
    """A hidden sibling with the same suffix, so ffmpeg and PIL still pick the format."""
    return path.with_name(f".{path.stem}.partial{path.suffix}")


@contextlib.contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary path; rename it onto ``path`` only if the block succeeds."""
    tmp = partial_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_image(path: Path, frame: np.ndarray, fast: bool = False) -> None:
    """Write an uint8 RGB frame atomically (lossless for PNG; ``fast`` = light PNG compression)."""
    options = {".jpg": {"quality": 95}, ".jpeg": {"quality": 95},
               ".png": {"compress_level": 1 if fast else 6}}.get(path.suffix.lower(), {})
    with atomic(path) as tmp:
        Image.fromarray(frame).save(tmp, **options)


def _even(frame: np.ndarray) -> np.ndarray:
    """H.264 with yuv420p needs even sides: drop a last odd row/column."""
    h, w = frame.shape[:2]
    return np.ascontiguousarray(frame[: h - h % 2, : w - w % 2])


class VideoWriter:
    """Streams frames to ffmpeg through imageio-ffmpeg; MP4 (H.264 yuv420p) or looping GIF.

    Use as a context manager: the file appears at ``path`` only when the block ends
    without error. ``audio`` = (source, start, duration) muxes the source's audio span.
    """

    def __init__(self, path: Path, fps: Fraction | float, crf: int = 18,
                 audio: tuple[Path, float, float] | None = None) -> None:
        self.path = path
        self.fps = Fraction(fps).limit_denominator(1001) if not isinstance(fps, Fraction) else fps
        self.crf = crf
        self.audio = audio
        self.frames = 0
        self._gen = None

    def _open(self, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        if self.path.suffix.lower() == ".gif":
            kwargs = dict(codec="gif", pix_fmt_out="pal8", quality=None, macro_block_size=1,
                          output_params=["-vf", "split[a][b];[a]palettegen=stats_mode=diff[p];"
                                         "[b][p]paletteuse=dither=sierra2_4a", "-loop", "0"])
        else:
            kwargs = dict(codec="libx264", pix_fmt_out="yuv420p", quality=None, macro_block_size=2,
                          output_params=["-crf", str(self.crf), "-preset", "medium",
                                         "-movflags", "+faststart"])
        self._gen = imageio_ffmpeg.write_frames(str(self._tmp), (w, h), fps=self.fps,
                                                ffmpeg_log_level="error", **kwargs)
        self._gen.send(None)

    def write(self, frame: np.ndarray) -> None:
        if self.path.suffix.lower() != ".gif":
            frame = _even(frame)
        if self._gen is None:
            self._open(frame)
        try:
            self._gen.send(np.ascontiguousarray(frame))
        except (OSError, RuntimeError) as exc:
            raise DreamError(f"ffmpeg could not write {self.path} (disk full?): {first_line(exc)}") from exc
        self.frames += 1

    def __enter__(self) -> "VideoWriter":
        self._stack = contextlib.ExitStack()
        self._tmp = self._stack.enter_context(atomic(self.path))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        """Finish the file; :func:`atomic` puts it in place only if everything succeeded."""
        if exc_type is not None:
            if self._gen is not None:
                self._finish_stream(ok=False)
            self._stack.__exit__(exc_type, exc, tb)  # drops the partial file; the error goes on
            return
        with self._stack:
            if self._gen is not None:
                self._finish_stream(ok=True)
            if self.frames == 0:
                raise DreamError("no frames to write")
            if self.audio:
                self._mux_audio()

    def _finish_stream(self, ok: bool) -> None:
        try:
            self._gen.close()
        except (OSError, RuntimeError) as exc:
            if ok:
                raise DreamError(f"ffmpeg could not finish {self.path} (disk full?): {first_line(exc)}") from exc

    def _mux_audio(self) -> None:
        """Copy the video stream and add the source's audio for the same span."""
        source, start, duration = self.audio
        with atomic(self._tmp) as muxed:
            cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-v", "error", "-i", str(self._tmp),
                   "-ss", f"{start:.6f}", "-t", f"{duration:.6f}", "-i", str(source),
                   "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac",
                   "-movflags", "+faststart", str(muxed)]
            result = subprocess.run(cmd, capture_output=True, text=True)
            if result.returncode != 0:
                last = (result.stderr.strip().splitlines() or ["?"])[-1]
                raise DreamError(f"ffmpeg could not add audio to {self.path}: {first_line(last)}")
