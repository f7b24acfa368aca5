"""Presets the artist saves (``FOLDER/presets/NAME.yaml``, which the CLI's ``--preset`` reads), the last
settings per kind (``.studio/last/KIND.json``), and settings recalled from a render's sidecar."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from ...errors import DreamError
from ...media.files import atomic
from ...media.sequence_output import sidecar_path
from ...settings import describe, resolve, shipped_presets
from ...settings.kinds import RENDERS as KINDS
from ..forms import KindName, folder_preset, refuse, validate
from ..paths import hidden, inside, relative, safe_name
from ..renders import MAX_SIDECAR, parse_sidecar, read_sidecar, recorded
from .base import OneLineRoute, folder

router = APIRouter(route_class=OneLineRoute)
NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")


class PresetBody(BaseModel):
    name: str
    kind: KindName
    settings: dict[str, Any] = {}
    replace: bool = False


class LastBody(BaseModel):
    settings: dict[str, Any] = {}


class FromBody(BaseModel):
    """A render (or its sidecar) in the folder by ``path``; or a sidecar file dropped on the page, by its
    ``name`` and ``text`` (read, never stored: a settings file is no input to keep in uploads)."""

    path: str | None = Field(None, max_length=1000)
    name: str = Field("", max_length=255)
    text: str | None = Field(None, max_length=MAX_SIDECAR)


@router.get("/api/presets")
def presets(request: Request) -> list[dict[str, Any]]:
    """Shipped presets, then the folder's: name, description line, settings over the defaults, ``source``."""
    found = []
    for name in shipped_presets():
        try:
            settings = resolve(name).to_yaml_dict()
        except DreamError as exc:  # a preset this install cannot use (e.g. missing weights)
            found.append({"name": name, "description": str(exc).splitlines()[0], "settings": None,
                          "source": "shipped"})
            continue
        found.append({"name": name, "description": describe(name), "settings": settings, "source": "shipped"})
    for path in sorted((folder(request) / "presets").glob("*.yaml")):
        if NAME.fullmatch(path.stem):
            found.append(_folder_entry(folder(request), path.stem))
    return found


def _folder_entry(root: Path, name: str) -> dict[str, Any]:
    """A folder preset as the list shows it; one the studio cannot read says why instead of settings."""
    try:
        data = folder_preset(root, name)
        settings = validate(data, root).to_yaml_dict()
    except HTTPException as exc:
        return {"name": name, "description": _line(exc), "settings": None, "source": "folder"}
    return {"name": name, "description": str(data.get("description") or "").strip().split("\n")[0],
            "settings": settings, "source": "folder", "path": f"presets/{name}.yaml"}


def _line(exc: HTTPException) -> str:
    return exc.detail["error"] if isinstance(exc.detail, dict) else str(exc.detail)


@router.post("/api/presets")
def save_preset(body: PresetBody, request: Request) -> dict[str, Any]:
    """Save the form's settings as ``presets/NAME.yaml`` (only the kind's settings); refuse to overwrite
    one unless ``replace``; a shipped preset's name is refused (the CLI would read the shipped one)."""
    if not NAME.fullmatch(body.name):
        raise refuse("name", "a preset's name is 1 to 40 letters, digits, - or _")
    if body.name in shipped_presets():
        raise refuse("name", f"{body.name} is a shipped preset's name; choose another", 409)
    root = folder(request)
    settings = validate(body.settings, root).to_yaml_dict()
    fields = KINDS[body.kind].fields
    kept = {name: value for name, value in settings.items() if name in fields}
    kept["description"] = kept.get("description") or f"a {body.kind} saved in the studio"
    path = root / "presets" / f"{body.name}.yaml"
    if path.exists() and not body.replace:
        raise refuse("name", f"a preset called {body.name} exists; choose another name or replace it", 409)
    path.parent.mkdir(exist_ok=True)
    with atomic(path) as tmp:
        tmp.write_text(yaml.safe_dump(kept, sort_keys=False, width=1000))
    return {"name": body.name, "path": relative(root, path), "source": "folder", "settings": kept}


def _last_path(request: Request, kind: str) -> Path:
    if kind not in KINDS:
        raise HTTPException(404, f"no kind {kind}")
    return folder(request) / ".studio" / "last" / f"{kind}.json"


@router.get("/api/last/{kind}")
def last(kind: str, request: Request) -> dict[str, Any]:
    """The settings last submitted (or put) for this kind; ``{}`` before the first."""
    try:
        settings = json.loads(_last_path(request, kind).read_text())
    except (OSError, ValueError):
        settings = {}
    return {"kind": kind, "settings": settings if isinstance(settings, dict) else {}}


@router.put("/api/last/{kind}")
def remember(kind: str, body: LastBody, request: Request) -> dict[str, Any]:
    remember_last(folder(request), kind, body.settings)
    return {"kind": kind, "settings": body.settings}


def remember_last(root: Path, kind: str, settings: dict[str, Any]) -> None:
    """Keep the form's settings for ``kind`` (as typed: the page fills its form from them)."""
    path = root / ".studio" / "last" / f"{kind}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic(path) as tmp:
        tmp.write_text(json.dumps(settings))


@router.post("/api/settings-from")
def settings_from(body: FromBody, request: Request) -> dict[str, Any]:
    """``{"kind", "settings", "input"}`` of a render, read from its sidecar: the render's path or the
    sidecar's in the folder, or a dropped sidecar's text; ``input`` where the render's input is in the folder."""
    root = folder(request)
    if body.text is not None:
        sidecar = root / safe_name(body.name or "dropped.yaml")
        data = _parsed(lambda: parse_sidecar(body.text), sidecar.name)
    elif body.path:
        target = inside(root, body.path)
        sidecar = target if target.name.endswith(".yaml") else sidecar_path(target)
        if hidden(relative(root, sidecar)) or not sidecar.is_file():
            raise HTTPException(404, f"no settings recorded for {body.path}: its sidecar {sidecar.name} is not beside it")
        data = _parsed(lambda: read_sidecar(sidecar), relative(root, sidecar))
    else:
        raise HTTPException(400, "say which render's settings: its path, or a sidecar's text")
    kind, _, source = recorded(root, sidecar, data)
    return {"kind": kind, "settings": data, "input": source}


def _parsed(read: Callable[[], Any], name: str) -> dict[str, Any]:
    """A sidecar's settings; one line when it is not one (not YAML, not a mapping, not UTF-8)."""
    try:
        data = read()
    except (OSError, ValueError, yaml.YAMLError):
        data = None
    if not isinstance(data, dict):
        raise HTTPException(400, f"{name} is not a render's sidecar")
    return data
