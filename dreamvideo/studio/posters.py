"""Poster frames: the first frame of a clip that browsers cannot play (MOV ProRes/HAP/DNxHR, HEVC), as a PNG.

The gallery shows such a render as its poster and a download link. A poster is extracted
once with the bundled ffmpeg and cached in ``FOLDER/.studio/posters/`` (inside the folder,
hidden from ``/files``, served only by ``/api/poster``), named by the clip's path, size and
time: a render written again gets a new poster and its old one is removed. ffmpeg reads
the clip through the descriptor :func:`.paths.open_inside` checked, never by its name
again, so a link swapped in meanwhile cannot show it a file outside the folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import subprocess
from pathlib import Path

from ..errors import DreamError
from ..media import ffmpeg
from ..media.files import partial_path
from .paths import inside, open_inside, relative_name

WIDTH = 640  # a card is narrower; a larger clip's poster is scaled down to this
TIMEOUT_S = 60


def poster(folder: Path, target: Path) -> Path:
    """The cached poster of ``target`` (already checked by :func:`.paths.inside`), made when missing."""
    fd = open_inside(folder, target)
    try:
        info, shown = os.fstat(fd), relative_name(folder, target)
        cache = cache_folder(folder)
        key = hashlib.sha256(shown.encode()).hexdigest()[:20]
        path = cache / f"{key}-{info.st_mtime_ns:x}-{info.st_size:x}.png"
        if not path.is_file():
            extract(fd, target, path, shown)
            for old in cache.glob(f"{key}-*.png"):
                if old != path:
                    with contextlib.suppress(OSError):
                        old.unlink()
        return path
    finally:
        os.close(fd)


def cache_folder(folder: Path) -> Path:
    """``FOLDER/.studio/posters``, refused (403) before it is made if a link would put it outside."""
    cache = inside(folder, ".studio/posters")
    cache.mkdir(parents=True, exist_ok=True)
    return inside(folder, ".studio/posters", must_exist=True)


def extract(fd: int, target: Path, path: Path, shown: str) -> None:
    """Write the clip's first frame as ``path`` (a temporary renamed into place: never half a PNG)."""
    source = f"/dev/fd/{fd}" if os.path.isdir("/dev/fd") else str(target)
    tmp = partial_path(path, secrets.token_hex(3))
    args = [ffmpeg.exe(), "-hide_banner", "-nostdin", "-v", "error", "-i", source, "-map", "0:v:0",
            "-frames:v", "1", "-vf", f"scale=min({WIDTH}\\,iw):-1", "-pix_fmt", "rgb24", "-c:v", "png",
            "-f", "image2", "-y", str(tmp)]
    try:
        result = subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=TIMEOUT_S,
                                pass_fds=(fd,) if source.startswith("/dev/fd") else (), start_new_session=True)
        if result.returncode != 0 or not tmp.is_file():
            raise DreamError(f"no poster frame for {shown}: {ffmpeg.reason(result.stderr)}")
        os.replace(tmp, path)
    except subprocess.TimeoutExpired:
        raise DreamError(f"no poster frame for {shown}: ffmpeg took over {TIMEOUT_S} s") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
