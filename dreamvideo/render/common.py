"""What every render shares: the seed, the work folder, the longest side."""

from __future__ import annotations

import secrets
from pathlib import Path

from ..settings import Settings
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
    return options.frames_dir or output.with_name(f".{output.name}.frames")


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
