"""The renders that tests/test_frames_pinned.py pins, and the tool that writes and measures them.

    python -m tests.golden write              # tests/data/golden_*.png from the current code
    python -m tests.golden render FOLDER      # the same strips into FOLDER (for a drift check)
    python -m tests.golden compare A B        # per-frame max / mean |A - B| in 1/255

Each strip is one render's frames side by side, as 8-bit RGB: a PNG per render keeps the
goldens small and reviewable. Run ``render`` under other thread counts or
``ATEN_CPU_CAPABILITY`` values to see how far another CPU's rounding moves the pixels.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from .conftest import FAST, make_clip  # (conftest sets 2 torch threads when imported)

DATA = Path(__file__).resolve().parent / "data"
MODES = ("blend", "flow", "none")
PINNED = {"precision": "fp32"}  # what the goldens were made in; auto may pick bf16 on a CPU that has it


def zoom_frames(folder: Path) -> list[np.ndarray]:
    """The pinned zoom: 4 frames of noise at 64x48, rotating, zoom 1.1, seed 3."""
    from dreamvideo.render import render_zoom
    from dreamvideo.settings import resolve

    settings = resolve(None, {**FAST, **PINNED, "size": "64x48", "frames": 4, "fps": 12, "seed": 3,
                              "rotate": {0: 0, 3: 2}, "zoom": 1.1})
    render_zoom(settings, "noise", folder / "z.mp4", _options(folder / "f"))
    return _frames(folder / "f")


def video_frames(folder: Path, mode: str) -> list[np.ndarray]:
    """The pinned video: a 0.25 s 24 fps testsrc2 clip at 64x48, seed 1, ``coherence`` mode."""
    from dreamvideo.render import render_video
    from dreamvideo.settings import resolve

    clip = make_clip(folder / "clip.mp4", seconds=0.25, rate="24", size="64x48", audio=False)
    settings = resolve(None, {**FAST, **PINNED, "seed": 1, "coherence": mode, "blend": 0.7})
    render_video(settings, clip, folder / "v.mp4", _options(folder / "f"))
    return _frames(folder / "f")


def _options(frames_dir: Path):
    from dreamvideo.render import RunOptions

    return RunOptions(frames_dir=frames_dir)


def _frames(folder: Path) -> list[np.ndarray]:
    from dreamvideo.media.sources import load_image

    return [np.asarray(load_image(p)) for p in sorted(folder.glob("frame_*.png"))]


def strip_name(mode: str | None) -> str:
    return "golden_zoom.png" if mode is None else f"golden_video_{mode}.png"


def read_strip(path: Path, count: int) -> list[np.ndarray]:
    """A strip's frames, split back apart."""
    return np.split(np.asarray(Image.open(path).convert("RGB")), count, axis=1)


def render_all(out: Path) -> None:
    """Every pinned render, one strip each, into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for mode in (None, *MODES):
        with tempfile.TemporaryDirectory() as work:
            frames = zoom_frames(Path(work)) if mode is None else video_frames(Path(work), mode)
        Image.fromarray(np.concatenate(frames, axis=1)).save(out / strip_name(mode), optimize=True)


def compare(a: Path, b: Path) -> None:
    """Per-frame drift between two folders of strips, in 1/255."""
    for mode in (None, *MODES):
        count = 4 if mode is None else 6
        one, two = read_strip(a / strip_name(mode), count), read_strip(b / strip_name(mode), count)
        diffs = [np.abs(x.astype(int) - y.astype(int)) for x, y in zip(one, two)]
        print(strip_name(mode), " ".join(f"{d.max()}/{d.mean():.3f}" for d in diffs))


if __name__ == "__main__":
    import torch

    torch.set_num_threads(int(__import__("os").environ.get("GOLDEN_THREADS", "2")))  # after conftest's
    command, *paths = sys.argv[1:]
    if command == "write":
        render_all(DATA)
    elif command == "render":
        render_all(Path(paths[0]))
    else:
        compare(Path(paths[0]), Path(paths[1]))
