"""The zoom section: frame count, the camera move between frames, music, and later frames' schedule."""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, Field

from .schedule import MAX_FRAMES, Interpolation, schedule

Zoom = Annotated[float, Field(ge=0.5, le=2.0)]
Rotate = Annotated[float, Field(ge=-45, le=45)]
Shift = Annotated[float, Field(ge=-100, le=100)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Scheduled = Literal["zoom", "rotate", "translate", "center", "blend", "color_strength"]


class ZoomSection(BaseModel):
    """How a zoom ("dive") moves from one frame to the next.

    Each move is a schedule: a number, ``{frame: value}`` keyframes, or a Deforum
    string whose values are expressions of ``t``, ``max_f``, ``fps``, ``pi`` and the
    audio features (see ``settings/schedule.py``).
    """

    frames: Optional[int] = Field(None, ge=1, le=MAX_FRAMES,
                                  description="Frames to render (default 60, or the audio's length at fps).")
    zoom: schedule(Zoom) = Field({0: 1.04}, description="Zoom per frame, 0.5 to 2 (> 1 dives in).")
    rotate: schedule(Rotate) = Field({0: 0.0}, description="Rotation per frame in degrees.")
    translate: schedule(tuple[Shift, Shift]) = Field({0: (0.0, 0.0)}, description="Shift per frame in pixels: DX,DY.")
    center: schedule(tuple[Fraction, Fraction]) = Field(
        {0: (0.5, 0.5)}, description="Point the zoom aims at: X,Y as fractions of width and height.")
    interpolation: Union[Interpolation, dict[Scheduled, Interpolation]] = Field(
        "linear", description="Between keyframes: linear, cubic or step; or per schedule, {zoom: cubic}.")
    # A zoom's previous frame already holds the dream: later frames need less work.
    frame_octaves: int = Field(
        4, ge=0, le=12, description="Extra octaves for zoom frames after the first (at most octaves).")
    frame_steps: int = Field(
        3, ge=1, le=1000, description="Steps per octave for zoom frames after the first (at most steps).")
    audio: Optional[str] = Field(
        None, description="Music: its length sets frames, its features (bass, onset ...) feed expressions; muxed into MP4.")
