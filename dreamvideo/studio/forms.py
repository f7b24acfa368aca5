"""A render request from the page: kind, input and settings, validated as the CLI validates them.

Settings arrive as the JSON the generated form sends (text for pairs and layer
lists, as typed on a command line). They are merged over a preset when one is
named and validated by the same ``Settings`` model the CLI uses; problems come
back as ``{field, flag, message, line}``: ``line`` is the CLI's one-line error in the page's words
(``error: Octave scale: ...``, :mod:`.words`), ``flag`` the option a CLI user would type.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from fastapi import HTTPException
from pydantic import ValidationError

from ..errors import DreamError, error_line, first_line
from ..options import flag, parse_pair
from ..settings import Settings, resolve, shipped_presets
from ..settings.kinds import RENDERS as KINDS  # what the studio queues
from ..settings.presets import PRESET_PACKAGE, merge
from ..settings.schema import FILE_SETTINGS
from .paths import inside
from .words import in_words

KindName = Literal[tuple(KINDS)]  # type: ignore[valid-type]  # a request's `kind`: a name in the kind table


def problem(field: str, message: str, line: str | None = None) -> dict[str, str]:
    """One validation problem, named as the form names it (``line``: the CLI's own, in the page's words)."""
    named = flag(field) if field else ""
    line = line or error_line(f"`{field}`: {message}" if field else message)
    return {"field": field, "flag": named, "message": in_words(message), "line": in_words(line)}


def refuse(field: str, message: str, status: int = 422) -> HTTPException:
    return HTTPException(status, {"errors": [problem(field, message)], "error": problem(field, message)["line"]})


def _typed(data: dict[str, Any]) -> dict[str, Any]:
    """Form text as the CLI would parse it: ``X,Y`` pairs, comma-separated layer lists."""
    out = {k: v for k, v in data.items() if v is not None and v != "" and k != "meta"}
    for name in ("translate", "center"):
        if isinstance(out.get(name), str):
            try:
                out[name] = parse_pair(name, out[name])
            except DreamError as exc:  # "`center` must be two numbers X,Y ...", as the CLI says it
                one = problem(name, str(exc).removeprefix(f"`{name}` "), error_line(str(exc)))
                raise HTTPException(422, {"errors": [one], "error": one["line"]}) from None
    if isinstance(out.get("layers"), str):
        out["layers"] = [part.strip() for part in out["layers"].replace(" ", ",").split(",") if part.strip()]
    return out


def validate(settings: dict[str, Any] | None, folder: Path, preset: str | None = None) -> Settings:
    """Settings over an optional shipped preset, validated; 422 naming the field as the CLI does."""
    if settings is not None and not isinstance(settings, dict):
        raise refuse("", "settings must be a mapping of field: value")
    base = _preset_base(preset, folder) if preset else {}
    given = _typed(settings or {})
    data = merge(base, given)  # as the CLI merges options over a preset
    try:
        checked = Settings.model_validate(data, context={"base_dir": folder})
    except ValidationError as exc:
        errors = [problem(str(e["loc"][0]) if e["loc"] else "", e["msg"].removeprefix("Value error, "))
                  for e in exc.errors()]
        raise HTTPException(422, {"errors": errors, "error": errors[0]["line"]}) from None
    _confine_files(checked, folder)
    return checked


def _preset_base(name: str, folder: Path) -> dict[str, Any]:
    """A shipped preset resolved (its guide images found beside it), or the folder's own, as plain settings."""
    shipped = shipped_presets()  # a listing of the package's folder: once
    if name not in shipped:
        if (folder / "presets" / f"{name}.yaml").is_file():
            return folder_preset(folder, name)
        raise refuse("preset", f"unknown preset '{name}'; shipped presets: {', '.join(shipped)}")
    try:
        return resolve(name).to_yaml_dict()
    except DreamError as exc:
        raise refuse("preset", str(exc)) from None


def folder_preset(folder: Path, name: str) -> dict[str, Any]:
    """``FOLDER/presets/NAME.yaml`` (saved from the page, or written by hand), read as a sidecar is:
    capped, no aliases, not through a link; 422 on ``preset`` when it is not a mapping of settings."""
    from .renders import read_sidecar

    try:
        data = read_sidecar(folder / "presets" / f"{name}.yaml")
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise refuse("preset", f"cannot read presets/{name}.yaml: {first_line(exc)}") from None
    if not isinstance(data, dict):
        raise refuse("preset", f"presets/{name}.yaml is not a mapping of settings")
    return {key: value for key, value in data.items() if key != "meta"}


def _confine_files(settings: Settings, folder: Path) -> None:
    """Audio, weights and guide images must be files in the folder (guides may be shipped ones)."""
    from ..core.objective_terms import guide_paths
    from .paths import inside

    for name in FILE_SETTINGS:
        value = getattr(settings, name)
        if value and not (name == "weights" and value == "random"):  # random weights read no file
            try:
                path = inside(folder, value, must_exist=True)
            except HTTPException as exc:
                raise refuse(name, f"{exc.detail}: '{value}'") from None
            if not path.is_file():  # a FIFO would hang the preview (and the render) reading it
                raise refuse(name, f"not a file: '{value}'")
    shipped = Path(str(resources.files(PRESET_PACKAGE))).resolve()
    for guide in guide_paths(settings.objective or {}, settings.model):
        real = Path(guide).resolve()
        if folder not in real.parents and shipped not in real.parents:
            raise refuse("objective", f"guide image '{guide}' is outside the studio folder")
        if not real.is_file():
            raise refuse("objective", f"guide image '{guide}' is not a file")


def with_local_weights(root: Path, settings: Settings) -> Settings:
    """A relative `weights` file read from the folder, where validation found it: the server's cwd is not
    the folder (a job's child runs in it; a preview or a sheet, dreamed in the server, does not)."""
    if not settings.weights or settings.weights == "random":
        return settings
    return settings.model_copy(update={"weights": str(inside(root, settings.weights, must_exist=True))})
