"""Writing results: images and MP4/GIF videos, always to a temporary name renamed into place,
and read-back checks for finished files.

A playable file is never replaced by a broken one: an interrupted or failed write
(ffmpeg's exit status is checked, see :mod:`.ffmpeg`) leaves the previous file, or
nothing, at the output path.
"""

from __future__ import annotations

import contextlib
import os
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import DreamError
from . import ffmpeg
from .files import atomic, check_output, clean_stale, partial_path  # noqa: F401  (re-exported)

VIDEO_SUFFIXES = (".mp4", ".gif")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")


def save_image(path: Path, frame: np.ndarray, fast: bool = False) -> None:
    """Write an uint8 RGB frame atomically and fsynced (lossless for PNG; ``fast`` = light PNG compression)."""
    options = {".jpg": {"quality": 95}, ".jpeg": {"quality": 95},
               ".png": {"compress_level": 1 if fast else 6}}.get(path.suffix.lower(), {})
    with atomic(path) as tmp:
        Image.fromarray(frame).save(tmp, format=Image.registered_extensions().get(path.suffix.lower()),
                                    **options)


def verify_image(path: Path) -> None:
    """Raise unless ``path`` decodes completely as an image."""
    try:
        with Image.open(path) as img:
            img.load()
    except Exception as exc:  # PIL raises many types for broken files
        raise DreamError(f"{path} does not read back as an image ({type(exc).__name__}); "
                         "nothing was replaced") from exc


def verify_video(path: Path, expected_frames: int, audio: bool = False, name: Path | None = None) -> None:
    """Raise unless ``path`` decodes to exactly ``expected_frames`` frames (and has audio if asked).

    Run before a finished file replaces anything or its frames are deleted: ffmpeg
    can exit 0 and still leave a file that a player refuses. ``name`` is the path
    the user knows, when ``path`` is still the temporary.
    """
    shown = name or path
    result = ffmpeg.run(["-v", "error", "-xerror", "-i", str(path), "-map", "0:v:0", "-f", "null", "-",
                         "-progress", "pipe:1", "-nostats"])
    if result.returncode != 0:
        raise DreamError(f"{shown} does not read back as a video ({ffmpeg.reason(result.stderr)}); "
                         "nothing was replaced")
    counts = re.findall(r"^frame=(\d+)", result.stdout, re.M)
    frames = int(counts[-1]) if counts else 0
    if frames != expected_frames:
        raise DreamError(f"{shown} reads back with {frames} frames, expected {expected_frames}; "
                         "nothing was replaced")
    if audio and ": Audio:" not in ffmpeg.run(["-i", str(path)]).stderr:
        raise DreamError(f"{shown} reads back without its audio track; nothing was replaced")


def _even(frame: np.ndarray) -> np.ndarray:
    """H.264 with yuv420p needs even sides: drop a last odd row/column."""
    h, w = frame.shape[:2]
    return np.ascontiguousarray(frame[: h - h % 2, : w - w % 2])


def _encoder_args(suffix: str, crf: int, loop: bool = False) -> list[str]:
    """ffmpeg's output arguments. A loop's MP4 turns x264's macroblock tree off.

    The tree gives the first (intra) frame, which every later frame refers to, far
    more bits than the last ones; played as a loop, that quality step is the seam
    (bigbuckbunny's loop: seam ratio 1.58 on the decoded MP4, 1.34 without the tree,
    0.997 on the frames; 16% larger file).
    """
    if suffix == ".gif":
        return ["-vf", "split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=sierra2_4a",
                "-c:v", "gif", "-loop", "0"]
    return ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", str(crf), "-preset", "medium",
            *(["-x264-params", "mbtree=0"] if loop else []), "-movflags", "+faststart"]


class VideoWriter:
    """Streams frames to ffmpeg; MP4 (H.264 yuv420p) or looping GIF.

    Use as a context manager: the file appears at ``path`` only when the block ends
    without error and ffmpeg exited 0. ``audio`` = (source, start, duration) muxes
    the source's audio span. ``verify`` also decodes the finished file and checks
    its frame count before the rename. ``name`` is the path messages show, when
    ``path`` is itself a temporary (the assembly pass publishes it with a sidecar).
    """

    def __init__(self, path: Path, fps: Fraction | float, crf: int = 18,
                 audio: tuple[Path, float, float] | None = None, verify: bool = True,
                 name: Path | None = None, loop: bool = False) -> None:
        self.path = path
        self.loop = loop
        self.name = name or path
        self.fps = Fraction(fps).limit_denominator(1001) if not isinstance(fps, Fraction) else fps
        self.crf = crf
        self.audio = audio
        self.verify = verify
        self.frames = 0
        self._pipe: ffmpeg.Pipe | None = None
        self._size: tuple[int, int] | None = None

    def _open(self, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        self._size = (w, h)
        args = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(self.fps), "-i", "-",
                "-an", *_encoder_args(self.path.suffix.lower(), self.crf, self.loop), "-r", str(self.fps), str(self._tmp)]
        self._pipe = ffmpeg.Pipe(args, str(self.name))

    def write(self, frame: np.ndarray) -> None:
        if self.path.suffix.lower() != ".gif":
            frame = _even(frame)
        if self._pipe is None:
            self._open(frame)
        if (frame.shape[1], frame.shape[0]) != self._size:
            raise DreamError(f"frame {self.frames} is {frame.shape[1]}x{frame.shape[0]}, "
                             f"the video is {self._size[0]}x{self._size[1]}")
        self._pipe.write(memoryview(np.ascontiguousarray(frame, dtype=np.uint8)).cast("B"))
        self.frames += 1

    def __enter__(self) -> "VideoWriter":
        self._stack = contextlib.ExitStack()
        self._tmp = self._stack.enter_context(atomic(self.path))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        """Finish the file; :func:`atomic` puts it in place only if everything succeeded."""
        if exc_type is not None:
            if self._pipe is not None:
                self._pipe.kill()
            self._stack.__exit__(exc_type, exc, tb)  # drops the partial file; the error goes on
            return
        with self._stack:
            if self._pipe is None:
                raise DreamError("no frames to write")
            try:
                self._pipe.close()
            finally:
                self._pipe.kill()
            if self.audio:
                self._mux_audio()
            if self.verify:
                verify_video(self._tmp, self.frames, audio=bool(self.audio), name=self.name)

    def _mux_audio(self) -> None:
        """Copy the video stream and add the source's audio for the same span."""
        source, start, duration = self.audio
        muxed = partial_path(self.path, "audio")
        try:
            result = ffmpeg.run(["-y", "-v", "error", "-i", str(self._tmp), "-ss", f"{start:.6f}",
                                 "-t", f"{duration:.6f}", "-i", str(source), "-map", "0:v:0", "-map", "1:a:0",
                                 "-c:v", "copy", "-c:a", "aac", "-movflags", "+faststart", str(muxed)])
            if result.returncode != 0:
                raise DreamError(f"ffmpeg could not add audio to {self.name}: {ffmpeg.reason(result.stderr)}")
            os.replace(muxed, self._tmp)
        finally:
            with contextlib.suppress(OSError):
                muxed.unlink()
