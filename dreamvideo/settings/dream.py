"""The dream section: model, layers and the octave ascent. Used by every render."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import BaseModel, BeforeValidator, Field, NonNegativeInt, ValidationInfo, field_validator

from ..core.objective_spec import format_terms, parse
from ..errors import DreamError
from ..models import DEFAULT_MODEL, model_info, resolve_layers
from .schedule import as_layer_schedule, as_schedule


class DreamSection(BaseModel):
    """How each frame is dreamed."""

    model: str = Field(DEFAULT_MODEL, description="Model name (see `dreamvideo models`).")
    weights: Optional[str] = Field(None, description="Weights file for the model.")
    layers: Annotated[Optional[dict[NonNegativeInt, list[str]]], BeforeValidator(as_layer_schedule)] = Field(
        None, description="Layers to amplify (default: the model's); may switch at keyframes.")
    objective: Annotated[Optional[dict[NonNegativeInt, str]], BeforeValidator(as_schedule)] = Field(
        None, description="Objective terms instead of layers, e.g. 'block10 + 0.5*block5:42 - 0.2*class:espresso'; "
                          "may switch at keyframes.")
    objective_blend: int = Field(12, ge=1, le=100000, description="Frames over which an objective switch fades in "
                                                                  "(1 = cut).")
    octaves: int = Field(4, ge=1, le=12, description="Extra octaves below full size.")
    octave_scale: float = Field(1.4, gt=1.0, le=4.0, description="Scale between octaves, > 1.")
    steps: int = Field(10, ge=1, le=1000, description="Gradient steps per octave.")
    step_size: float = Field(0.05, gt=0.0, le=2.0, description="Step, in the network's normalised units.")
    jitter: int = Field(32, ge=0, le=512, description="Random roll in pixels, 0 = off.")
    smooth: float = Field(0.0, ge=0.0, le=20.0, description="Gaussian sigma for gradient smoothing, 0 = off.")
    normalize: bool = Field(True, description="Divide the gradient by its mean absolute value.")
    clamp: bool = Field(True, description="Keep pixels in [0, 1] while dreaming.")
    seed: Optional[int] = Field(None, ge=0, lt=2**32, description="Random seed for reproducible output.")
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto", description="auto = bf16 on CUDA; on a CPU with native bf16, bf16 for the octaves where a short "
                            "probe finds it faster (cached); fp32 otherwise (and on MPS).")
    tile: int = Field(0, ge=0, description="Gradient in tiles of N pixels, for huge frames (0 = whole).")

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
        if 0 not in value:
            raise ValueError("a schedule needs a keyframe at frame 0")
        try:
            return {frame: resolve_layers(info.data["model"], names) for frame, names in value.items()}
        except DreamError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("objective")
    @classmethod
    def _known_terms(cls, value: Optional[dict[int, str]], info: ValidationInfo):
        """Parse every keyframe's terms now, so a bad term stops a render before it starts.

        Specs are stored canonical (class names spelled out, guide paths found), and
        relative guide paths are looked up beside the preset that names them first.
        """
        if value is None or "model" not in info.data:
            return value
        if 0 not in value:
            raise ValueError("a schedule needs a keyframe at frame 0")
        if info.data.get("layers"):
            raise ValueError("set either `layers` or `objective` (an objective names its own layers)")
        base_dir = (info.context or {}).get("base_dir")
        specs = {}
        for frame, text in value.items():
            try:
                specs[frame] = format_terms(parse(text, info.data["model"], base_dir))
            except DreamError as exc:
                raise ValueError(f"frame {frame}: {exc}" if len(value) > 1 else str(exc)) from None
        return specs

    def objective_layers(self) -> list[str]:
        """Every layer any keyframe's objective reads (class terms need ``logits``)."""
        terms = [t for text in (self.objective or {}).values() for t in parse(text, self.model)]
        return list(dict.fromkeys(term.layer for term in terms))
