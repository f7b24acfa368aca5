"""``GET /api/renders``: the gallery, every render in the folder found by its sidecar; and the poster
frame of a clip browsers cannot play (``GET /api/poster/PATH``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from ...media.formats import video_suffixes
from ..paths import hidden, inside, relative_name
from ..posters import poster
from ..renders import list_renders
from .base import OneLineRoute, folder
from .files import held

router = APIRouter(route_class=OneLineRoute)


@router.get("/api/renders")
async def renders(request: Request) -> list[dict[str, Any]]:
    return await run_in_threadpool(list_renders, folder(request))


@router.get("/api/poster/{path:path}")
async def poster_frame(path: str, request: Request) -> FileResponse:
    """The clip's first frame as a PNG (made once, cached in ``.studio/posters``), served as ``/files`` are."""
    root = folder(request)
    target = inside(root, path, must_exist=True)
    if hidden(relative_name(root, target)) or not target.name.lower().endswith(video_suffixes()):
        raise HTTPException(404, f"no poster for {path}")
    return held(root, await run_in_threadpool(poster, root, target))
