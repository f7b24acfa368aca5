"""``GET /api/renders``: the gallery, every render in the folder found by its sidecar."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from ..renders import list_renders
from .base import OneLineRoute, folder

router = APIRouter(route_class=OneLineRoute)


@router.get("/api/renders")
async def renders(request: Request) -> list[dict[str, Any]]:
    return await run_in_threadpool(list_renders, folder(request))
