"""What an input path is, opened as a clip: a video file, an animated image, a still, or an image sequence.

The render layer asks once (:func:`open_input`) and gets a :class:`~.sources.VideoInfo`
that :func:`~.sources.read_frames` reads like any video, so spans, resume, cadence,
coherence and chunked renders need nothing new per kind.

- **Video files** (MP4, WebM, ``.mov`` ProRes / HAP / DNxHR...): ffmpeg's header, as before.
- **Animated GIF / WebP / APNG**: ffmpeg decodes them, but their headers give no
  duration (WebP, APNG) or an average rate (GIF), so each frame's delay is read from
  the container's packets. A clip with one delay plays at that rate. With mixed delays
  it is read at the rate whose frame period divides every delay, so each frame is held
  for exactly its own delay (100 ms and 200 ms delays: 10 fps, the slow frame twice;
  ffmpeg's own ``tbr`` guess); where that rate would pass :data:`MAX_RATE`, at the
  average rate, ffmpeg's ``fps`` filter then showing the frame on screen at each tick.
- **Image sequences**: see :mod:`.sequences`; ``fps`` is theirs (they carry none).
- **Stills** (``video`` given one image): a one-frame clip, as ffmpeg always read it.

A source with an alpha channel is flattened on black; :attr:`Input.note` says so in one line.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import DreamError, not_a_file
from . import ffmpeg, sequence_input, sources

VIDEO, ANIMATED, STILL, SEQUENCE = "video", "animated image", "still image", "image sequence"
AUDIO = "audio"  # a track for the `audio` setting (read by .audio and .mux), not a clip
# The names each kind of input file goes by: what is offered before a file is opened (the studio's
# upload and file picker, its page's accept list). What a file is, is still read from its header
# (:func:`kind_of`), so a still PNG and an APNG share ``.png``.
SUFFIXES: dict[str, tuple[str, ...]] = {
    STILL: (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"),
    ANIMATED: (".gif", ".webp", ".png", ".apng"),
    VIDEO: (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"),
    AUDIO: (".mp3", ".wav", ".m4a", ".flac", ".ogg", ".aac"),
}
ANIMATED_FORMATS = ("GIF", "PNG", "WEBP")  # PNG: APNG
STILL_FORMATS = ("PNG", "JPEG", "MPO", "TIFF", "WEBP", "GIF", "BMP")
MAX_RATE = Fraction(50)  # GIF delays under 20 ms are not shown by browsers either


@dataclass(frozen=True)
class Input:
    """An opened input: its kind (:data:`VIDEO`...), the clip to read, and a note for the user (alpha)."""

    kind: str
    info: sources.VideoInfo
    note: str | None = None

    def identity(self) -> dict[str, Any]:
        """What a resume checks the input by (the store's manifest): for one file its path, size and
        mtime, as renders always recorded; for a sequence its pattern, rate, count and every file's
        name, size and mtime (a digest), so a frame replaced, added or renumbered is noticed."""
        if not self.info.files:
            stat = self.info.path.stat()
            return {"input": str(self.info.path.resolve()), "input_size": stat.st_size,
                    "input_mtime": stat.st_mtime}
        stats = [path.stat() for path in self.info.files]
        digest = hashlib.sha256("\n".join(f"{p.name}\t{s.st_size}\t{s.st_mtime_ns}" for p, s in
                                          zip(self.info.files, stats)).encode()).hexdigest()
        spec = self.info.path.expanduser()
        where = spec.resolve() if spec.is_dir() else spec.parent.resolve() / spec.name
        return {"input": str(where), "input_size": sum(s.st_size for s in stats),
                "input_mtime": max(s.st_mtime for s in stats), "input_fps": str(self.info.fps),
                "input_frames": len(stats), "input_files": digest}


def input_suffixes(*kinds: str) -> tuple[str, ...]:
    """The suffixes of these kinds of input (every kind when none is named), each once, in order."""
    return tuple(dict.fromkeys(s for kind in kinds or tuple(SUFFIXES) for s in SUFFIXES[kind]))


def kind_of(source: Path | str) -> str:
    """What ``source`` names, from its name and headers alone (nothing is decoded)."""
    return _classified(source)[0]


def _classified(source: Path | str) -> tuple[str, sequence_input.Header | None]:
    """``source``'s kind and, for a file PIL knows, its image header (read once)."""
    path = Path(str(source)).expanduser()
    if path.is_file():
        header = sequence_input.read_header(path)
        if header and header.animated and header.format in ANIMATED_FORMATS:
            return ANIMATED, header
        return (STILL if header and header.format in STILL_FORMATS else VIDEO), header
    if sequence_input.names_sequence(str(source)):
        return SEQUENCE, None
    raise not_a_file("input video", source)


def open_input(source: Path | str, fps: float = 24.0) -> Input:
    """Tell what ``source`` is and open it as a clip, checked whole before any dreaming.

    ``fps`` is an image sequence's rate; every other kind keeps its own. Bad input
    (a sequence's odd file, an unreadable video) raises one :class:`DreamError` line.
    """
    kind, header = _classified(source)
    if kind == SEQUENCE:
        frames = sequence_input.find_frames(str(source))
        rate = sources.exact_fps(fps)
        info = sources.VideoInfo(Path(str(source)), rate, *frames.size, float(len(frames.files) / rate), False,
                                 files=frames.files, alpha=frames.alpha is not None)
        note = frames.alpha and (f"{frames.alpha} and the frames after it may have an alpha channel: "
                                 "transparent areas are flattened on black")
        return Input(kind, info, note or None)
    path = Path(str(source)).expanduser()
    info = sources.probe(path)
    if header:  # PIL tells alpha apart; ffmpeg decodes every GIF and WebP with an alpha plane
        info = replace(info, alpha=header.alpha)
    if kind == ANIMATED:
        info = timed(info)
    note = f"{path} has an alpha channel: transparent areas are flattened on black" if info.alpha else None
    return Input(kind, info, note)


def timed(info: sources.VideoInfo) -> sources.VideoInfo:
    """An animated image's rate and duration from its frames' own delays (see the module's docstring)."""
    delays = frame_delays(info.path)
    if not delays:
        raise DreamError(f"cannot read video {info.path}: it has no frames")
    rate = steady_rate(delays)
    return replace(info, fps=rate, duration=float(sum(delays)), variable_rate=len(set(delays)) > 1, timed=True)


def frame_delays(path: Path) -> list[Fraction]:
    """Each frame's display time in seconds, from the packets' timestamps (nothing is decoded)."""
    result = ffmpeg.run(["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"])
    if result.returncode != 0:
        raise DreamError(f"cannot read video {path}: {ffmpeg.reason(result.stderr)}")
    base = re.search(r"^#tb 0: (\d+)/(\d+)", result.stdout, re.M)
    packets = re.findall(r"^0,\s*-?\d+,\s*(-?\d+),\s*(\d+),", result.stdout, re.M)
    if not base or not packets:
        return []
    tick = Fraction(int(base[1]), int(base[2]))
    starts = [int(pts) for pts, _ in packets]
    last = int(packets[-1][1]) or (starts[-1] - starts[-2] if len(starts) > 1 else 0)
    ticks = [b - a for a, b in zip(starts, starts[1:])] + [last]
    if min(ticks) <= 0:
        raise DreamError(f"cannot read video {path}: its frames' delays are not in order")
    return [t * tick for t in ticks]


def steady_rate(delays: list[Fraction]) -> Fraction:
    """The constant rate that holds each frame for its own delay, or the average past :data:`MAX_RATE`."""
    if len(set(delays)) == 1:
        return 1 / delays[0]
    denominator = math.lcm(*(d.denominator for d in delays))
    period = Fraction(math.gcd(*(int(d * denominator) for d in delays)), denominator)
    return 1 / period if 1 / period <= MAX_RATE else len(delays) / sum(delays)
