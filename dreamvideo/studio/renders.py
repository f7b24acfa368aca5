"""The gallery: every render in the folder, found by the sidecar the CLI writes beside it.

A sidecar (``OUT.mp4.yaml``) records what shaped a render, so the gallery needs no
database of its own: whatever the CLI or the studio rendered shows up, and
"render again" is the sidecar fed back as settings. Hidden folders (work folders,
the studio's own) are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from .paths import relative

SUFFIXES = (".mp4", ".gif", ".png", ".jpg", ".jpeg")
MAX_RENDERS = 2000  # a huge folder still answers quickly


def sidecars(folder: Path) -> Iterator[Path]:
    """``*.mp4.yaml`` and friends under ``folder``, not inside hidden folders, not following links out."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".yaml") and name[:-5].lower().endswith(SUFFIXES) and not name.startswith("."):
                yield Path(root) / name


def kind_of(output: Path, meta: dict[str, Any]) -> str:
    """Still, zoom or video: a still is an image; a video's sidecar names its input clip."""
    if output.suffix.lower() in (".png", ".jpg", ".jpeg"):
        return "still"
    return "zoom" if "from" in meta else "video"


def render_entry(folder: Path, sidecar: Path) -> dict[str, Any] | None:
    """One gallery card: path, kind, size, frames, duration, flicker, strength, date and settings."""
    output = sidecar.with_name(sidecar.name[:-5])
    if not all(folder in path.resolve().parents for path in (sidecar, output)):
        return None  # a link that leads out of the folder
    try:
        data = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
        stat = output.stat()
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not output.is_file():
        return None
    meta = data.pop("meta", None) or {}
    kind = kind_of(output, meta)
    frames = 1 if kind == "still" else meta.get("frames") or data.get("frames")
    fps = _number(meta.get("fps")) or data.get("fps")
    source = meta.get("from") if kind == "zoom" else meta.get("input")
    return {
        "path": relative(folder, output), "kind": kind, "input": _source(folder, sidecar.parent, source),
        "size": data.get("size"), "frames": frames, "fps": fps,
        "duration_s": round(frames / fps, 2) if frames and fps and kind != "still" else None,
        "flicker_ratio": meta.get("flicker_ratio"), "strength": meta.get("strength"),
        "bytes": stat.st_size, "modified": stat.st_mtime, "settings": data,
    }


def _number(text: Any) -> float | None:
    """A recorded fps: ``24`` or a rational ``30000/1001``."""
    try:
        top, _, bottom = str(text).partition("/")
        return round(float(top) / float(bottom or 1), 3)
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _source(folder: Path, where: Path, source: Any) -> str | None:
    """The render's input as the API names it (relative to FOLDER), if it is still in the folder."""
    if not source or source == "noise":
        return "noise" if source else None
    for base in (folder, where):
        path = (base / str(source)).resolve()
        if path.is_file() and folder in path.parents:
            return relative(folder, path)
    return None


def list_renders(folder: Path) -> list[dict[str, Any]]:
    """Every render, newest first."""
    found = []
    for index, sidecar in enumerate(sidecars(folder)):
        if index >= MAX_RENDERS:
            break
        if (entry := render_entry(folder, sidecar)) is not None:
            found.append(entry)
    return sorted(found, key=lambda entry: entry["modified"], reverse=True)
