"""Media: images, clips, audio and encoding, as people really have them.

:func:`quiet_libraries` is what the program sets up in the libraries it reads media with;
the CLI calls it where it starts (every command, the studio's server included), never
an import: a library user, or a test, keeps its own logging and warnings.
"""

from __future__ import annotations

import logging
import warnings


def quiet_libraries() -> None:
    """Silence what the libraries say that the program says itself, or that is not news to a user.

    imageio-ffmpeg logs "frame size for reading ... is different" on every resized read;
    PIL warns of a decompression bomb past its limit, where :mod:`.images` refuses in one line.
    """
    logging.getLogger("imageio_ffmpeg").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=r"Image size \(\d+ pixels\) exceeds limit")
