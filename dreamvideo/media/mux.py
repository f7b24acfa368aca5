"""A render's audio span, added to a finished video in the format's audio codec, or written as a WAV.

The video stream is copied, never re-encoded; the audio is cut from its source
(``start`` and ``duration`` seconds) and encoded as the format's record says (AAC
in MP4 and HAP MOV, Opus in WebM, PCM in ProRes and DNxHR MOV).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..errors import DreamError
from . import ffmpeg
from .files import partial_path
from .formats import Format
from .readback import streams

Audio = tuple[Path, float, float]  # source, start, duration (seconds)


def audio_span(audio: Audio) -> float:
    """Seconds of audio the output will hold: the span asked for, or what the source has after ``start``."""
    source, start, duration = audio
    length = streams(source).duration
    return duration if length is None else max(0.0, min(duration, length - start))


def _cut(audio: Audio) -> list[str]:
    source, start, duration = audio
    return ["-ss", f"{start:.6f}", "-t", f"{duration:.6f}", "-i", str(source)]


def mux_audio(video: Path, audio: Audio, fmt: Format, name: Path) -> None:
    """Replace ``video`` by a copy of it with the source's audio span added."""
    muxed = partial_path(video, "audio")
    try:
        result = ffmpeg.run(["-y", "-v", "error", "-i", str(video), *_cut(audio), "-map", "0:v:0", "-map", "1:a:0",
                             "-c:v", "copy", "-c:a", fmt.audio, *fmt.muxer_args, str(muxed)])
        if result.returncode != 0:
            raise DreamError(f"ffmpeg could not add audio to {name}: {ffmpeg.reason(result.stderr)}")
        os.replace(muxed, video)
    finally:
        with contextlib.suppress(OSError):
            muxed.unlink()


def write_wav(audio: Audio, target: Path, fmt: Format, name: Path) -> None:
    """Write the source's audio span as ``target`` (a sequence's ``NAME.wav``)."""
    result = ffmpeg.run(["-y", "-v", "error", *_cut(audio), "-map", "0:a:0", "-c:a", fmt.audio, str(target)])
    if result.returncode != 0:
        raise DreamError(f"ffmpeg could not write the audio {name}: {ffmpeg.reason(result.stderr)}")


def write_looped(source: Path, start: float, duration: float, target: Path) -> None:
    """Write ``duration`` s of ``source``'s audio played in a loop, from ``start`` s on the looped clock, as
    the WAV ``target``: a clip played with ``-stream_loop`` (a live loop) has its frames on that same clock."""
    result = ffmpeg.run(["-y", "-v", "error", "-stream_loop", "-1", "-i", str(source), "-vn", "-map", "0:a:0",
                         "-ss", f"{start:.6f}", "-t", f"{duration:.6f}", "-c:a", "pcm_s16le", str(target)])
    if result.returncode != 0:
        raise DreamError(f"ffmpeg could not loop the audio of {source.name}: {ffmpeg.reason(result.stderr)}")
