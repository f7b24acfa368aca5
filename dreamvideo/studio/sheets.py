"""Small dreams for the atlas and the grid: variations of one start frame on the preview's warm model.

A sheet is a set of PNGs with an ``index.json``, kept in ``FOLDER/.studio/<what>/<key>/``
where ``key`` hashes everything the pictures depend on (the input's identity, the settings,
the size), so asking again is a file read. The folder is hidden: ``/files`` never serves it;
the routers serve one picture at a time by key and name. Every variation is dreamed under
the preview's lock, one at a time, so a preview asked for during an atlas waits for one
small dream, not the whole sheet. This module loads torch.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DreamError
from ..media.inputs import STILL, kind_of
from ..models import model_info
from ..render.engine import cached_model
from ..settings import Settings
from ..settings.kinds import RENDERS as KINDS
from .models import min_side
from .paths import relative
from .preview import _lock as dreaming  # the one lock previews dream under: a sheet's dreams take turns with them
from .preview import dream_png, first_frame

KEPT = 40  # sheets kept per kind; the oldest go first
KEY = re.compile(r"[0-9a-f]{24}")
NAME = re.compile(r"[A-Za-z0-9_]{1,60}")


def identity(root: Path, source: Path | None) -> dict[str, Any]:
    """What a sheet's input is: its name, size and change time (a changed file is a new sheet)."""
    if source is None:
        return {"input": None}
    stat = source.stat()
    return {"input": relative(root, source), "mtime_ns": stat.st_mtime_ns, "bytes": stat.st_size}


def key_of(parts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


def dream_fields(settings: Settings, *ignored: str) -> dict[str, Any]:
    """The settings a still's dream depends on (less ``ignored``, which the sheet sets itself): part of a key."""
    data = settings.to_yaml_dict()
    return {name: data.get(name) for name in sorted(set(KINDS["still"].fields) - {"size", "description", *ignored})}


def image_file(root: Path, what: str, key: str, name: str) -> Path | None:
    """A sheet's picture, or None for a key or name that is not one (nothing outside the sheet is reachable)."""
    if not KEY.fullmatch(key) or not NAME.fullmatch(name):
        return None
    path = root / ".studio" / what / key / f"{name}.png"
    return path if path.is_file() else None


def load(root: Path, what: str, key: str) -> dict[str, Any] | None:
    """A finished sheet's index (its pictures all there), else None."""
    index = root / ".studio" / what / key / "index.json"
    try:
        data = json.loads(index.read_text())
    except (OSError, ValueError):
        return None
    names = data.get("names", [])
    return data if all(image_file(root, what, key, name) for name in names) else None


def save(root: Path, what: str, key: str, pictures: dict[str, bytes], index: dict[str, Any]) -> None:
    """Write the pictures, then the index naming them (each file whole or not at all), and forget old sheets."""
    folder = root / ".studio" / what / key
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in [*((f"{n}.png", png) for n, png in pictures.items()),
                       ("index.json", json.dumps({**index, "names": list(pictures)}).encode())]:
        part = folder / f".{name}.part"
        part.write_bytes(data)
        os.replace(part, folder / name)
    _prune(folder.parent)


def _prune(parent: Path) -> None:
    """Keep the newest :data:`KEPT` sheets; only folders named as sheets are removed (the studio made them)."""
    sheets = sorted((p for p in parent.iterdir() if p.is_dir() and KEY.fullmatch(p.name)),
                    key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in sheets[KEPT:]:
        shutil.rmtree(old, ignore_errors=True)


def start_frame(source: Path | None, settings: Settings, side: int) -> np.ndarray:
    """The frame every variation starts from, ``side`` px on its longest side: the image, a clip's
    first frame, or the seeded noise (square) when there is no input."""
    kind = "still" if source is None or kind_of(source) == STILL else "video"
    return first_frame(kind, source, settings.model_copy(update={"size": side}))


def dream_all(frame: np.ndarray, variants: list[Settings]) -> list[bytes]:
    """Each variation's dream of ``frame`` as PNG bytes, in order (run it on a worker thread).

    Every sheet of one model shares one warm model built with all its layers (any atlas or
    grid hits the cache); each variation dreams through a view of it that stops at its own
    deepest layer. Models are visited one after another, so a grid over three models builds each once.
    """
    fits(frame, variants)
    groups: dict[tuple, list[int]] = {}
    for i, settings in enumerate(variants):
        groups.setdefault((settings.model, settings.weights), []).append(i)
    out: list[bytes] = [b""] * len(variants)
    for indices in groups.values():
        every = [layer.name for layer in model_info(variants[indices[0]].model).layers]
        shared = variants[indices[0]].model_copy(update={"layers": {0: every}, "objective": None})
        for i in indices:
            with dreaming:
                model = cached_model(shared).upto(variants[i].all_layers())
                out[i] = dream_png(frame, variants[i], model)
    return out


def fits(frame: np.ndarray, variants: list[Settings]) -> None:
    """Refuse, before any dream, a layer too deep for the pictures' size (in the page's words)."""
    height, width = frame.shape[:2]
    for settings in variants:
        spec = model_info(settings.model)
        for layer in settings.all_layers():
            if (need := min_side(spec, layer)) > min(height, width):
                raise DreamError(f"these pictures are {width}x{height}: too small for layer {layer}, which needs "
                                 f"{need} px on the short side; ask for a larger size or a shallower layer")
