"""Presets and sidecars: find, read and resolve them into validated ``Settings``.

Presets are YAML files (PyYAML ``safe_load``); defaults, then a preset, then
explicit options are merged and validated together.
"""

from __future__ import annotations

from importlib import resources
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import DreamError, SettingsError, error_line
from ..models import DEFAULT_MODEL
from .schema import Settings

PRESET_PACKAGE = "dreamvideo.preset_files"


def format_errors(source: str | None, error: ValidationError, data: dict[str, Any],
                  given: Collection[str] = ()) -> str:
    """``source: field: message`` lines; a plain (unscheduled) value is named without ``.0``.

    A problem with a field in ``given`` (an option the user typed), or any problem when there is
    no ``source`` (no preset), reads ``error: `field`: message`` instead, the form the CLI turns
    into its flag: it is the option that is wrong, not the preset.
    """
    lines = []
    for item in error.errors():
        parts = [str(part) for part in item["loc"] if not str(part).startswith(("function-", "tuple["))]
        if len(parts) > 1 and not isinstance(data.get(parts[0]), dict) and parts[1] == "0":
            del parts[1]
        message = item["msg"].removeprefix("Value error, ")
        if source is None or (parts and parts[0] in given):
            field = f"`{parts[0]}`" + "".join(f".{p}" for p in parts[1:]) if parts else "settings"
            lines.append(error_line(f"{field}: {message}"))
        else:
            lines.append(f"{source}: {'.'.join(parts) or 'settings'}: {message}")
    return "\n".join(dict.fromkeys(lines))


def shipped_presets() -> dict[str, Path]:
    """Presets that ship with dreamvideo, by name."""
    folder = resources.files(PRESET_PACKAGE)
    return {Path(entry.name).stem: Path(str(entry)) for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".yaml")}


def preset_path(name_or_path: str, base_dir: Path | None = None) -> Path:
    """A shipped preset's name, or a path to a YAML file (relative to ``base_dir`` when given)."""
    shipped = shipped_presets()
    if name_or_path in shipped:
        return shipped[name_or_path]
    path = (base_dir or Path()) / Path(name_or_path).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        raise DreamError(f"preset '{name_or_path}' is a directory, not a YAML file")
    raise DreamError(f"preset not found: '{name_or_path}'; shipped presets: {', '.join(shipped)}")


def read_preset(name_or_path: str, base_dir: Path | None = None) -> tuple[str, dict[str, Any]]:
    """Parse a preset's YAML into a dict; malformed YAML is a one-line error."""
    path = preset_path(name_or_path, base_dir)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise SettingsError(f"{path}: yaml: {where}{getattr(exc, 'problem', None) or 'malformed YAML'}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read preset: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: settings: a preset must be a mapping of field: value")
    return str(path), data


def replayed_start(preset: tuple[str, dict[str, Any]], base_dir: Path | None = None) -> str | None:
    """The start image of the zoom a sidecar records (``meta.from``); None for noise or a plain preset.

    ``preset``: as :func:`read_preset` gives it. Rendering a sidecar again means the same
    inputs, not noise where an image was. The path is as the render was given it: found
    from ``base_dir`` (the working folder) if it is there, else beside the sidecar (a
    render folder that moved keeps it), else as written (to be reported missing). A start
    image given explicitly wins over this one.
    """
    source, data = preset
    meta = data.get("meta")
    start = meta.get("from") if isinstance(meta, dict) else None
    if not isinstance(start, str) or start in ("", "noise"):
        return None
    path = (base_dir or Path()) / Path(start).expanduser()
    beside = Path(source).parent / Path(start).expanduser()
    return str(beside if not path.is_file() and beside.is_file() else path)


def setting_names() -> list[str]:
    """Every field a preset or an option may set."""
    return [name for name in Settings.model_fields if name != "meta"]


def merge(preset: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """A preset's values with explicit ones over them, as one set of settings to validate.

    Explicit ``layers`` drop the preset's objective and the other way round, and another
    model drops the preset's layers: each belongs to what it replaced, so keeping it
    would refuse (or misread) a combination the user never wrote.
    """
    data = dict(preset)
    if "model" in given and "layers" not in given and given["model"] != data.get("model", DEFAULT_MODEL):
        data.pop("layers", None)
    for mine, theirs in (("layers", "objective"), ("objective", "layers")):
        if mine in given and theirs not in given:
            data.pop(theirs, None)
    data = {**data, **given}
    data.pop("meta", None)  # a sidecar's meta describes the old render; it is not an input
    return data


def resolve(preset: str | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Defaults, then the preset, then explicit options; validated together.

    A problem with an option reads ``error: `field`: message``; one with a value the
    preset wrote reads ``preset.yaml: field: message``. Bad input is one line: the first
    problem, and how many more there are.
    """
    source, data = read_preset(preset) if preset else (None, {})
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    data = merge(data, given)
    try:
        # Relative guide images in a preset are looked up beside the preset first.
        base_dir = Path(source).parent if source else None
        return Settings.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        lines = format_errors(source, exc, data, set(given)).splitlines()
        more = f" (and {len(lines) - 1} more problem{'s' * (len(lines) > 2)})" if len(lines) > 1 else ""
        raise SettingsError(lines[0] + more) from None


def describe(name: str) -> str:
    """A shipped preset's one-line description."""
    lines = str(read_preset(name)[1].get("description") or "").strip().splitlines()
    return lines[0] if lines else ""
