"""The output section: frame size and encoding."""

from __future__ import annotations

from typing import Annotated, Any, Optional

from pydantic import BaseModel, BeforeValidator, Field, field_validator


def as_size(value: Any) -> Any:
    """``512`` (longest side) or ``"300x300"`` / ``[300, 300]`` (width, height)."""
    if isinstance(value, str):
        parts = value.lower().split("x")
        try:
            return [int(p) for p in parts] if len(parts) == 2 else int(value)
        except ValueError:
            raise ValueError("size must be N (longest side) or WxH, e.g. 512 or 300x300") from None
    return value


class OutputSection(BaseModel):
    """What the output looks like on disk."""

    size: Annotated[Optional[int | tuple[int, int]], BeforeValidator(as_size)] = Field(
        None, description="Longest side N, or WxH.")
    # ffmpeg refuses a rate that rounds to 0 (its rates are fractions, here of denominator <= 1001) and
    # a GIF cannot hold a frame for more than 655 s: 0.01 (a frame every 100 s) is safely inside both.
    fps: float = Field(24.0, ge=0.01, le=240.0, description="Frames per second (0.01 to 240); a video keeps its own rate, an image sequence input "
                      "plays at this one.")
    crf: int = Field(18, ge=0, le=51, description="H.264 quality, 0 (lossless) to 51.")

    @field_validator("size")
    @classmethod
    def _sane_size(cls, value: Optional[int | tuple[int, int]]):
        sides = value if isinstance(value, tuple) else (value,) if value is not None else ()
        if any(not 16 <= side <= 8192 for side in sides):
            raise ValueError("each side must be between 16 and 8192 pixels")
        return value
