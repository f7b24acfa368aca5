"""``POST /api/grid``: a still's variations along one or two settings, and the cells' pictures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from ..grid import Axis, cells, check_axes, make_grid
from .atlas import BUSY, picture, start, usable
from .base import OneLineRoute, folder
from .preview import in_worker

router = APIRouter(route_class=OneLineRoute)


class GridBody(BaseModel):
    """A still's variations (the first frame, whatever kind the page's form is set to)."""

    input: str | None = None  # a file in the folder; None (or "noise"): seeded noise
    settings: dict[str, Any] = {}
    preset: str | None = None  # a shipped preset under the settings, as a preview takes it
    x: Axis
    y: Axis | None = None
    size: int = Field(160, ge=32, le=256)


@router.post("/api/grid")
async def grid(body: GridBody, request: Request) -> dict[str, Any]:
    """Up to 4x4 small dreams, one per pair of axis values, each with the full settings that made it."""
    root = folder(request)
    check_axes(body.x, body.y)
    planned = cells(root, body.settings, body.x, body.y, body.preset)
    for _, _, settings in planned:
        usable(settings)
    return await in_worker(request, BUSY, make_grid, root, start(root, body.input), planned, body.size)


@router.get("/api/grid/{key}/{index}.png")
def grid_picture(key: str, index: str, request: Request) -> FileResponse:
    return picture(request, "grid", key, index)
