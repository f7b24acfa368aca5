"""The video section: which span of a clip, and how frames stay coherent."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import BaseModel, Field

from .schedule import schedule

Blend = Annotated[float, Field(ge=0.0, le=1.0)]


class VideoSection(BaseModel):
    """Dreaming an existing clip."""

    blend: schedule(Blend) = Field({0: 0.5}, description="Share of the previous dream carried into each frame, 0..1.")
    coherence: Literal["pyramid", "flow", "blend", "none"] = Field(
        "pyramid", description="How each frame follows the last: pyramid = warped detail pyramid with a "
                               "temporal pull; flow = the older mode.")
    pull: float = Field(0.8, ge=0.0, le=1.0,
                        description="pyramid: share of the way back to the moved previous dream after each step "
                                    "(1 freezes it, 0.5 lets it boil).")
    carry: float = Field(0.97, ge=0.5, le=1.0,
                         description="pyramid: share of the previous frame's detail carried over (< 1 stops build-up).")
    flow_size: Optional[int] = Field(512, ge=32, le=8192,
                                     description="Longest side at which optical flow is computed (larger frames are "
                                                 "shrunk first); each octave gets it resized, vectors scaled.")
    flow_steps: Optional[int] = Field(None, ge=1, le=1000,
                                      description="Steps per octave when flow carries detail (default: steps/2).")
    start: float = Field(0.0, ge=0.0, description="Start time in seconds.")
    end: Optional[float] = Field(None, gt=0.0, description="End time in seconds.")
    max_frames: Optional[int] = Field(None, ge=1, description="Stop after N frames.")
