"""Output formats as data: one JSON record per codec in ``video_formats/``, read into frozen records.

What a format is (its suffix, encoder, pixel format, arguments, audio codec, size
constraints, whether browsers play it) is spelled once, in those files, the way
ComfyUI-VideoHelperSuite keeps its ``video_formats``; the writer, the read-back
check, the listing and every suffix list ask this table instead of testing
suffixes. A new format is a new file (its name's number orders the listing).

The suffix chooses the container, ``codec`` one of the codecs it takes (each
container has one default); a name with a frame-number pattern (``NAME_%05d.png``)
is an image sequence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import DreamError

PATTERN = re.compile(r"%(?:0(\d+))?d")  # a printf frame number: %d or zero-padded %05d
CRF_DEFAULT = 18  # the `crf` the listing shows its mapping for


@dataclass(frozen=True)
class Quality:
    """How `crf` (x264's 0..51, the one quality setting users know) maps onto a codec's own scale.

    ``points`` are (crf, codec value) pairs joined by straight lines; ``option`` is
    None where the codec has no quality knob (ProRes, HAP, lossless formats).
    """

    option: str | None
    scale: str
    points: tuple[tuple[int, int], ...] = ()

    def value(self, crf: int) -> int | None:
        if self.option is None:
            return None
        xs, ys = zip(*self.points)
        return round(float(np.interp(crf, xs, ys)))

    def describe(self, crf: int = CRF_DEFAULT) -> str:
        value = self.value(crf)
        return self.scale if value is None else f"`crf` {crf} -> {value} on {self.scale}"


@dataclass(frozen=True)
class Format:
    """One output codec in one container: everything the writer, the check and the listing need."""

    suffix: str
    codec: str
    encoder: str
    pix_fmt: str | None
    quality: Quality
    audio: str | None  # ffmpeg's audio encoder, or None: the format takes no audio
    reports: tuple[str, str]  # (codec, pixel format) that ``ffmpeg -i`` says for the written file
    purpose: str
    default: bool = False
    args: tuple[str, ...] = ()
    loop_args: tuple[str, ...] = ()  # added when the clip plays as a loop (keeps the seam clean)
    muxer_args: tuple[str, ...] = ()  # the container's, repeated when audio is muxed in
    filter: str | None = None
    multiple: int = 1  # width and height must be multiples of this
    min_size: tuple[int, int] | None = None
    browser: bool = False
    loops: bool = False  # the file itself says "loop forever"
    alpha: bool = False
    delay_unit: float | None = None  # frame delays are whole multiples of this (s): the fps is approximate
    sequence: bool = False
    deep: tuple[str, str] | None = None  # (pix_fmt, reported) of the 16-bit variant
    one_frame: tuple[str, str] | None = None  # what a one-frame animation reports (it is written as a still)
    bit_depth: int = 8

    @property
    def name(self) -> str:
        return f"{self.container} {self.codec}" if self.codec != self.suffix[1:] else self.container

    @property
    def container(self) -> str:
        return "image sequence" if self.sequence else self.suffix

    def output_args(self, crf: int, loop: bool = False) -> list[str]:
        """ffmpeg's output arguments for this codec (before the output path)."""
        value = self.quality.value(crf)
        return [*(["-vf", self.filter] if self.filter else []), "-c:v", self.encoder,
                *(["-pix_fmt", self.pix_fmt] if self.pix_fmt else []),
                *([self.quality.option, str(value)] if value is not None else []),
                *self.args, *(self.loop_args if loop else ()), *self.muxer_args]

    def reported(self, frames: int) -> tuple[str, str]:
        """(codec, pixel format) the written file reports: WebP and APNG write a lone frame as a still."""
        return self.one_frame if frames == 1 and self.one_frame else self.reports

    def at_depth(self, bit_depth: int) -> "Format":
        """The record for ``bit_depth`` bits per channel (16 only where the format has a deep variant)."""
        if bit_depth == self.bit_depth:
            return self
        if bit_depth not in (8, 16):
            raise DreamError(f"`bit_depth` must be 8 or 16, not {bit_depth}")
        if self.deep is None:
            raise DreamError(f"`bit_depth` 16 is for image sequences (DIR/NAME_%05d.png); {self.name} is 8-bit")
        return replace(self, pix_fmt=self.deep[0], reports=(self.reports[0], self.deep[1]), bit_depth=16)


def _record(data: dict, source: str) -> Format:
    """A JSON record as a :class:`Format` (lists become tuples, so records stay hashable)."""
    try:
        quality = Quality(data["quality"]["option"], data["quality"]["scale"],
                          tuple(tuple(p) for p in data["quality"].get("points", ())))
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k != "quality"}
        fields["reports"] = (data["reports"]["codec"], data["reports"]["pix_fmt"])
        if data.get("one_frame"):
            fields["one_frame"] = (data["one_frame"]["codec"], data["one_frame"]["pix_fmt"])
        if data.get("deep"):
            fields["deep"] = (data["deep"]["pix_fmt"], data["deep"]["reports"])
        return Format(quality=quality, **fields)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"format record {source} is malformed: {exc}") from exc


