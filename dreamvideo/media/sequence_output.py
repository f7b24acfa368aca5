"""Image sequences written whole: the frames go to a hidden staging folder, are read back, and only
then move into place, so a crash leaves the previous sequence or the new one, never a mix of
half-written frames.

An output ``DIR/NAME_%05d.png`` is staged in ``DIR/.NAME-frames.PID.partial/``, or,
when ``DIR`` does not exist yet, in ``.DIR.PID.partial/`` beside it, which is then
renamed to ``DIR`` in one step. Publishing moves each staged file in and removes
only the frames of the same pattern that the new sequence does not have (the
previous, longer render of this output); other files in ``DIR`` are never touched.
Audio goes beside the frames as ``DIR/NAME.wav``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

from ..errors import DreamError
from .files import alive, fsync_dir, fsync_file
from .formats import PATTERN, Format, frame_regex, is_sequence
from .readback import check_streams, decoded_frames, streams


def label(pattern: Path) -> str:
    """The sequence's name without its frame number: ``dive`` for ``dive_%05d.png``."""
    return PATTERN.sub("", pattern.stem).strip("_-. ") or "frames"


def sidecar_path(output: Path) -> Path:
    """Where a render's sidecar goes: ``OUT.mp4.yaml`` beside a file; an image sequence's ``DIR/NAME.yaml``
    beside its frames and ``NAME.wav`` (``NAME_%05d.png.yaml`` would read as a frame pattern of its own).

    The one spelling of it: the renderer writes there, and the studio finds, recalls and trashes renders by it.
    """
    if is_sequence(output):
        return output.with_name(label(output) + ".yaml")
    return output.with_name(output.name + ".yaml")


def audio_path(pattern: Path) -> Path:
    """Where a sequence's audio goes: ``DIR/NAME.wav`` beside the frames."""
    return pattern.with_name(label(pattern) + ".wav")


def sequence_files(pattern: Path) -> list[Path]:
    """The files already in the folder that the pattern names: a new sequence replaces or removes them."""
    regex = frame_regex(pattern)
    try:
        return sorted(p for p in pattern.parent.iterdir() if regex.fullmatch(p.name))
    except OSError:  # no folder yet: nothing of the pattern's
        return []


def check_sequence_output(pattern: Path) -> None:
    """Fail before any work when the sequence's folder could not be made or written."""
    if "%" in str(pattern.parent) or pattern.name.count("%") != 1 or not PATTERN.search(pattern.name):
        raise DreamError(f"an image sequence needs one frame-number pattern, in the file name: {pattern}")
    folder = pattern.parent
    if folder.exists() and not folder.is_dir():
        raise DreamError(f"output folder {folder} is a file")
    if not folder.exists() and not folder.parent.is_dir():
        raise DreamError(f"output directory does not exist: {folder.parent}")
    if not os.access(folder if folder.exists() else folder.parent, os.W_OK):
        raise DreamError(f"cannot write {pattern}: permission denied (folder {folder})")


class Staging:
    """One sequence's hidden staging folder: :meth:`open`, write, :meth:`check`, :meth:`publish`."""

    def __init__(self, pattern: Path, start: int = 1) -> None:
        self.pattern, self.start = pattern, start
        self.folder = pattern.parent
        self.new_folder = not self.folder.exists()
        if self.new_folder:
            home, stem = self.folder.parent, self.folder.name
        else:
            home, stem = self.folder, label(pattern) + "-frames"
        self._stale = re.compile(rf"\.{re.escape(stem)}\.(\d+)\.partial")
        self.stage = home / f".{stem}.{os.getpid()}.partial"

    def open(self) -> Path:
        """Make the staging folder (after removing ones killed runs left); return the pattern inside it."""
        for old in self.stage.parent.iterdir() if self.stage.parent.is_dir() else ():
            match = self._stale.fullmatch(old.name)
            if match and old.is_dir() and int(match[1]) != os.getpid() and not alive(int(match[1])):
                shutil.rmtree(old, ignore_errors=True)
        try:
            self.stage.mkdir(parents=False)
        except OSError as exc:
            raise DreamError(f"cannot write {self.pattern}: {exc.strerror or exc}") from exc
        return self.stage / self.pattern.name

    def names(self, count: int) -> list[str]:
        return [self.pattern.name % number for number in range(self.start, self.start + count)]

    def check(self, count: int, fmt: Format) -> None:
        """Raise unless the stage holds exactly the ``count`` frames, the first and last as promised."""
        regex = frame_regex(self.pattern)
        found = sorted(p.name for p in self.stage.iterdir() if regex.fullmatch(p.name))
        expected = self.names(count)
        if found != expected:
            missing = next((n for n in expected if n not in found), found[-1] if found else expected[0])
            raise DreamError(f"{self.pattern}: {len(found)} frames were written, expected {count} "
                             f"(first wrong: {missing}); nothing was replaced")
        for name in {expected[0], expected[-1]}:
            staged, shown = self.stage / name, self.folder / name
            check_streams(streams(staged), fmt, shown)
            if decoded_frames(staged, shown) != 1:
                raise DreamError(f"{shown} does not read back as one image; nothing was replaced")

    def publish(self, count: int) -> list[Path]:
        """Move the staged files into place; return the old frames of this pattern that went."""
        staged = sorted(self.stage.iterdir())
        for path in staged:
            fsync_file(path)
        if self.new_folder:
            with contextlib.suppress(OSError):  # the folder appeared meanwhile: move file by file
                os.rename(self.stage, self.folder)
                fsync_dir(self.folder.parent)
                return []
        keep = set(self.names(count))
        for path in staged:
            os.replace(path, self.folder / path.name)
        old = [p for p in sequence_files(self.pattern) if p.name not in keep]
        for path in old:
            path.unlink()
        self.stage.rmdir()
        fsync_dir(self.folder)
        return old

    def discard(self) -> None:
        """Remove the staging folder and what it holds (all of it this process's own)."""
        shutil.rmtree(self.stage, ignore_errors=True)
