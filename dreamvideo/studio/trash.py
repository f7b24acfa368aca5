"""The page's Delete: a render moves into ``FOLDER/.studio/trash/ID/``, whole, and can be put back.

Nothing is deleted for good by one click: the render's file (or an image sequence's frames
and its ``NAME.wav``) and its sidecar are renamed into the trash (one folder per deletion, with ``trash.json``
saying where each file was), and Restore renames them back, refusing if a file has taken
one of those names since. Renames stay inside FOLDER, so they are instant and never copy.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from fastapi import HTTPException

from ..media.files import atomic
from ..media.formats import is_sequence
from ..media.sequence_output import audio_path, sidecar_path
from .paths import hidden, inside, relative
from .renders import render_entry, written

RECORD = "trash.json"
ID_TEXT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def root(folder: Path) -> Path:
    return folder / ".studio" / "trash"


def discard(folder: Path, path: str) -> str:
    """Move the render at ``path`` (relative to FOLDER) and its sidecar into the trash; its trash id."""
    output = inside(folder, path)
    sidecar = sidecar_path(output)
    if hidden(path) or not sidecar.is_file() or render_entry(folder, sidecar) is None:
        raise HTTPException(404, f"no render {path}")
    sound = [audio_path(output)] if is_sequence(output) and audio_path(output).is_file() else []
    files = [sidecar, *sound] + [file for file, _ in written(output)]
    trash_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    where = root(folder) / trash_id
    (where / "files").mkdir(parents=True)
    names = [relative(folder, file) for file in files]
    for number, file in enumerate(files):
        os.rename(file, where / "files" / str(number))  # numbered: a sequence's frames never collide
    record = {"id": trash_id, "path": relative(folder, output), "files": names, "deleted": time.time()}
    with atomic(where / RECORD) as tmp:
        tmp.write_text(json.dumps(record, indent=1))
    return trash_id


def listed(folder: Path) -> list[dict[str, Any]]:
    """Everything in the trash, newest first: id, the render's path, its files and when it was deleted."""
    found = []
    for record in root(folder).glob(f"*/{RECORD}"):
        try:
            found.append(json.loads(record.read_text()))
        except (OSError, ValueError):
            continue
    return sorted(found, key=lambda item: item.get("deleted", 0), reverse=True)


def restore(folder: Path, trash_id: str) -> dict[str, Any]:
    """Put a deleted render back where it was; 409 naming the file when one has taken its place."""
    where = root(folder) / trash_id
    if not trash_id or not set(trash_id) <= ID_TEXT or not (where / RECORD).is_file():
        raise HTTPException(404, f"nothing in the trash is called {trash_id}")
    record = json.loads((where / RECORD).read_text())
    targets = [inside(folder, name) for name in record["files"]]
    for name, target in zip(record["files"], targets):
        if os.path.lexists(target):
            raise HTTPException(409, f"{name} exists now; rename or move it, then restore again")
    for number, target in enumerate(targets):
        target.parent.mkdir(parents=True, exist_ok=True)
        put_back(where / "files" / str(number), target)
    shutil.rmtree(where, ignore_errors=True)
    return {"path": record["path"], "restored": record["files"]}


def put_back(source: Path, target: Path) -> None:
    """Rename without ever replacing a file that took the name meanwhile (a hard link fails if it exists)."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise HTTPException(409, f"{target.name} exists now; rename or move it, then restore again") from None
    except OSError:  # no hard links here: a checked rename
        if os.path.lexists(target):
            raise HTTPException(409, f"{target.name} exists now; rename or move it, then restore again") from None
        os.rename(source, target)
        return
    os.unlink(source)
