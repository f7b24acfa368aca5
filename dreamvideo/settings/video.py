"""The video section: which span of a clip, and how frames stay coherent."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import BaseModel, Field

from .schedule import schedule

Blend = Annotated[float, Field(ge=0.0, le=1.0)]


class VideoSection(BaseModel):
    """Dreaming an existing clip."""

    blend: schedule(Blend) = Field({0: 0.5}, description="Share of the previous dream carried into each frame, 0..1.")
    coherence: Literal["flow", "blend", "none"] = Field("flow", description="flow, blend or none.")
    flow_steps: Optional[int] = Field(None, ge=1, le=1000,
                                      description="Steps per octave when flow carries detail (default: steps/2).")
    start: float = Field(0.0, ge=0.0, description="Start time in seconds.")
    end: Optional[float] = Field(None, gt=0.0, description="End time in seconds.")
    max_frames: Optional[int] = Field(None, ge=1, description="Stop after N frames.")
