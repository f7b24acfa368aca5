"""Reading a finished output back before it replaces anything: every frame decodes, and the file
says the codec, pixel format, frame rate and audio span it was written with.

ffmpeg can exit 0 and still leave a file that a player refuses, or one that holds
another codec than asked (a wrong argument falls back silently). ffprobe is not
bundled, so the stream facts come from ``ffmpeg -i``'s listing and the counts from
decoding to the null muxer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..errors import DreamError
from . import ffmpeg
from .formats import Format

FPS_PRINTED = 0.006  # ffmpeg prints a rate with two decimals (29.97 for 30000/1001)
AUDIO_SLACK = 0.05  # s: audio codecs pad to whole packets (AAC 1024 samples, Opus 20 ms)


@dataclass(frozen=True)
class Streams:
    """What ``ffmpeg -i`` says about a file's first video stream and its audio."""

    codec: str | None
    pix_fmt: str | None
    fps: float | None
    audio: bool
    duration: float | None  # the container's, in seconds


def _fields(text: str) -> list[str]:
    """Split at commas outside parentheses: ``yuv420p(tv, progressive)`` is one field."""
    fields, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            fields.append(text[start:i].strip())
            start = i + 1
    return fields + [text[start:].strip()]


def streams(path: Path) -> Streams:
    """Parse ``ffmpeg -i path``'s listing (no decoding)."""
    header = ffmpeg.run(["-i", str(path)]).stderr
    video = re.search(r"Stream #\d+:\d+.*?: Video: (.*)", header)
    codec = pix_fmt = fps = None
    if video:
        fields = _fields(video[1])
        codec = fields[0].split()[0]
        pix = re.match(r"[a-z0-9_]+", fields[1]) if len(fields) > 1 else None
        pix_fmt = pix[0] if pix else None
        rate = re.search(r" ([\d.]+) fps", video[1])
        fps = float(rate[1]) if rate else None
    length = re.search(r"Duration: (\d+):(\d+):([\d.]+)", header)
    duration = int(length[1]) * 3600 + int(length[2]) * 60 + float(length[3]) if length else None
    return Streams(codec, pix_fmt, fps, bool(re.search(r"Stream #\d+:\d+.*: Audio:", header)), duration)


def _decode(path: Path, stream: str) -> tuple[int, float, str | None]:
    """Decode one stream to nothing: the frames and seconds it held, and why it failed (None if it did not)."""
    result = ffmpeg.run(["-v", "error", "-xerror", "-i", str(path), "-map", stream, "-f", "null", "-",
                         "-progress", "pipe:1", "-nostats"])
    frames = re.findall(r"^frame=(\d+)", result.stdout, re.M)
    times = re.findall(r"^out_time_us=(\d+)", result.stdout, re.M)
    failed = ffmpeg.reason(result.stderr) if result.returncode != 0 else None
    return (int(frames[-1]) if frames else 0), (int(times[-1]) / 1e6 if times else 0.0), failed


def decoded_frames(path: Path, shown: Path) -> int:
    """How many frames the first video stream decodes to; raises if it does not decode to the end."""
    frames, _, failed = _decode(path, "0:v:0")
    if failed:
        raise DreamError(f"{shown} does not read back as a video ({failed}); nothing was replaced")
    return frames


def audio_seconds(path: Path) -> float | None:
    """Seconds of the first audio stream once decoded, or None without one that decodes."""
    _, seconds, failed = _decode(path, "0:a:0")
    return None if failed else seconds


def check_streams(info: Streams, fmt: Format, shown: Path, frames: int = 2) -> None:
    """Raise unless the file reports the codec and pixel format the record promises."""
    expected = fmt.reported(frames)
    if (info.codec, info.pix_fmt) != expected:
        raise DreamError(f"{shown} reads back as {info.codec} {info.pix_fmt}, expected {' '.join(expected)} "
                         f"for {fmt.name}; nothing was replaced")


def check_fps(info: Streams, fps: Fraction | float, shown: Path, delay_unit: float | None = None) -> None:
    """Raise unless the reported rate is ``fps``; GIF and WebP store whole centi-/milliseconds per frame."""
    if info.fps is None:  # ffmpeg measures an animation's rate from its first frames
        raise DreamError(f"{shown} reads back without a frame rate; nothing was replaced")
    if delay_unit:
        close = abs(1 / info.fps - 1 / float(fps)) <= delay_unit * 1.01
    else:
        close = abs(info.fps - float(fps)) <= FPS_PRINTED
    if not close:
        raise DreamError(f"{shown} reads back at {info.fps:g} fps, expected {float(fps):g}; nothing was replaced")


def check_audio(path: Path, seconds: float, slack: float, shown: Path) -> None:
    """Raise unless ``path``'s audio decodes to ``seconds`` (within ``slack``)."""
    got = audio_seconds(path)
    if got is None:
        raise DreamError(f"{shown} reads back without its audio track; nothing was replaced")
    if abs(got - seconds) > slack:
        raise DreamError(f"{shown} reads back with {got:.2f} s of audio, expected {seconds:.2f} s; "
                         "nothing was replaced")


def verify_video(path: Path, expected_frames: int, audio: bool | float = False, name: Path | None = None, *,
                 format: Format | None = None, fps: Fraction | float | None = None) -> None:
    """Raise unless ``path`` decodes to exactly ``expected_frames`` frames, as promised.

    Run before a finished file replaces anything or its frames are deleted. ``audio``:
    True checks there is a track, a number of seconds checks its span too. ``format``
    checks the codec and pixel format the file reports, ``fps`` its frame rate.
    ``name`` is the path the user knows, when ``path`` is still the temporary.
    """
    shown = name or path
    frames = decoded_frames(path, shown)
    if frames != expected_frames:
        raise DreamError(f"{shown} reads back with {frames} frames, expected {expected_frames}; "
                         "nothing was replaced")
    info = streams(path)
    if audio is not False and not info.audio:
        raise DreamError(f"{shown} reads back without its audio track; nothing was replaced")
    if format is not None:
        check_streams(info, format, shown, frames)
    if fps is not None and frames > 1 and (info.fps is not None or frames > 2):  # too few to measure
        check_fps(info, fps, shown, format.delay_unit if format else None)
    if audio is not True and audio is not False:
        check_audio(path, float(audio), AUDIO_SLACK + (1 / float(fps) if fps else 0.0), shown)

