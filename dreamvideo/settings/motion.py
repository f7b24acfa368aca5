"""The zoom section: frame count and the camera move between frames."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from .schedule import schedule

Zoom = Annotated[float, Field(gt=1.0, le=2.0)]
Rotate = Annotated[float, Field(ge=-45, le=45)]
Shift = Annotated[float, Field(ge=-100, le=100)]


class ZoomSection(BaseModel):
    """How a zoom ("dive") moves from one frame to the next."""

    frames: int = Field(60, ge=1, le=100000, description="Frames to render.")
    zoom: schedule(Zoom) = Field({0: 1.04}, description="Zoom per frame, in (1, 2].")
    rotate: schedule(Rotate) = Field({0: 0.0}, description="Rotation per frame in degrees.")
    translate: schedule(tuple[Shift, Shift]) = Field({0: (0.0, 0.0)}, description="Shift per frame in pixels: DX,DY.")

    @field_validator("zoom", "rotate", "translate")
    @classmethod
    def _starts_at_zero(cls, value: dict) -> dict:
        if 0 not in value:
            raise ValueError("a schedule needs a keyframe at frame 0")
        return value
