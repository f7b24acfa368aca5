"""The page itself, its static files, and ``/files/PATH``: files inside FOLDER only.

``/api/files`` lists the folder's images, clips and audio for the input picker: the files
named in ``media.inputs.SUFFIXES``, the one list that uploads accept too and the page reads (``/api/schema``).
"""

from __future__ import annotations

import mimetypes
import os
import stat
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from ...media.inputs import input_suffixes
from ..paths import hidden, inside, open_inside, relative, relative_name
from .base import OneLineRoute, folder

router = APIRouter(route_class=OneLineRoute)
STATIC = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}  # by suffix: any file of static/
PICKABLE = input_suffixes()  # what uploads take
SECURITY_HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:",
                    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def static_text(*parts: str) -> str:
    return resources.files("dreamvideo.studio").joinpath("static", *parts).read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    return HTMLResponse(static_text("index.html"), headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})


@router.get("/static/{name:path}")
def static(name: str) -> Response:
    """Any page file under ``static/`` (panels in ``static/panels/`` too): a new module needs no edit here."""
    parts = name.split("/")
    suffix = os.path.splitext(name)[1]
    if suffix not in STATIC or any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        raise HTTPException(404, f"not found: {name}")
    try:
        text = static_text(*parts)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise HTTPException(404, f"not found: {name}") from None
    return Response(text, media_type=STATIC[suffix], headers={"Cache-Control": "no-cache"})


@router.get("/files/{path:path}")
def files(path: str, request: Request) -> FileResponse:
    """A file inside FOLDER (ranges work, so videos seek); anything else is 403 or 404."""
    root = folder(request)
    target = inside(root, path, must_exist=True)
    if hidden(relative_name(root, target)):  # .studio (job logs, settings) and work folders are internals
        raise HTTPException(404, f"not found: {path}")
    return held(root, target)


def held(root: Path, target: Path) -> HeldFileResponse:
    """``target`` (checked by ``inside``) served from the descriptor :func:`.paths.open_inside` checked again."""
    return HeldFileResponse(open_inside(root, target), target, headers={
        "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": "sandbox"})  # a folder .html runs no script here


class HeldFileResponse(FileResponse):
    """A file served from the descriptor that was checked, not by its name again (no swap in between).

    Where ``/proc/self/fd`` exists (Linux) the response reopens that very descriptor; elsewhere
    it falls back to the checked path. The descriptor is closed however the response ends.
    """

    def __init__(self, fd: int, target: Path, headers: dict[str, str]) -> None:
        self.fd = fd
        held = f"/proc/self/fd/{fd}"
        media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        super().__init__(held if os.path.isdir("/proc/self/fd") else target, media_type=media, headers=headers)

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            os.close(self.fd)


@router.get("/api/files")
def pickable(request: Request) -> list[dict[str, Any]]:
    """Images, clips and audio in FOLDER (hidden folders skipped), for the input picker."""
    root, found = folder(request), []
    for base, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = os.path.join(base, name)
            if name.lower().endswith(PICKABLE) and not name.startswith(".") and _regular(path):
                found.append({"path": relative(root, Path(path))})
        if len(found) > 2000:
            break
    return found


def _regular(path: str) -> bool:
    """A regular file, not a link, FIFO or device (a job could not read those, and some would block)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
