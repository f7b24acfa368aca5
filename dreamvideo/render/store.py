"""Finished frames by index, in any order, as lossless PNGs beside one manifest.

The manifest (settings and inputs that shaped the frames) is written once, when the
store is created; later openers, other processes included, only check it. Frames
are quantised to uint8 before they feed the next one, so a resumed render continues
from the PNG exactly as the uninterrupted one would have. A frame file that does
not decode counts as missing and is made again. Every name in the folder comes from
:mod:`.layout`; the store lists, parses and deletes only its own, never a user's file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DreamError
from ..media.encode import save_image
from ..media.sources import load_image
from . import layout
from .layout import MANIFEST


# Manifest entries that are not settings, named as the user set them (`max_f` is the frame count).
_INPUTS = {"max_f": "`frames`", "fps": "`fps`", "audio_size": "`audio`", "audio_mtime": "`audio`",
           "source": "`from`", "input": "the input", "input_size": "the input", "input_mtime": "the input",
           "input_frames": "the input", "input_files": "the input", "input_fps": "`fps`",  # a sequence's
           "kind": "the kind of render"}


def _changed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs, looking inside the settings: settings in backquotes, inputs by what the user gave."""
    flat_old = {**old, **old.get("settings", {})}
    flat_new = {**new, **new.get("settings", {})}
    keys = sorted(k for k in set(flat_old) | set(flat_new) if k != "settings" and flat_old.get(k) != flat_new.get(k))
    return list(dict.fromkeys(_INPUTS.get(k, f"`{k}`") for k in keys))


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest in ``folder``, None when there is none; unreadable is an error."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        raise DreamError(f"cannot read {path}; add `restart` to start over") from None


def holds_frames(folder: Path) -> bool:
    """Whether ``folder`` holds frames named as the store names them (a user's ``frame_01.jpg`` is not one)."""
    return bool(layout.indices(folder))


def owns(name: str) -> bool:
    """Whether a file of this name in a store's folder is the store's to write or delete:
    a render must not read one from its own `frames_dir`."""
    return name == MANIFEST or layout.parse(name) is not None


def load_frame(path: Path) -> np.ndarray | None:
    """A stored PNG (a frame or a state image), or None when missing or damaged; a damaged one is removed."""
    if not path.is_file():
        return None
    try:
        return load_image(path)
    except DreamError:
        path.unlink(missing_ok=True)
        return None


class FrameStore:
    """Frames ``frame_NNNNNN.png`` and per-frame state files (keys, coherence states) in one work folder."""

    def __init__(self, folder: Path, manifest: dict[str, Any], restart: bool = False) -> None:
        self.folder = folder
        if restart:
            for path in layout.own_files(folder):  # never a user's own file in a folder they named
                path.unlink(missing_ok=True)
        old = read_manifest(folder)
        if old is not None and old != manifest:
            raise DreamError(f"settings changed since the frames in {folder} were made "
                             f"({', '.join(_changed(old, manifest))}); add `restart` to start over")
        if old is None and holds_frames(folder):
            raise DreamError(f"{folder} holds frames of another render; add `restart` to replace them "
                             "or choose another `frames_dir`")
        folder.mkdir(parents=True, exist_ok=True)
        if old is None:
            (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))

    @staticmethod
    def saved_seed(folder: Path) -> int | None:
        """The seed of an earlier, unfinished render, so a resume without a seed matches it."""
        try:
            return (read_manifest(folder) or {})["settings"].get("seed")
        except (DreamError, KeyError, AttributeError):
            return None

    def path(self, index: int) -> Path:
        return self.folder / layout.name(index)

    def key_path(self, index: int) -> Path:
        """Where a zoom keeps the key of the window that starts at frame ``index``."""
        return self.folder / layout.name(index, layout.KEY)

    def state_path(self, index: int) -> Path:
        """Where a video keeps the coherence state keyframe ``index`` left."""
        return self.folder / layout.name(index, layout.STATE)

    def indices(self) -> list[int]:
        """The finished frames' indices, sorted (damaged ones included: ``load`` finds those)."""
        return layout.indices(self.folder)

    def states(self) -> list[int]:
        """The keyframes whose coherence state is saved, sorted."""
        return layout.indices(self.folder, layout.STATE)

    def drop_from(self, index: int) -> None:
        """Delete the store's frames, keys and states from ``index`` on (a user's files stay)."""
        for path in layout.own_files(self.folder):
            found = layout.parse(path.name)  # None: the manifest, which stays
            if found is not None and found >= index:
                path.unlink(missing_ok=True)

    def load(self, index: int) -> np.ndarray | None:
        """The finished frame, or None if it is missing or damaged (it will be made again)."""
        return load_frame(self.path(index))

    def save(self, index: int, frame: np.ndarray) -> None:
        save_image(self.path(index), frame, fast=True)

    def first_missing(self) -> int:
        """The first index with no frame file: where a sequential render picks up."""
        index = 0
        while self.path(index).is_file():
            index += 1
        return index

    def count(self) -> int:
        """How many frames are finished, whatever their indices."""
        return len(self.indices())  # not the state files beside them

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
