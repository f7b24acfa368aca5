"""Motion preview: the camera path (or a clip's span) rendered without dreaming, in seconds.

A preview builds no model. A zoom from noise starts from a test pattern (a grid
with numbered cells and a circle) so the motion reads; from an image, the image.
Each written frame carries its number (only on the way out: the frames that feed
the next ones stay clean).
Cadence and colour coherence apply as they would, with the dream left out.

A preview never mixes with a real render's frames: its work folder is its own
(``.OUT.preview.frames``), and a ``frames_dir`` that holds a real render's frames
is refused, ``restart`` or not, so nothing is lost. A preview stopped before its
output is written removes that folder (:func:`removed_if_stopped`): it takes
seconds to make again, so frames kept for a resume would only be litter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import yaml
from PIL import Image, ImageDraw

from ..errors import DreamError, Interrupted
from ..media.formats import is_sequence
from ..media.sequence_output import sequence_files, sidecar_path
from ..progress import Advance
from ..settings import Settings
from . import layout
from .common import kept_folder
from .engine import RunOptions
from .sidecar import manifest, resumable
from .store import FrameStore, holds_frames, read_manifest

PREVIEW_WEIGHTS = "none (motion preview: no model)"


def motion_pattern(width: int, height: int) -> np.ndarray:
    """A colourful checkerboard with numbered cells and a circle: motion, zoom and turn show at a glance."""
    cell = max(8, min(width, height) // 8)
    ys, xs = np.mgrid[0:height, 0:width]
    checker = ((xs // cell + ys // cell) % 2).astype(np.float32)
    hue = np.stack([xs / max(width - 1, 1), ys / max(height - 1, 1), 1 - xs / max(width - 1, 1)], -1)
    image = (60 + 140 * checker[..., None] * (0.4 + 0.6 * hue) + 40 * hue).clip(0, 255).astype(np.uint8)
    canvas = Image.fromarray(image)
    draw = ImageDraw.Draw(canvas)
    for number, (cy, cx) in enumerate((y, x) for y in range(0, height, cell) for x in range(0, width, cell)):
        draw.text((cx + 2, cy + 1), str(number), fill=(255, 255, 255) if (cx // cell + cy // cell) % 2 else (0, 0, 0))
    r = min(width, height) // 4
    draw.ellipse((width // 2 - r, height // 2 - r, width // 2 + r, height // 2 + r), outline=(255, 40, 40), width=3)
    return np.asarray(canvas)


class Numbered:
    """A preview's frames as written: each stamped with its frame number (the store keeps them clean).

    ``first`` is the output number of stored frame ``first`` (a loop's lead-in is not shown).
    """

    def __init__(self, frames, first: int = 0) -> None:
        self.frames, self.folder, self.first = frames, frames.folder, first

    def load(self, index: int) -> np.ndarray | None:
        frame = self.frames.load(index)
        if frame is None:
            return None
        canvas = Image.fromarray(frame)
        draw = ImageDraw.Draw(canvas)
        text = f"frame {index - self.first}"
        draw.rectangle((2, 2, 8 + 6 * len(text), 16), fill=(0, 0, 0))
        draw.text((5, 4), text, fill=(255, 255, 0))
        return np.asarray(canvas)


def no_dream(frame: np.ndarray, index: int, advance: Advance, first: bool) -> np.ndarray:
    """The preview's dream: none, the frame as it comes."""
    return frame


def preview_folder(output: Path, options: RunOptions) -> Path:
    """``frames_dir`` when given, else ``.OUT.preview.frames``: never a real render's work folder."""
    return kept_folder(output, options) or layout.work_folder(output, preview=True)


def check_preview_folder(folder: Path) -> None:
    """Refuse a folder holding a real render's frames (or frames of unknown origin), restart or not."""
    old = read_manifest(folder) if folder.is_dir() else None
    real = old is not None and not old.get("settings", {}).get("preview")
    unknown = old is None and holds_frames(folder)
    if real or unknown:
        raise DreamError(f"{folder} holds the frames of a real render; a `preview` never writes over them: "
                         "choose another `frames_dir` (nothing was changed)")


def check_preview_output(output: Path) -> None:
    """Refuse to write a preview over a finished real render (its sidecar says no ``preview``).

    A preview checks a schedule in seconds; replacing the hours-long render it was meant
    to prepare would lose it, though the preview reads back fine. An output without a
    sidecar (not a render of ours) is replaced as any render replaces it.
    """
    side = sidecar_path(output)
    there = sequence_files(output) if is_sequence(output) else output.is_file()  # a sequence: any of its frames
    if not (there and side.is_file()):
        return
    try:
        data = yaml.safe_load(side.read_text())
    except (OSError, yaml.YAMLError):
        data = None
    meta = data.get("meta") if isinstance(data, dict) else None
    if not (isinstance(meta, dict) and meta.get("preview") is True):
        raise DreamError(f"{output} is a finished render (see {side.name}); a `preview` never replaces it: "
                         "choose another output name (nothing was changed)")


def preview_store(output: Path, options: RunOptions, kind: str, settings: Settings, **inputs) -> FrameStore:
    """The preview's own frame store, after :func:`check_preview_folder`."""
    folder = preview_folder(output, options)
    check_preview_folder(folder)
    return FrameStore(folder, resumable(folder, manifest(kind, settings, **inputs)), options.restart)


@contextmanager
def removed_if_stopped(store: FrameStore, options: RunOptions, preview: bool = True) -> Iterator[None]:
    """Remove a preview's own work folder when Ctrl-C or an error stops it; a real render's frames,
    and a `frames_dir` the user named, stay for a resume."""
    if not preview or options.frames_dir is not None:
        yield
        return
    try:
        yield
    except (Interrupted, KeyboardInterrupt):
        store.remove()
        raise Interrupted("interrupted (the preview's frames were removed)") from None
    except BaseException:
        store.remove()
        raise


class SpanPlan:
    """A clip's frames at the working size, as they come: a video's preview."""

    steps = 1

    def __init__(self, frames: Iterator[np.ndarray], total: int | None) -> None:
        self.frames, self.total, self.raw = frames, total, None

    def indices(self) -> Iterator[int]:
        for index, raw in enumerate(self.frames):
            self.raw = raw
            yield index

    def make(self, index: int, advance: Advance) -> np.ndarray:
        return self.raw

    def resume(self, index: int, frame: np.ndarray) -> None:
        pass
