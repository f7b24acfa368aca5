"""The output section: frame size and encoding (the formats themselves are data: ``media/formats.py``)."""

from __future__ import annotations

from typing import Annotated, Any, Optional

from pydantic import BaseModel, BeforeValidator, Field, field_validator

from ..media.formats import output_formats


def as_size(value: Any) -> Any:
    """``512`` (longest side) or ``"300x300"`` / ``[300, 300]`` (width, height)."""
    if isinstance(value, str):
        parts = value.lower().split("x")
        try:
            return [int(p) for p in parts] if len(parts) == 2 else int(value)
        except ValueError:
            raise ValueError("size must be N (longest side) or WxH, e.g. 512 or 300x300") from None
    return value


def _codecs() -> str:
    """Each container's codecs, its default first: the option's help, read from the table."""
    taken: dict[str, list[str]] = {}
    for fmt in sorted(output_formats(), key=lambda f: not f.default):
        taken.setdefault(fmt.suffix, []).append(fmt.codec)
    return "; ".join(f"{suffix} {', '.join(codecs)}" for suffix, codecs in taken.items() if len(codecs) > 1)


class OutputSection(BaseModel):
    """What the output looks like on disk."""

    size: Annotated[Optional[int | tuple[int, int]], BeforeValidator(as_size)] = Field(
        None, description="Longest side N, or WxH.")
    # ffmpeg refuses a rate that rounds to 0 (its rates are fractions, here of denominator <= 1001) and
    # a GIF cannot hold a frame for more than 655 s: 0.01 (a frame every 100 s) is safely inside both.
    fps: float = Field(24.0, ge=0.01, le=240.0, description="Frames per second (0.01 to 240); a video keeps its own "
                       "rate, an image sequence input plays at this one.")
    crf: int = Field(18, ge=0, le=51, description="Quality, 0 (best) to 51, on x264's scale; mapped onto each "
                     "codec's own (`dreamvideo formats` shows how).")
    codec: Optional[str] = Field(None, description="The codec inside the output's container, by default its "
                                 "first: " + _codecs() + ".")
    bit_depth: int = Field(8, description="Bits per channel of an image sequence (DIR/NAME_%05d.png): 8 or 16.")

    @field_validator("codec")
    @classmethod
    def _known_codec(cls, value: Optional[str]) -> Optional[str]:
        known = list(dict.fromkeys(f.codec for f in output_formats()))
        if value is not None and value.lower() not in known:
            raise ValueError(f"unknown codec '{value}'; `dreamvideo formats` lists them: {', '.join(known)}")
        return None if value is None else value.lower()

    @field_validator("bit_depth")
    @classmethod
    def _depth(cls, value: int) -> int:
        if value not in (8, 16):
            raise ValueError("must be 8 or 16")
        return value

    @field_validator("size")
    @classmethod
    def _sane_size(cls, value: Optional[int | tuple[int, int]]):
        sides = value if isinstance(value, tuple) else (value,) if value is not None else ()
        if any(not 16 <= side <= 8192 for side in sides):
            raise ValueError("each side must be between 16 and 8192 pixels")
        return value
