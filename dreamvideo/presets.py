"""Settings and presets: one pydantic model validates every field in one place.

Presets are YAML files (PyYAML ``safe_load``); the CLI merges defaults, then a
preset, then explicit options. Numeric zoom/video settings and the layer list may be
keyframed schedules ``{frame: value}``, interpolated per frame.
"""

from __future__ import annotations

import bisect
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, NonNegativeInt,
                      ValidationError, ValidationInfo, field_validator)

from .errors import DreamError
from .models import DEFAULT_MODEL, model_info, resolve_layers

PRESET_PACKAGE = "dreamvideo.preset_files"


def _as_schedule(value: Any) -> Any:
    """A plain value is a schedule with one keyframe at frame 0."""
    return value if isinstance(value, dict) else {0: value}


def _as_layer_schedule(value: Any) -> Any:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, dict):
        return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
    return {0: value}


def _as_size(value: Any) -> Any:
    """``512`` (longest side) or ``"300x300"`` / ``[300, 300]`` (width, height)."""
    if isinstance(value, str):
        parts = value.lower().split("x")
        try:
            return [int(p) for p in parts] if len(parts) == 2 else int(value)
        except ValueError:
            raise ValueError("size must be N (longest side) or WxH, e.g. 512 or 300x300") from None
    return value


Zoom = Annotated[float, Field(gt=1.0, le=2.0)]
Rotate = Annotated[float, Field(ge=-45, le=45)]
Shift = Annotated[float, Field(ge=-100, le=100)]
Blend = Annotated[float, Field(ge=0.0, le=1.0)]


def _schedule(item: Any) -> Any:
    return Annotated[dict[NonNegativeInt, item], BeforeValidator(_as_schedule)]


class Settings(BaseModel):
    """Everything that shapes a render. Unknown keys are errors, so typos are caught."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    description: str = ""
    # dream
    model: str = DEFAULT_MODEL
    weights: Optional[str] = None
    layers: Annotated[Optional[dict[NonNegativeInt, list[str]]], BeforeValidator(_as_layer_schedule)] = None
    octaves: int = Field(4, ge=1, le=12)
    octave_scale: float = Field(1.4, gt=1.0, le=4.0)
    steps: int = Field(10, ge=1, le=1000)
    step_size: float = Field(0.05, gt=0.0, le=2.0)
    jitter: int = Field(32, ge=0, le=512)
    smooth: float = Field(0.0, ge=0.0, le=20.0)
    normalize: bool = True
    clamp: bool = True
    seed: Optional[int] = Field(None, ge=0, lt=2**32)
    precision: Literal["auto", "fp32", "bf16"] = "auto"
    tile: int = Field(0, ge=0)
    size: Annotated[Optional[int | tuple[int, int]], BeforeValidator(_as_size)] = None
    # zoom
    frames: int = Field(60, ge=1, le=100000)
    zoom: _schedule(Zoom) = {0: 1.04}
    rotate: _schedule(Rotate) = {0: 0.0}
    translate: _schedule(tuple[Shift, Shift]) = {0: (0.0, 0.0)}
    fps: float = Field(24.0, gt=0.0, le=240.0)
    crf: int = Field(18, ge=0, le=51)
    # video
    blend: _schedule(Blend) = {0: 0.5}
    coherence: Literal["flow", "blend", "none"] = "flow"
    flow_steps: Optional[int] = Field(None, ge=1, le=1000)
    start: float = Field(0.0, ge=0.0)
    end: Optional[float] = Field(None, gt=0.0)
    max_frames: Optional[int] = Field(None, ge=1)
    # written into sidecars; ignored when read back
    meta: Optional[dict[str, Any]] = None

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        try:
            model_info(value)
        except DreamError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("layers")
    @classmethod
    def _known_layers(cls, value: Optional[dict[int, list[str]]], info: ValidationInfo):
        if value is None or "model" not in info.data:
            return value
        try:
            return {frame: resolve_layers(info.data["model"], names) for frame, names in value.items()}
        except DreamError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("size")
    @classmethod
    def _sane_size(cls, value: Optional[int | tuple[int, int]]):
        sides = value if isinstance(value, tuple) else (value,) if value is not None else ()
        if any(not 16 <= side <= 8192 for side in sides):
            raise ValueError("each side must be between 16 and 8192 pixels")
        return value

    @field_validator("layers", "zoom", "rotate", "translate", "blend")
    @classmethod
    def _starts_at_zero(cls, value: Optional[dict]) -> Optional[dict]:
        if value is not None and 0 not in value:
            raise ValueError("a schedule needs a keyframe at frame 0")
        return value

    def layers_at(self, frame: int) -> list[str]:
        """The layer list in force at ``frame`` (layers switch, they do not blend)."""
        schedule = self.layers or {0: resolve_layers(self.model, None)}
        keys = sorted(schedule)
        return schedule[keys[bisect.bisect_right(keys, frame) - 1]]

    def all_layers(self) -> list[str]:
        """Every layer any frame uses, so the model is built once for the whole render."""
        schedule = self.layers or {0: resolve_layers(self.model, None)}
        return list(dict.fromkeys(name for names in schedule.values() for name in names))

    def at(self, name: str, frame: int) -> Any:
        """A scheduled setting's value at ``frame``, linearly interpolated between keyframes."""
        return interpolate(getattr(self, name), frame)

    def to_yaml_dict(self) -> dict[str, Any]:
        """Plain YAML-friendly data; one-keyframe schedules are written as plain values."""
        data = self.model_dump(mode="json", exclude_none=True)
        for key, value in data.items():
            if isinstance(value, dict) and key != "meta" and list(value) == ["0"]:
                data[key] = value["0"]
            elif isinstance(value, dict) and key != "meta":
                data[key] = {int(k): v for k, v in value.items()}
        return data


