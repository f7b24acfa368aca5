"""What the form is built from: the Settings JSON schema and the shipped presets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ...errors import DreamError
from ...settings import Settings, describe, resolve, shipped_presets
from ...settings.kinds import RENDERS as KINDS  # what the studio queues
from .base import OneLineRoute
from .files import INPUTS

router = APIRouter(route_class=OneLineRoute)


@router.get("/api/schema")
def schema() -> dict[str, Any]:
    """Settings' JSON schema (descriptions are the form's help), plus the kind table: the fields each
    kind uses (``x-kinds``), and its label, input (image, noise-or-image or video) and outputs; and the
    input files by kind (``x-inputs``: the page's upload dialog and its image/clip test read them)."""
    data = Settings.model_json_schema()
    data["properties"].pop("meta", None)
    data["x-kinds"] = {name: sorted(kind.fields) for name, kind in KINDS.items()}
    data["x-kind-table"] = {name: {"label": kind.label, "command": kind.command, "input": kind.input,
                                   "outputs": list(kind.outputs)} for name, kind in KINDS.items()}
    data["x-inputs"] = INPUTS
    return data


@router.get("/api/presets")
def presets() -> list[dict[str, Any]]:
    """Each shipped preset: name, its description line and its settings resolved over the defaults."""
    found = []
    for name in shipped_presets():
        try:
            settings = resolve(name).to_yaml_dict()
        except DreamError as exc:  # a preset this install cannot use (e.g. missing weights)
            found.append({"name": name, "description": str(exc).splitlines()[0], "settings": None})
            continue
        found.append({"name": name, "description": describe(name), "settings": settings})
    return found
