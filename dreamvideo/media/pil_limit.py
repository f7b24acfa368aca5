"""PIL's decompression-bomb limit: one value for every image this process opens.

With `size` given, images past PIL's own limit may still be opened, up to :data:`HARD_MAX_PIXELS`
(our own checks read the header's size first: ``images.py``). Every open sets the same value
and nothing restores it, so threads (the studio's) cannot undo each other, and PIL keeps refusing
past twice the cap where it checks sizes we do not see (a GIF frame, a TIFF tile).
"""

from PIL import Image

HARD_MAX_PIXELS = 1_000_000_000


def pil_limit() -> None:
    """Set PIL's limit to :data:`HARD_MAX_PIXELS` (once; later calls find it set)."""
    if Image.MAX_IMAGE_PIXELS != HARD_MAX_PIXELS:
        Image.MAX_IMAGE_PIXELS = HARD_MAX_PIXELS
