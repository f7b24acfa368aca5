"""The model pick list, the layer atlas and the pictures of both sheets (atlas and grid)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from ...errors import DreamError
from ...models import model_info, resolve_layers
from ...settings import Settings
from ..forms import refuse, validate
from ..models import how, listing
from .base import OneLineRoute, folder
from .jobs import source_path
from .preview import in_worker

router = APIRouter(route_class=OneLineRoute)
MAX_LAYERS = 12  # layers an atlas dreams when the page names them
BUSY = "the studio is busy dreaming previews; wait for them, then ask again"  # a sheet's 429


class AtlasBody(BaseModel):
    input: str | None = None  # a file in the folder; None (or "noise"): seeded noise
    model: str | None = None  # default: the settings' model
    size: int = Field(160, ge=32, le=256)
    settings: dict[str, Any] = {}
    preset: str | None = None  # a shipped preset under the settings, as a preview takes it
    layers: list[str] | None = Field(None, max_length=MAX_LAYERS)  # default: a few spread over the depth


@router.get("/api/models")
def models() -> list[dict[str, Any]]:
    """Every model: label, whether its weights are on this machine (nothing is downloaded), how to get
    them if not, its layers and default layers."""
    return listing()


@router.post("/api/atlas")
async def atlas(body: AtlasBody, request: Request) -> dict[str, Any]:
    """One small dream of the input per layer of the model, cached per input, model, size and settings."""
    root = folder(request)
    given = {k: v for k, v in body.settings.items() if k not in ("layers", "objective")}
    settings = validate({**given, **({"model": body.model} if body.model else {})}, root, body.preset)
    usable(settings)
    try:
        layers = resolve_layers(settings.model, body.layers) if body.layers else None
    except DreamError as exc:
        raise refuse("layers", str(exc)) from None
    from ..atlas import make_atlas  # loads torch: only when an atlas is asked for

    return await in_worker(request, BUSY, make_atlas, root, start(root, body.input), settings, layers, body.size)


@router.get("/api/atlas/{key}/{layer}.png")
def atlas_picture(key: str, layer: str, request: Request) -> FileResponse:
    return picture(request, "atlas", key, layer)


def usable(settings: Settings) -> None:
    """Refuse (400, how to get them) a model whose weights are not on this machine, unless a file is given."""
    if not settings.weights and (line := how(model_info(settings.model))):
        raise HTTPException(400, line)


def start(root: Path, name: str | None) -> Path | None:
    """The input file in the folder, or None for noise."""
    return None if name in (None, "", "noise") else source_path(root, "still", name)


def picture(request: Request, what: str, key: str, name: str) -> FileResponse:
    """A sheet's PNG by key and name (the hidden .studio folder is never served through /files)."""
    from ..sheets import image_file

    path = image_file(folder(request), what, key, name)
    if path is None:
        raise HTTPException(404, "no such picture; make the atlas or grid again")
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})
