"""Still images as people really have them: phone photos, 16-bit scans, transparent PNGs, huge panoramas.

Every image becomes uint8 RGB in the orientation it is displayed in:
- EXIF orientation is applied (phone photos are stored sideways with a tag);
- 16-bit and 32-bit greyscale is scaled to 8 bits, not clipped (clipping made it white);
- transparency is composited on white (:data:`BACKGROUND`), as a viewer on a page shows it;
- an image larger than PIL's decompression-bomb limit is refused with a line that says
  what to do, unless ``--size`` asks for a smaller copy (JPEGs then decode at reduced scale).

The bomb check is ours, made on the size PIL reads from the header before it decodes
anything. PIL's own process-wide limit is set once to :data:`HARD_MAX_PIXELS` and never
lowered again: lowering and restoring it around each open raced between the studio's
preview threads and the frame prefetch thread (one thread's restore could leave the
limit lifted for everyone, or lowered under another's sized open).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import DreamError, not_a_file
from .pil_limit import HARD_MAX_PIXELS, pil_limit
from .sequence_input import names_sequence

BACKGROUND = (255, 255, 255)  # transparency is composited on white
# Longest working side for inputs given without --size. Dreaming time and activation memory
# grow with the pixel count; a 24 MP phone photo has 8x the pixels of 2048x1365 and at full
# size would take minutes per still on a laptop CPU and more memory than many GPUs have.
# 2048 px still keeps detail at the scale the network's receptive field fills. --size overrides.
DEFAULT_MAX_SIDE = 2048
# Without --size, images up to this many pixels open: where PIL itself refuses by default
# (twice its MAX_IMAGE_PIXELS; between once and twice it only warns, which we never showed).
BOMB_PIXELS = 2 * (1024 * 1024 * 1024 // 4 // 3)


def fit_longest(width: int, height: int, longest: int | None, even: bool = False) -> tuple[int, int]:
    """(width, height) scaled so the longest side is ``longest``; even sides for H.264."""
    if longest:
        scale = longest / max(width, height)
        width, height = max(1, round(width * scale)), max(1, round(height * scale))
    if even:
        width, height = max(2, width - width % 2), max(2, height - height % 2)
    return width, height


def working_size(width: int, height: int, longest: int | None,
                 even: bool = False) -> tuple[tuple[int, int], str | None]:
    """The size to dream at, and a note when the default cap shrank an input given without --size."""
    if longest or max(width, height) <= DEFAULT_MAX_SIDE:
        return fit_longest(width, height, longest, even), None
    size = fit_longest(width, height, DEFAULT_MAX_SIDE, even)
    return size, (f"input is {width}x{height}; dreaming at {size[0]}x{size[1]} "
                  f"(default limit {DEFAULT_MAX_SIDE} px; pass `size` N for another size)")


class _TooLarge(DreamError):
    """Over PIL's decompression-bomb limit (or, with a size, over :data:`HARD_MAX_PIXELS`)."""


def _too_big(path: Path, sized: bool) -> DreamError:
    if sized:
        return _TooLarge(f"image {path} is too large to open (over {HARD_MAX_PIXELS // 10**6} megapixels)")
    return _TooLarge(f"image {path} is too large to open safely (over PIL's decompression-bomb limit); "
                      f"pass `size` N (e.g. `size` {DEFAULT_MAX_SIDE}) to dream a scaled-down copy")


def _check_pixels(path: Path, size: tuple[int, int], sized: bool) -> None:
    """Refuse, from the header's size, an image over :data:`BOMB_PIXELS` (:data:`HARD_MAX_PIXELS` with a size)."""
    if size[0] * size[1] > (HARD_MAX_PIXELS if sized else BOMB_PIXELS):
        raise _too_big(path, sized)


