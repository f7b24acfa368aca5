"""Delete a render into the folder's trash, list the trash, restore from it (:mod:`..trash`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from .. import trash
from ..jobs import JobQueue
from .base import OneLineRoute, folder

router = APIRouter(route_class=OneLineRoute)


@router.delete("/api/renders/{path:path}")
async def delete(path: str, request: Request) -> dict[str, str]:
    """Move a render and its sidecar into ``.studio/trash/ID/``; ``{"trash_id": ID}``."""
    jobs: JobQueue = request.app.state.jobs
    if path in jobs.active_outputs():
        raise HTTPException(409, f"a job is writing {path}; cancel it first")
    trash_id = await run_in_threadpool(trash.discard, folder(request), path)
    jobs.renders_changed()
    return {"trash_id": trash_id}


@router.get("/api/trash")
async def listed(request: Request) -> list[dict[str, Any]]:
    return await run_in_threadpool(trash.listed, folder(request))


@router.post("/api/trash/{trash_id}/restore")
async def restore(trash_id: str, request: Request) -> dict[str, Any]:
    """Put a deleted render back; 409, one line, when a file has taken its name since."""
    restored = await run_in_threadpool(trash.restore, folder(request), trash_id)
    request.app.state.jobs.renders_changed()
    return restored
