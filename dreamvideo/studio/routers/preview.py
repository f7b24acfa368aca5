"""``POST /api/preview``: the first frame dreamed at low resolution, as a PNG."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel

from ..forms import KindName, validate, with_local_weights
from .base import OneLineRoute, folder
from .jobs import source_path

router = APIRouter(route_class=OneLineRoute)
WAITING = 2  # previews running or waiting at once: each holds a worker thread while it waits for the model


class PreviewBody(BaseModel):
    kind: KindName
    input: str = "noise"
    settings: dict[str, Any] = {}
    preset: str | None = None


@router.post("/api/preview")
async def preview(body: PreviewBody, request: Request) -> Response:
    """Dream the render's first frame (the image, the clip's first frame, or the seeded noise) at 256 px."""
    settings = validate(body.settings, folder(request), body.preset)
    source = source_path(folder(request), body.kind, body.input)
    settings = with_local_weights(folder(request), settings)
    from ..preview import render_preview  # loads torch: only when a preview is asked for

    png = await in_worker(request, "a preview is already being dreamed; wait for it, then ask again",
                          render_preview, body.kind, source, settings)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


async def in_worker(request: Request, busy: str, call: Callable[..., Any], *args: Any) -> Any:
    """``call(*args)`` on a worker thread, counted with the previews and sheets in flight (per app; the
    endpoints are async: one event loop, no lock); refused (429, ``busy``) when too many run or wait,
    so a burst of them cannot take every worker thread (the page would freeze)."""
    state = request.app.state
    if state.previews >= WAITING:
        raise HTTPException(429, busy)
    state.previews += 1
    try:
        return await run_in_threadpool(call, *args)
    finally:
        state.previews -= 1
