"""``POST /api/preview``: the first frame dreamed at low resolution, as a PNG."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel

from ..forms import KindName, validate
from ..paths import inside
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
    if settings.weights and settings.weights != "random":
        # The server's cwd is not the folder (a job's child runs in it; a preview does not): a relative
        # weights path must be loaded from the folder, where validation found it, not from the cwd.
        weights = str(inside(folder(request), settings.weights, must_exist=True))
        settings = settings.model_copy(update={"weights": weights})
    # loads torch: only when a preview is asked for
    from ..preview import render_preview

    state = request.app.state  # previews in flight, per app (the endpoint is async: one event loop, no lock)
    if state.previews >= WAITING:  # a burst of previews must not take every worker thread (the page would freeze)
        raise HTTPException(429, "a preview is already being dreamed; wait for it, then ask again")
    state.previews += 1
    try:
        png = await run_in_threadpool(render_preview, body.kind, source, settings)
    finally:
        state.previews -= 1
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})
