"""Uploads: the request body streamed to FOLDER/uploads under a safe name, capped, atomic.

The body is the file itself (``POST /api/uploads?name=clip.mp4``), not a multipart
form: it can be counted as it arrives and refused at the cap, without a copy
spooled elsewhere first. It is written to a hidden temporary beside its final
name and renamed only when complete, so a refused or broken upload leaves nothing.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import anyio
from fastapi import APIRouter, HTTPException, Request

from ...media.files import fsync_dir, fsync_file, partial_path
from ..paths import free_name, relative, safe_name
from .base import OneLineRoute, folder
from .files import PICKABLE  # uploads accept what the picker lists, no more

router = APIRouter(route_class=OneLineRoute)


def too_big(cap: int) -> HTTPException:
    return HTTPException(413, f"upload is larger than the studio's limit of {cap / 1e6:g} MB "
                              "(it is set where the studio is started)")


def place(tmp: Path, target_dir: Path, clean: str) -> Path:
    """Give the finished temporary its free name without ever replacing a file that took it meanwhile.

    ``os.link`` fails when the name exists (``os.replace`` would silently overwrite a concurrent
    upload of the same name); a filesystem without hard links falls back to a checked replace.
    """
    for _ in range(1000):
        target = free_name(target_dir, clean)
        try:
            os.link(tmp, target)
            return target
        except FileExistsError:
            continue  # another upload won the name between the check and the link: the next one
        except OSError:  # no hard links here (FAT, some network mounts)
            os.replace(tmp, target)
            return target
    raise HTTPException(409, f"no free name for {clean} in uploads")


@router.post("/api/uploads")
async def upload(request: Request, name: str) -> dict[str, str]:
    """Stream the body into ``uploads/NAME`` (``NAME-2`` ... when taken); 413 past ``--max-upload``."""
    clean = safe_name(name)
    if not clean.lower().endswith(PICKABLE):
        raise HTTPException(415, f"'{name}' is not an image, clip or audio file ({', '.join(PICKABLE)})")
    cap: int = request.app.state.max_upload
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise too_big(cap)
    target_dir = folder(request) / "uploads"
    target_dir.mkdir(exist_ok=True)
    target = free_name(target_dir, clean)
    tmp = partial_path(target, secrets.token_hex(3))  # two uploads of one name never share it
    try:
        size = 0
        async with await anyio.open_file(tmp, "xb") as sink:  # writes off the event loop
            async for chunk in request.stream():
                size += len(chunk)
                if size > cap:
                    raise too_big(cap)
                await sink.write(chunk)
        if not size:
            raise HTTPException(400, "the upload is empty")
        fsync_file(tmp)
        target = place(tmp, target_dir, clean)
        fsync_dir(target_dir)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return {"path": relative(folder(request), target)}
