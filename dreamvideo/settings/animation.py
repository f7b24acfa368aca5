"""The animation section: cadence, colour coherence, seamless loops and motion preview.

Shared by zoom and video. ``cadence`` dreams every N-th frame and makes the frames
between without gradient steps; ``color_coherence`` keeps each frame's colours near a
reference (the start image, the first dream, or a clip's own source frame);
``loop`` makes the output play as an endless loop; ``preview`` renders the motion
without dreaming, in seconds.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from .schedule import schedule

Strength = Annotated[float, Field(ge=0.0, le=1.0)]
ColorSpaces = Literal["none", "lab", "hsv", "rgb"]


class AnimationSection(BaseModel):
    """How a zoom or a video is paced, coloured and closed."""

    cadence: int = Field(1, ge=1, le=1000, description="Dream every N-th frame; the frames between are moved "
                                                        "and cross-faded, not dreamed (1 = dream every frame).")
    color_coherence: ColorSpaces = Field("none", description="Match each frame's colour histogram to a reference "
                                                             "in this colour space (none = off).")
    color_strength: schedule(Strength) = Field({0: 1.0}, description="How far colours are matched, 0..1 "
                                                                     "(schedulable).")
    loop: bool = Field(False, description="Make the output play as a seamless endless loop; frames is the loop length.")
    preview: bool = Field(False, description="Render the motion only, without dreaming: seconds, not minutes.")
