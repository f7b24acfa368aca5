"""What every render shares: the seed, the work folder, the longest side."""

from __future__ import annotations

import secrets
from pathlib import Path

from ..errors import DreamError
from ..settings import Settings
from . import layout
from .engine import RunOptions
from .store import FrameStore


def with_seed(settings: Settings, work: Path | None) -> Settings:
    """A fixed seed: the given one, an unfinished render's, or a fresh random one (recorded)."""
    if settings.seed is not None:
        return settings
    seed = FrameStore.saved_seed(work) if work else None
    return settings.model_copy(update={"seed": seed if seed is not None else secrets.randbelow(2**31)})


def work_folder(output: Path, options: RunOptions) -> Path:
    """``frames_dir`` when given (kept), else a hidden folder beside the output (removed after)."""
    return kept_folder(output, options) or layout.work_folder(output)


def kept_folder(output: Path, options: RunOptions) -> Path | None:
    """``frames_dir``, refused when it is the output itself: every frame would be made, then the
    output could not be written over the folder holding them."""
    folder = options.frames_dir
    if folder is not None and folder.absolute() == output.absolute():
        raise DreamError(f"`frames_dir` {folder} is the output; choose another folder for the frames")
    if folder is not None:
        _check_folder(folder)
    return folder


def _check_folder(folder: Path) -> None:
    """The nearest part of ``frames_dir`` that exists must be a folder (the rest is made): a file
    there would fail only when the folder is made, as "File exists" or "Not a directory"."""
    found = next((part for part in (folder, *folder.parents) if part.exists()), None)
    if found is not None and not found.is_dir():
        where = "is a file" if found == folder else f"is inside {found}, which is a file"
        raise DreamError(f"`frames_dir` {folder} {where}, not a folder; choose a folder for the frames")


def finish(store: FrameStore, options: RunOptions) -> None:
    """The work folder goes once the output is safe, unless the user asked to keep frames.

    Kept frames keep their manifest: the same command again re-encodes them without
    dreaming, and other settings are refused until restart.
    """
    if options.frames_dir is None:
        store.remove()


def longest_side(settings: Settings) -> int | None:
    """``size`` as a longest side, for inputs that keep their own aspect ratio."""
    return max(settings.size) if isinstance(settings.size, tuple) else settings.size