def _open(path: Path, longest: int | None) -> Image.Image:
    """Open and decode to RGB; past the bomb limit only when --size asks for a smaller copy."""
    pil_limit()
    try:
        with Image.open(path) as img:  # reads the header only: the size is known before any decoding
            _check_pixels(path, img.size, bool(longest))
            if longest and img.format == "JPEG":
                img.draft("RGB", (longest, longest))  # decode at 1/2, 1/4 or 1/8 scale
            img.load()
            return to_rgb(img)
    except Image.DecompressionBombError:
        raise _too_big(path, bool(longest)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DreamError(f"cannot read image {path}: not a valid or complete image file") from exc


def to_rgb(img: Image.Image) -> Image.Image:
    """Displayed orientation, 8-bit RGB, transparency on :data:`BACKGROUND`."""
    img = ImageOps.exif_transpose(img) or img
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        data = np.asarray(img).astype(np.float64)
        top = 65535.0 if img.mode != "F" or data.max() > 1 else 1.0
        if img.mode == "I" and data.max() > 65535:
            top = float(data.max())
        img = Image.fromarray(np.clip(data / top * 255 + 0.5, 0, 255).astype(np.uint8), "L")
    if img.mode == "P" and "transparency" in img.info or img.mode in ("PA", "LA", "La"):
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "RGBa"):
        canvas = Image.new("RGB", img.size, BACKGROUND)
        canvas.paste(img, mask=img.getchannel("A"))
        return canvas
    return img.convert("RGB")


def load_image(path: Path, size: int | None = None, cover: tuple[int, int] | None = None,
               cap: bool = False, note: Callable[[str], None] | None = None) -> np.ndarray:
    """Read an image as uint8 RGB (H, W, 3).

    ``size`` resizes so the longest side is that long; ``cover`` = (width, height)
    scales to fill that canvas and centre-crops the rest; ``cap`` applies
    :data:`DEFAULT_MAX_SIDE` when neither is given and tells ``note`` so
    (see :func:`working_size`).
    """
    if not path.is_file():
        raise _not_an_image(path)
    img = _open(path, size or (max(cover) if cover else None))
    if cover:
        return np.asarray(ImageOps.fit(img, cover, Image.Resampling.LANCZOS))
    new, message = working_size(img.width, img.height, size) if cap else (fit_longest(img.width, img.height, size), None)
    if message and note:
        note(message)
    if new != img.size:
        img = img.resize(new, Image.Resampling.LANCZOS)
    return np.asarray(img)


def _not_an_image(path: Path) -> DreamError:
    """Why ``path`` is not an image to read: missing, a folder, or a pattern / glob of frames, which only a
    video render reads (a still and a zoom's start are one image)."""
    if names_sequence(str(path)) and not path.is_dir():
        return DreamError(f"input image {path} is an image sequence (a frame pattern or a glob); "
                          "a still or a zoom starts from one image file, and only a video reads a sequence")
    return not_a_file("input image", path)


def load_guide(path: Path, longest: int) -> np.ndarray:
    """A guide image as uint8 RGB, whole as before, so renders with guides replay unchanged.

    The objective scales a guide to the dream's longest side anyway, so one above PIL's
    bomb limit is decoded at ``longest`` px instead (JPEGs at reduced scale): `size` does
    not apply to guides, and telling the user to pass it would send them nowhere.
    """
    if not path.is_file():
        raise not_a_file("guide image", path)
    try:
        return np.asarray(_open(path, None))
    except _TooLarge:
        return load_image(path, size=longest)


def image_size(path: Path) -> tuple[int, int]:
    """Displayed (width, height) from the header alone, EXIF rotation included."""
    pil_limit()
    try:
        with Image.open(path) as img:
            _check_pixels(path, img.size, False)
            width, height = img.size
            if img.getexif().get(0x0112, 1) in (5, 6, 7, 8):
                width, height = height, width
    except Image.DecompressionBombError:
        raise _too_big(path, False) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DreamError(f"cannot read image {path}: not a valid or complete image file") from exc
    return width, height
