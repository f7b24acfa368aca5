"""The gallery's page of renders, each with its figures in plain words (``facts``).

The sidecar says what a render is (frames, flicker, size on disk); how long it took is
known to the studio's own job that made it (its ``run_s`` and ``made``, summed over a
resume), so those two facts appear for renders the studio made. Figures are rounded as a
person would say them: "flicker 1.19", "16 s", "1.2 MB", never 1.1902357337860496.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .jobs import Job
from .renders import list_renders

PAGE = 24
MOST = 200  # a page the page asks for is at most this long


def page(folder: Path, jobs: Iterable[Job], offset: int = 0, limit: int = PAGE) -> dict[str, Any]:
    """Renders ``offset`` to ``offset + limit`` (newest first), with the total, each with its facts."""
    found = list_renders(folder)
    offset, limit = max(offset, 0), min(max(limit, 1), MOST)
    made = made_by(jobs)
    shown = [{**entry, "facts": facts(entry, made.get(entry["path"]))} for entry in found[offset:offset + limit]]
    return {"renders": shown, "total": len(found), "offset": offset, "limit": limit}


def made_by(jobs: Iterable[Job]) -> dict[str, Job]:
    """The finished job behind each output (the latest, when one was rendered again)."""
    done = sorted((job for job in jobs if job.state == "done"), key=lambda job: job.finished or 0)
    return {job.output: job for job in done}


def facts(entry: dict[str, Any], job: Job | None) -> dict[str, str]:
    """A card's figures as text; a figure the render does not have is left out."""
    found: dict[str, str] = {}
    if entry.get("frames"):
        found["frames"] = str(entry["frames"])
    if entry.get("duration_s"):
        found["length"] = seconds(entry["duration_s"])
    if job is not None and job.made and job.run_s:
        found["time"] = seconds(job.run_s)
        found["rate"] = f"{rounded(job.run_s / job.made)} s/frame"
    if isinstance(entry.get("flicker_ratio"), (int, float)):
        found["flicker"] = f"{entry['flicker_ratio']:.2f}"
    if entry.get("bytes") is not None:
        found["size"] = size(entry["bytes"])
    return found


def rounded(value: float) -> str:
    """Two significant figures below 10 (0.31, 2.5), whole numbers above (12, 140)."""
    return f"{value:.0f}" if value >= 10 else f"{value:.2g}"


def seconds(value: float) -> str:
    """``16 s``, ``2.5 s``, ``3 min 20 s``, ``1 h 5 min``."""
    if value < 60:
        return f"{rounded(value)} s"
    whole = round(value)
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(whole // 60, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def size(count: int) -> str:
    """Bytes as a disk's label says them (decimal): ``1.2 MB``, ``640 KB``, ``12 B``."""
    if count < 1000:
        return f"{count} B"
    value = float(count)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1000
        if value < 999.5 or unit == "TB":
            break
    return f"{value:.1f} {unit}" if value < 9.95 else f"{value:.0f} {unit}"
