"""Writing results: images, and videos in every format of :mod:`.formats`, always to a temporary
name renamed into place, and read-back checks for finished files.

A playable file is never replaced by a broken one: an interrupted or failed write
(ffmpeg's exit status is checked, see :mod:`.ffmpeg`) leaves the previous file, or
nothing, at the output path. An image sequence is staged and moved in whole
(:mod:`.sequence`).
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from ..errors import DreamError
from . import ffmpeg
from .files import atomic, check_output, clean_stale, partial_path  # noqa: F401  (re-exported)
from .formats import Format, find_format, fit_size, video_suffixes
from .mux import Audio, audio_span, mux_audio, write_wav
from .readback import AUDIO_SLACK, check_audio, verify_video  # noqa: F401  (re-exported)
from .sequence_output import Staging, audio_path, check_sequence_output

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


def check_video_output(path: Path, codec: str | None = None, bit_depth: int = 8) -> Format:
    """Fail before any work when ``path`` (with ``codec``, ``bit_depth``) names no format or could not
    be written; return the format a :class:`VideoWriter` given the same will write."""
    if path.is_dir():  # first: a folder's name says nothing about the format wanted
        raise DreamError(f"output {path} is a directory; give a file name, e.g. {path / 'out.mp4'}, "
                         f"or an image sequence, e.g. {path / 'frame_%05d.png'}")
    fmt = find_format(path, codec, bit_depth)
    if fmt.sequence:
        check_sequence_output(path)
    else:
        check_output(path, video_suffixes())
    return fmt


def fitted(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """``frame`` cropped, or padded by repeating its edge, at the right and bottom to ``width`` x ``height``."""
    h, w = frame.shape[:2]
    frame = frame[:height, :width]
    if w < width or h < height:
        frame = np.pad(frame, ((0, max(0, height - h)), (0, max(0, width - w)), (0, 0)), mode="edge")
    return np.ascontiguousarray(frame)


def pixels(frame: np.ndarray, bit_depth: int) -> np.ndarray:
    """RGB samples as the pipe carries them: uint8 (rgb24) or little-endian uint16 (rgb48le)."""
    if bit_depth == 16:
        return frame.astype("<u2") * 257 if frame.dtype == np.uint8 else frame.astype("<u2")
    if frame.dtype == np.uint16:
        return ((frame.astype(np.uint32) + 128) // 257).astype(np.uint8)
    return np.ascontiguousarray(frame, dtype=np.uint8)


class VideoWriter:
    """Streams frames to ffmpeg in one format of the table: a file, or an image sequence.

    Use as a context manager: the output appears at ``path`` only when the block ends
    without error, ffmpeg exited 0 and (``verify``; a sequence always) it reads back as promised: every
    frame, the record's codec and pixel format, the rate, the audio span. ``format``
    (or ``codec`` among those the suffix's container takes, default by suffix; and
    ``bit_depth`` for a sequence) picks the record. Frames whose size breaks the
    codec's constraint are cropped or padded by the fewest pixels and ``note`` says so.
    ``audio`` = (source, start, duration) muxes the source's span, or writes it as
    ``NAME.wav`` beside a sequence; a format without audio notes that it is left out.
    ``name`` is the path messages show, when ``path`` is itself a temporary (the
    assembly pass publishes a file with a sidecar); a sequence's ``path`` is its real
    pattern, numbered from ``start_number``. ``size_noted``: the caller has said the
    fit already (a render says it before dreaming), so it is not said twice.
    """

    def __init__(self, path: Path, fps: Fraction | float, crf: int = 18, audio: Audio | None = None,
                 verify: bool = True, name: Path | None = None, loop: bool = False, *, codec: str | None = None,
                 format: Format | None = None, bit_depth: int = 8, note: Callable[[str], None] | None = None,
                 start_number: int = 1, size_noted: bool = False) -> None:
        self.path = path
        self.loop = loop
        self.name = name or path
        self.format = format or find_format(self.name, codec, bit_depth)
        self.fps = Fraction(fps).limit_denominator(1001) if not isinstance(fps, Fraction) else fps
        self.crf = crf
        self.audio = audio
        self.verify = verify
        self.note = note or (lambda text: None)
        self.start_number = start_number
        self.size_noted = size_noted
        self.frames = 0
        self._pipe: ffmpeg.Pipe | None = None
        self._size: tuple[int, int] | None = None  # the frames'
        self._fit: tuple[int, int] | None = None  # the video's

    def _open(self, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        width, height, note = fit_size(self.format, w, h)
        if note and not self.size_noted:
            self.note(note)
        self._size, self._fit = (w, h), (width, height)
        raw = "rgb48le" if self.format.bit_depth == 16 else "rgb24"
        image2 = ["-f", "image2", "-start_number", str(self.start_number)] if self.format.sequence else []
        args = ["-f", "rawvideo", "-pix_fmt", raw, "-s", f"{width}x{height}", "-r", str(self.fps), "-i", "-",
                "-an", *self.format.output_args(self.crf, self.loop), "-r", str(self.fps), *image2, str(self._tmp)]
        self._pipe = ffmpeg.Pipe(args, str(self.name))

    def write(self, frame: np.ndarray) -> None:
        if self._pipe is None:
            self._open(frame)
        if (frame.shape[1], frame.shape[0]) != self._size:
            raise DreamError(f"frame {self.frames} is {frame.shape[1]}x{frame.shape[0]}, "
                             f"the video is {self._size[0]}x{self._size[1]}")
        self._pipe.write(memoryview(pixels(fitted(frame, *self._fit), self.format.bit_depth)).cast("B"))
        self.frames += 1

    def __enter__(self) -> "VideoWriter":
        if self.audio and self.format.audio is None:
            self.note(f"{self.format.name} takes no audio: the video is written without it")
            self.audio = None
        self._stack = contextlib.ExitStack()
        if self.format.sequence:
            self._refuse_overwriting_the_audio()
            self._staging = Staging(self.path, self.start_number)
            self._tmp = self._staging.open()
            self._stack.callback(self._staging.discard)
        else:
            self._tmp = self._stack.enter_context(atomic(self.path))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        """Finish the output; it is put in place only if everything succeeded."""
        if exc_type is not None:
            if self._pipe is not None:
                self._pipe.kill()
            self._stack.__exit__(exc_type, exc, tb)  # drops the partial output; the error goes on
            return
        with self._stack:
            if self._pipe is None:
                raise DreamError("no frames to write")
            try:
                self._pipe.close()
            finally:
                self._pipe.kill()
            span = audio_span(self.audio) if self.audio and (self.verify or self.format.sequence) else bool(self.audio)
            if self.format.sequence:
                self._publish_sequence(span)
                return
            if self.audio:
                mux_audio(self._tmp, self.audio, self.format, self.name)
            if self.verify:
                verify_video(self._tmp, self.frames, span, self.name, format=self.format, fps=self.fps)

    def _refuse_overwriting_the_audio(self) -> None:
        wav = audio_path(self.path)
        if self.audio and wav.exists() and os.path.samefile(wav, self.audio[0]):
            raise DreamError(f"the sequence's audio {wav} would replace its source; "
                             "choose another output name")

    def _publish_sequence(self, span: float | bool) -> None:
        """Write the audio beside the staged frames, check them all, then move them into place."""
        wav, shown = self._staging.stage / audio_path(self.path).name, audio_path(self.name)
        if self.audio:
            write_wav(self.audio, wav, self.format, shown)
        self._staging.check(self.frames, self.format)
        if self.audio:
            check_audio(wav, float(span), AUDIO_SLACK + 1 / float(self.fps), shown)
        try:
            old = self._staging.publish(self.frames)
        except OSError as exc:
            raise DreamError(f"cannot write {self.name}: {exc.strerror or exc}") from exc
        if old:
            self.note(f"{len(old)} frame(s) of an earlier, longer {self.path.name} sequence were removed")
