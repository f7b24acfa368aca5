"""``Settings``: every field that shapes a render, one flat YAML mapping in sections.

Each section lives in its own module (dream, motion, video, animation, output); a new
capability adds its fields to one section. Unknown keys are errors, so typos are
caught, and the CLI builds its options from these fields.
"""

from __future__ import annotations

import typing
from typing import Any, Optional

import numpy as np

from pydantic import ConfigDict, Field

from ..models import resolve_layers
from .animation import AnimationSection
from .dream import DreamSection
from .live import LiveSection
from .motion import ZoomSection
from .output import OutputSection
from .schedule import ExprSchedule, Timeline, interpolate, names_in, series, step_value
from .video import VideoSection

FILE_SETTINGS = ("audio", "weights")  # settings that name a file (guide images are named in `objective`)

class Settings(DreamSection, ZoomSection, VideoSection, AnimationSection, OutputSection, LiveSection):
    """Everything that shapes a render. Unknown keys are errors, so typos are caught."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    description: str = ""
    # written into sidecars; ignored when read back
    meta: Optional[dict[str, Any]] = Field(None, description="Written into sidecars; ignored when read.")

    def layers_at(self, frame: int) -> list[str]:
        """The layer list in force at ``frame`` (layers switch, they do not blend)."""
        return step_value(self.layers or {0: resolve_layers(self.model, None)}, frame)

    def all_layers(self) -> list[str]:
        """Every layer any frame uses, so the model is built once for the whole render."""
        if self.objective:
            return self.objective_layers()
        schedule = self.layers or {0: resolve_layers(self.model, None)}
        return list(dict.fromkeys(name for names in schedule.values() for name in names))

    def at(self, name: str, frame: int) -> Any:
        """A ``{frame: value}`` setting's value at ``frame``, linearly interpolated between keyframes."""
        return interpolate(getattr(self, name), frame)

    def series(self, name: str, timeline: Timeline) -> np.ndarray:
        """A schedule's value on every frame of a run (mappings or expressions), range-checked."""
        choice = self.interpolation
        mode = choice if isinstance(choice, str) else choice.get(name, "linear")
        args = typing.get_args(type(self).model_fields[name].annotation)
        return series(name, getattr(self, name), timeline, mode, args[1] if len(args) == 2 else float)

    def uses(self, variable: str) -> bool:
        """Whether any expression schedule reads ``variable`` (e.g. ``max_f``, an audio feature)."""
        return any(variable in names_in(value) for value in self.__dict__.values() if isinstance(value, ExprSchedule))

    def to_yaml_dict(self) -> dict[str, Any]:
        """Plain YAML-friendly data; one-keyframe schedules are written as plain values."""
        data = self.model_dump(mode="json", exclude_none=True)
        for key, value in data.items():
            if not isinstance(value, dict) or key in ("meta", "interpolation"):
                continue
            if list(value) == ["0"]:
                data[key] = value["0"]
            else:
                data[key] = {int(k): v for k, v in value.items()}
        return data
