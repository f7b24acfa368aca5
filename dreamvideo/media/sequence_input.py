"""Image sequences as clips: a folder of images, a printf pattern (``f_%04d.png``) or a glob (``shots/*.png``).

Compositors hand over frames as numbered files. The whole sequence is checked before
any dreaming, from the files' headers alone (PIL opens lazily): every file an image of
one format (PNG, JPEG, TIFF or WebP) and one size, and numbered files without a gap;
otherwise one line names the first bad file. Frames are taken in natural order
(``f_2`` before ``f_10``); dotfiles in a folder (``.DS_Store``) are not frames.

ffmpeg's image2 demuxer then reads them through a temporary folder of links numbered
in that order (:func:`linked`), so a sequence is decoded and scaled exactly as a video
file's frames are, and 16-bit PNGs are scaled to 8 bits, not clipped.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, NamedTuple, Sequence

from PIL import Image, UnidentifiedImageError

from ..errors import DreamError
from .formats import PATTERN, frame_regex
from .pil_limit import HARD_MAX_PIXELS, pil_limit

# PIL's format name -> the suffix ffmpeg's image2 demuxer picks the decoder by.
FORMATS = {"PNG": ".png", "JPEG": ".jpg", "TIFF": ".tif", "WEBP": ".webp"}
ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
_NUMBERED = re.compile(r"(.*?)(\d+)(\D*)")


@dataclass(frozen=True)
class Frames:
    """A checked sequence: its files in order, their size and the first file with an alpha channel."""

    files: tuple[Path, ...]
    size: tuple[int, int]
    alpha: Path | None


def names_sequence(text: str) -> bool:
    """Whether ``text`` names an input sequence (a folder, a printf pattern, a glob) rather than one file
    (``formats.is_sequence`` says whether an output path is a frame-number pattern)."""
    path = Path(text).expanduser()
    if path.is_file():
        return False
    return path.is_dir() or bool(PATTERN.search(path.name)) or glob.has_magic(text)


def natural_key(path: Path) -> tuple[list, str]:
    """Sort key: digit runs compare as numbers, so ``f_2`` comes before ``f_10``."""
    parts = re.split(r"(\d+)", path.name)
    return [int(p) if p.isdigit() else p.lower() for p in parts], path.name


def find_frames(spec: str) -> Frames:
    """The sequence ``spec`` names, checked whole (see the module's docstring)."""
    path = Path(spec).expanduser()
    if path.is_dir():
        files = [p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")]
        numbered = _numbering(files)
    elif PATTERN.search(path.name):
        files, numbered = _pattern_files(path)
    else:
        files = [Path(p) for p in glob.glob(str(path)) if Path(p).is_file()]
        numbered = _numbering(files)
    if not files:
        raise DreamError(f"no images found for the input sequence {spec}")
    files.sort(key=natural_key)
    size, alpha = check_headers(files)
    if numbered:
        check_gaps(*numbered)
    return Frames(tuple(files), size, alpha)


Numbered = tuple[dict[int, Path], Callable[[int], str]]  # files by number, and the name a number has


def _pattern_files(pattern: Path) -> tuple[list[Path], Numbered]:
    """Files a printf pattern names, any start number, exactly as printf writes the numbers."""
    if not pattern.parent.is_dir():
        raise DreamError(f"input sequence folder not found: {pattern.parent}")
    spec = PATTERN.search(pattern.name)
    if PATTERN.search(pattern.name, spec.end()):
        raise DreamError(f"input sequence {pattern} must have one number field (like %04d)")
    regex, width = frame_regex(pattern), int(spec[1] or 1)
    numbered: dict[int, Path] = {}
    for path in pattern.parent.iterdir():
        match = regex.fullmatch(path.name)
        if match and path.is_file():
            _add(numbered, int(match[1]), path)
    head, tail = pattern.name[:spec.start()], pattern.name[spec.end():]
    return list(numbered.values()), (numbered, lambda n: f"{head}{n:0{width}d}{tail}")


def _numbering(files: list[Path]) -> Numbered | None:
    """Files by number when all share one name around a trailing number (``shot_001.png``), else None."""
    matches = [_NUMBERED.fullmatch(p.name) for p in files]
    if not matches or not all(matches) or len({(m[1], m[3]) for m in matches}) != 1:
        return None
    numbered: dict[int, Path] = {}
    for match, path in zip(matches, files):
        _add(numbered, int(match[2]), path)
    head, digits, tail = matches[0].groups()
    return numbered, lambda n: f"{head}{str(n).zfill(len(digits))}{tail}"


def _add(numbered: dict[int, Path], number: int, path: Path) -> None:
    if number in numbered:
        first, second = sorted((numbered[number], path), key=natural_key)
        raise DreamError(f"input sequence: {second} has the same frame number as {first.name}")
    numbered[number] = path


def check_gaps(numbered: dict[int, Path], name: Callable[[int], str]) -> None:
    """Refuse a gap in the numbering, naming the first missing file."""
    ordered = sorted(numbered.items())
    for (number, path), (following, after) in zip(ordered, ordered[1:]):
        if following != number + 1:
            raise DreamError(f"input sequence: {path.parent / name(number + 1)} is missing "
                             f"(a gap between {path.name} and {after.name})")


def check_headers(files: Sequence[Path]) -> tuple[tuple[int, int], Path | None]:
    """One format and one size for every file, read from headers; the size and the first file with alpha."""
    first: tuple[Path, str, tuple[int, int]] | None = None
    alpha = None
    for path in files:
        kind, size, has = _header(path)
        if first is None:
            first = (path, kind, size)
        elif kind != first[1]:
            raise DreamError(f"input sequence: {path} is {kind}, but {first[0].name} is {first[1]}; "
                             "every frame of a sequence must have one format")
        elif size != first[2]:
            raise DreamError(f"input sequence: {path} is {size[0]}x{size[1]}, but {first[0].name} is "
                             f"{first[2][0]}x{first[2][1]}; every frame of a sequence must have one size")
        alpha = alpha or (path if has else None)
    assert first is not None
    return first[2], alpha


class Header(NamedTuple):
    """What PIL's lazy open tells about an image file without decoding it."""

    format: str
    size: tuple[int, int]
    alpha: bool
    animated: bool


def read_header(path: Path) -> Header | None:
    """The image header of ``path``, or None when PIL does not know it as an image.

    Only the header is read (ffmpeg decodes), under PIL's limit as every open here sets it
    (:func:`.pil_limit.pil_limit`: set, never lifted and restored, so threads cannot undo each other).
    """
    pil_limit()
    try:
        with Image.open(path) as img:
            alpha = img.mode in ALPHA_MODES or "transparency" in img.info  # a palette's transparent entry too
            return Header(img.format or "", img.size, alpha, bool(getattr(img, "is_animated", False)))
    except Image.DecompressionBombError:
        raise DreamError(f"image {path} is too large to open (over {2 * HARD_MAX_PIXELS // 10**6} megapixels)") \
            from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def _header(path: Path) -> tuple[str, tuple[int, int], bool]:
    """(format, size, has alpha) from the header; a file that is not a sequence image is refused."""
    header = read_header(path)
    if header is None or header.format not in FORMATS:
        raise DreamError(f"input sequence: {path} is not a PNG, JPEG, TIFF or WebP image; "
                         "move it out, or name the frames with a pattern (f_%04d.png) or a glob (*.png)")
    return header.format, header.size, header.alpha


@contextlib.contextmanager
def linked(files: Sequence[Path]) -> Iterator[str]:
    """A temporary folder of links ``00000000.png``... to ``files`` in order; yields the pattern for image2.

    Links cost nothing to make and let image2 read any names, in natural order, from
    frame 0; the folder goes when the reader closes. Where links are not allowed, copies.
    """
    suffix = FORMATS[_header(files[0])[0]]
    with tempfile.TemporaryDirectory(prefix="dreamvideo-sequence-") as folder:
        for index, path in enumerate(files):
            target = Path(folder) / f"{index:08d}{suffix}"
            try:
                os.symlink(path.resolve(), target)
            except OSError:
                shutil.copyfile(path, target)
        yield str(Path(folder) / f"%08d{suffix}")
