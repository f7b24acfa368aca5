"""The names in a frame store's folder, spelled in one place, with no heavy import (the studio reads them).

A store's own files are exactly the names made here: ``frame_NNNNNN.png`` (a finished frame),
``frame_NNNNNN.key.png`` (a zoom window's key), ``frame_NNNNNN.coherence.npz`` (a video
keyframe's coherence state) and ``manifest.json``; a chunked render adds ``chunk_NNNN.json``
markers and ``fade/frame_NNNNNN_CCCC.png`` (a frame two chunks share, as one of them made it).
A name counts as the store's only when formatting the index read from it gives the very same
name back, so a user's ``frame_01.png``, ``frame_x.png`` or ``frame_000001.jpg`` in a
``frames_dir`` is never listed, parsed or deleted.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

MANIFEST = "manifest.json"
FADES = "fade"  # the subfolder of a chunked render's shared frames
FRAME, KEY, STATE = "png", "key.png", "coherence.npz"  # what follows ``frame_NNNNNN.``
_OWN = re.compile(r"frame_(\d+)\.(png|key\.png|coherence\.npz)")
_FADE = re.compile(r"frame_(\d+)_(\d+)\.png")
_MARKER = re.compile(r"chunk_(\d+)\.json")


def name(index: int, kind: str = FRAME) -> str:
    """The file name of frame ``index`` (``kind``: the frame itself, its key or its coherence state)."""
    return f"frame_{index:06d}.{kind}"


def parse(file_name: str, kind: str | None = None) -> int | None:
    """The index in one of the store's own names (of ``kind``, or of any kind); None for any other name."""
    match = _OWN.fullmatch(file_name)
    if match is None or kind not in (None, match.group(2)):
        return None
    index = int(match.group(1))
    return index if name(index, match.group(2)) == file_name else None


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:  # not there (yet, or any more): nothing in it
        return []


def indices(folder: Path, kind: str = FRAME) -> list[int]:
    """The indices of the store's own files of ``kind`` in ``folder``, sorted."""
    return sorted(i for n in _names(folder) if (i := parse(n, kind)) is not None)


def own_files(folder: Path) -> list[Path]:
    """Every file of the store's own in ``folder``: frames, keys, states and the manifest."""
    return [folder / n for n in _names(folder) if n == MANIFEST or parse(n) is not None]


def fade_name(index: int, chunk: int) -> str:
    """Frame ``index`` as chunk number ``chunk`` made it, before the fade of two chunks' versions."""
    return f"frame_{index:06d}_{chunk:04d}.png"


def marker_name(chunk: int) -> str:
    """The marker written once chunk number ``chunk`` has delivered all of its frames."""
    return f"chunk_{chunk:04d}.json"


def _made(pattern: re.Pattern[str], make, file_name: str) -> bool:
    """Whether ``file_name`` is what ``make`` gives for the numbers ``pattern`` reads from it."""
    match = pattern.fullmatch(file_name)
    return match is not None and make(*map(int, match.groups())) == file_name


def chunk_files(folder: Path) -> list[Path]:
    """A chunked render's own markers in ``folder`` and shared frames in its ``fade`` subfolder."""
    return ([folder / n for n in _names(folder) if _made(_MARKER, marker_name, n)]
            + [folder / FADES / n for n in _names(folder / FADES) if _made(_FADE, fade_name, n)])


def work_folder(output: Path, preview: bool = False) -> Path:
    """The hidden folder beside ``output`` where a render keeps its frames until the output is safe.

    A motion preview keeps its own (``.OUT.preview.frames``), never a real render's (``.OUT.frames``).
    """
    return output.with_name(f".{output.name}.{'preview.' if preview else ''}frames")
