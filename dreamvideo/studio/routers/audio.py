"""``GET /api/audio-features?path=PATH&fps=24``: a music file's per-frame features (rms, bass, mid, treble,
onset, each 0..1), so the page's timeline draws what an expression schedule could read under its keyframes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from ...media.audio import analyse
from ..paths import hidden, inside, relative_name
from .base import OneLineRoute, folder

router = APIRouter(route_class=OneLineRoute)


@router.get("/api/audio-features")
async def audio_features(request: Request, path: str, fps: float = Query(24.0, gt=0, le=240),
                         frames: int | None = Query(None, ge=1, le=100_000)) -> dict[str, Any]:
    """The features the render would measure (``media.audio.analyse``), rounded for drawing."""
    root = folder(request)
    target = inside(root, path, must_exist=True)
    if hidden(relative_name(root, target)) or not target.is_file():
        raise HTTPException(404, f"no audio file {path}")
    audio = await run_in_threadpool(analyse, target, fps, frames)
    return {"path": path, "fps": fps, "duration": round(audio.duration, 3), "frames": audio.frames,
            "features": {name: [round(float(v), 3) for v in values] for name, values in audio.values.items()}}