def interpolate(schedule: dict[int, Any], frame: int) -> Any:
    """Linear interpolation over keyframes; held constant after the last one."""
    keys = sorted(schedule)
    i = bisect.bisect_right(keys, frame) - 1
    if i + 1 >= len(keys):
        return schedule[keys[-1]]
    k0, k1 = keys[i], keys[i + 1]
    t = (frame - k0) / (k1 - k0)
    v0, v1 = schedule[k0], schedule[k1]
    if isinstance(v0, tuple):
        return tuple(a + t * (b - a) for a, b in zip(v0, v1))
    return v0 + t * (v1 - v0)


class SettingsError(DreamError):
    """Validation failed; the message is one ``source: field: message`` line per problem."""


def format_errors(source: str, error: ValidationError, data: dict[str, Any]) -> str:
    """``source: field: message`` lines; a plain (unscheduled) value is named without ``.0``."""
    lines = []
    for item in error.errors():
        parts = [str(part) for part in item["loc"] if not str(part).startswith(("function-", "tuple["))]
        if len(parts) > 1 and not isinstance(data.get(parts[0]), dict) and parts[1] == "0":
            del parts[1]
        loc = ".".join(parts)
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{source}: {loc or 'settings'}: {message}")
    return "\n".join(dict.fromkeys(lines))


def shipped_presets() -> dict[str, Path]:
    """Presets that ship with dreamvideo, by name."""
    folder = resources.files(PRESET_PACKAGE)
    return {Path(entry.name).stem: Path(str(entry)) for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".yaml")}


def preset_path(name_or_path: str) -> Path:
    """A shipped preset's name, or a path to a YAML file."""
    shipped = shipped_presets()
    if name_or_path in shipped:
        return shipped[name_or_path]
    path = Path(name_or_path)
    if path.is_file():
        return path
    raise DreamError(f"preset not found: '{name_or_path}'; shipped presets: {', '.join(shipped)}")


def read_preset(name_or_path: str) -> tuple[str, dict[str, Any]]:
    """Parse a preset's YAML into a dict; malformed YAML is a one-line error."""
    path = preset_path(name_or_path)
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


def resolve(preset: str | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Defaults, then the preset, then explicit options; validated together."""
    source, data = read_preset(preset) if preset else ("error", {})
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    if "model" in given and "layers" not in given and given["model"] != data.get("model", DEFAULT_MODEL):
        data.pop("layers", None)  # another model: its own default layers, not the preset's
    data = {**data, **given}
    # A sidecar's meta describes the old render; it is not an input.
    data.pop("meta", None)
    try:
        return Settings(**data)
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        origin = "error" if bad and bad <= set(given) else source
        raise SettingsError(format_errors(origin, exc, data)) from None


def describe(name: str) -> str:
    """A shipped preset's one-line description."""
    lines = str(read_preset(name)[1].get("description") or "").strip().splitlines()
    return lines[0] if lines else ""