@lru_cache(maxsize=1)
def output_formats() -> tuple[Format, ...]:
    """Every output format, in listing order (the data files' names)."""
    folder = resources.files(__package__) / "video_formats"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
    return tuple(_record(json.loads(f.read_text(encoding="utf-8")), f.name) for f in files)


def video_suffixes() -> tuple[str, ...]:
    """The single-file containers, in listing order (an image sequence is a pattern, not a suffix)."""
    return tuple(dict.fromkeys(f.suffix for f in output_formats() if not f.sequence))


def frame_regex(pattern: Path) -> re.Pattern[str]:
    """Matches exactly the names a frame pattern makes, the number as group 1: ``%05d`` writes five digits,
    or more without a leading 0 (the one reading of a pattern, for the frames we write and those we read)."""
    spec = PATTERN.search(pattern.name)
    width = int(spec[1] or 1)
    number = rf"(\d{{{width}}}|[1-9]\d{{{width},}})"
    return re.compile(re.escape(pattern.name[:spec.start()]) + number + re.escape(pattern.name[spec.end():]))


def is_sequence(path: Path) -> bool:
    """Whether ``path`` names an image sequence: a frame-number pattern in the file name."""
    return bool(PATTERN.search(path.name))


def find_format(path: Path, codec: str | None = None, bit_depth: int = 8) -> Format:
    """The format ``path``'s suffix (or frame pattern) and ``codec`` choose; one line when none does."""
    suffix, sequence = path.suffix.lower(), is_sequence(path)
    taken = [f for f in output_formats() if f.suffix == suffix and f.sequence == sequence]
    if not taken:
        raise DreamError(_no_container(path, suffix, sequence))
    if codec is None:
        found = next(f for f in taken if f.default)
    else:
        found = next((f for f in taken if f.codec == codec.lower()), None)
        if found is None:
            names = ", ".join(f.codec + (" (default)" if f.default else "") for f in taken)
            raise DreamError(f"`codec` '{codec}' does not go in {taken[0].container}; it takes: {names}")
    return found.at_depth(bit_depth)


def _no_container(path: Path, suffix: str, sequence: bool) -> str:
    patterns = sorted({f.suffix for f in output_formats() if f.sequence})
    if sequence:
        return (f"a frame-number pattern ({PATTERN.search(path.name)[0]}) makes an image sequence, "
                f"which is written as {', '.join(patterns)}, not '{path.suffix or path.name}'")
    if suffix in patterns:
        example = path.with_name(f"{path.stem}_%05d{path.suffix}")
        return f"'{suffix}' output is an image sequence: give a frame-number pattern, e.g. {example}"
    return (f"unsupported output type '{path.suffix or path.name}'; use one of: " + ", ".join(video_suffixes())
            + f" or an image sequence DIR/NAME_%05d{patterns[0]}")


def _side(n: int, multiple: int, least: int) -> int:
    """The nearest multiple of ``multiple`` to ``n`` that is at least ``least``; a tie crops."""
    down = n - n % multiple
    up = down + multiple if n % multiple else n
    return down if down >= max(least, 1) and n - down <= up - n else up


def fit_size(fmt: Format, width: int, height: int) -> tuple[int, int, str | None]:
    """The size to write ``width`` x ``height`` frames at, and the note saying what changed (or None).

    Sides are cropped or padded (at the right and bottom) by the fewest pixels to the
    codec's multiple; frames below its minimum size are refused rather than padded
    far out, since that would change the picture, not round it.
    """
    least = fmt.min_size or (1, 1)
    if width < least[0] or height < least[1]:
        raise DreamError(f"{fmt.name} needs frames of at least {least[0]}x{least[1]}, these are "
                         f"{width}x{height}: raise `size` or choose another `codec`")
    w, h = _side(width, fmt.multiple, least[0]), _side(height, fmt.multiple, least[1])
    if (w, h) == (width, height):
        return w, h, None
    how = " and ".join(word for word, changed in (("cropped", w < width or h < height),
                                                   ("padded", w > width or h > height)) if changed)
    return w, h, (f"{fmt.name} needs sides that are multiples of {fmt.multiple}: the {width}x{height} "
                  f"frames are {how} to {w}x{h}")


def describe(fmt: Format) -> str:
    """One listing line: where the format goes, what it is for, and how it treats audio and quality."""
    where = f"DIR/NAME_%05d{fmt.suffix}" if fmt.sequence else fmt.suffix
    audio = fmt.audio if not fmt.sequence else f"{fmt.audio} as NAME.wav beside the frames"
    depth = "; 8 or 16 bits (`bit_depth`)" if fmt.deep else ""
    return (f"{where:20} {fmt.codec + (' (default)' if fmt.default else ''):22} {fmt.purpose}. "
            f"Browsers: {'yes' if fmt.browser else 'no'}; audio: {audio or 'none'}; "
            f"loops: {'yes' if fmt.loops else 'no'}; alpha: {'yes' if fmt.alpha else 'no'}; "
            f"quality: {fmt.quality.describe()}{depth}")


def format_lines() -> list[str]:
    """The table as text, one line per format, for a `formats` listing."""
    return [describe(f) for f in output_formats()]
