"""The Live panel's API: the session's state, its MJPEG stream, its controls, start and stop.

One :class:`..live_hub.LiveHub` per app (``app.state.live``) owns the session, whether
``dreamvideo live SOURCE --serve`` or the panel started it. A start's source is checked
as the studio's inputs are: ``test``, a camera number, or a clip inside the folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from ...media.inputs import VIDEO, input_suffixes
from ..live_hub import LiveHub
from ..paths import hidden, inside, relative, relative_name
from .base import OneLineRoute, folder
from .files import walked

router = APIRouter(route_class=OneLineRoute)
RATE = 30  # frames a second at most per viewer: the stream looks for a newer frame this often
PART = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
CLIPS = input_suffixes(VIDEO)


class StartBody(BaseModel):
    source: str = "test"


def hub(request: Request) -> LiveHub:
    return request.app.state.live


@router.get("/api/live")
def state(request: Request) -> dict[str, Any]:
    """Running or not, the source, the controls' values, the model's layers, the figures, the clips to pick."""
    return {**hub(request).status(), "clips": clips(folder(request))}


@router.post("/api/live/start")
def start(body: StartBody, request: Request) -> dict[str, Any]:
    """Start a session on ``test``, a camera number or a clip in the folder; returns once it runs."""
    shown, opened = checked_source(folder(request), body.source)
    hub(request).start(shown, opened)
    return hub(request).status()


@router.post("/api/live/stop")
def stop(request: Request) -> dict[str, Any]:
    hub(request).stop()
    return hub(request).status()


@router.post("/api/live/controls")
def controls(body: dict[str, Any], request: Request) -> dict[str, Any]:
    """Change layer, step size, octaves, pull, dive zoom (or any live setting) without a restart."""
    hub(request).change(body)
    return hub(request).status()


@router.get("/api/live/stream")
async def stream(request: Request) -> StreamingResponse:
    """The shown frames as MJPEG (``multipart/x-mixed-replace``), until the session stops or the viewer leaves."""
    live = hub(request)
    sink = live.sink if live.running else None
    if sink is None:
        raise HTTPException(409, "no live session is running; start one first")
    return StreamingResponse(mjpeg(sink), media_type="multipart/x-mixed-replace; boundary=frame",
                             headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


async def mjpeg(sink: Any) -> AsyncIterator[bytes]:
    """Each newer frame once, at most :data:`RATE` a second; it sleeps on the event loop, never in a worker
    thread, and a viewer that leaves ends it at its next frame (the server cancels it)."""
    seen = 0
    while not sink.ended:
        if sink.frames.peek()[0] > seen:
            got = await run_in_threadpool(sink.jpeg)  # a few ms; the encoded frame is shared by every viewer
            if got is not None and got[0] > seen:
                seen, data = got
                yield PART % len(data) + data + b"\r\n"
        await asyncio.sleep(1 / RATE)


def checked_source(root: Path, spec: str) -> tuple[str, str]:
    """(shown, opened): ``test``, a camera number, or a clip inside the folder; no path outside it, no URL."""
    spec = spec.strip()
    if spec == "test" or spec.isdigit():
        return spec, spec
    if "://" in spec:
        raise HTTPException(400, "the Live panel plays test, a camera number or a clip in the studio folder")
    target = inside(root, spec, must_exist=True)
    if hidden(relative_name(root, target)) or not target.is_file():
        raise HTTPException(404, f"not found: {spec}")
    return relative(root, target), str(target)


def clips(root: Path, limit: int = 500) -> list[str]:
    """Video clips in the folder (hidden folders skipped), for the panel's source picker."""
    return walked(root, CLIPS, limit)
