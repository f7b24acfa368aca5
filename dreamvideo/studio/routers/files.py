"""The page itself, its static files, and ``/files/PATH``: files inside FOLDER only.

Any file under ``studio/static/`` is served (nested folders too), so a new ES module needs no
edit here; ``/files/PATH?download=1`` asks the browser to save the file rather than show it.

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
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from ...media.inputs import input_suffixes
from ..paths import hidden, inside, open_inside, relative, relative_name
from .base import OneLineRoute, folder

router = APIRouter(route_class=OneLineRoute)
# Types the browser must get right for a module or a style sheet; anything else: mimetypes' guess.
STATIC_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".html": "text/html",
                ".svg": "image/svg+xml", ".json": "application/json"}
PICKABLE = input_suffixes()  # what uploads take
SECURITY_HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:",
                    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def static_root() -> Path:
    return Path(str(resources.files("dreamvideo.studio").joinpath("static"))).resolve()


def static_text(name: str) -> str:
    return (static_root() / name).read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    return HTMLResponse(static_text("index.html"), headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})


@router.get("/static/{path:path}")
def static(path: str) -> Response:
    """A file of the page (``main.js``, ``panels/gallery.js``...); 404 for anything outside or absent."""
    root = static_root()
    try:
        target = inside(root, path, must_exist=True)
    except HTTPException:
        raise HTTPException(404, f"not found: {path[:200]}") from None
    if not target.is_file() or hidden(relative_name(root, target)):
        raise HTTPException(404, f"not found: {path[:200]}")
    media = STATIC_TYPES.get(target.suffix.lower()) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return Response(target.read_bytes(), media_type=media, headers={"Cache-Control": "no-cache",
                                                                      "X-Content-Type-Options": "nosniff"})


@router.get("/files/{path:path}")
def files(path: str, request: Request) -> FileResponse:
    """A file inside FOLDER (ranges work, so videos seek); anything else is 403 or 404."""
    root = folder(request)
    target = inside(root, path, must_exist=True)
    if hidden(relative_name(root, target)):  # .studio (token, job logs, settings) and work folders are internals
        raise HTTPException(404, f"not found: {path}")
    return held(root, target, request.query_params.get("download") in ("1", "true"))


def held(root: Path, target: Path, download: bool = False) -> HeldFileResponse:
    """``target`` (checked by ``inside``) served from the descriptor :func:`.paths.open_inside` checked again;
    ``download``: as an attachment under its own name."""
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
               "Content-Security-Policy": "sandbox"}  # a folder .html runs no script here
    if download:
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(target.name)}"
    return HeldFileResponse(open_inside(root, target), target, headers=headers)


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
    return [{"path": name} for name in walked(folder(request), PICKABLE, 2000)]


def walked(root: Path, suffixes: tuple[str, ...], limit: int) -> list[str]:
    """Regular files in ROOT named with one of ``suffixes``, as relative names in walk order (hidden
    files and folders skipped): what the input picker and the Live panel offer; at most ``limit``."""
    found: list[str] = []
    for base, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = os.path.join(base, name)
            if name.lower().endswith(suffixes) and not name.startswith(".") and _regular(path):
                found.append(relative(root, Path(path)))
                if len(found) >= limit:
                    return found
    return found


def _regular(path: str) -> bool:
    """A regular file, not a link, FIFO or device (a job could not read those, and some would block)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
