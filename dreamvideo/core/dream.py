"""Gradient ascent on the image over an octave pyramid (the seed's DeepDream algorithm).

``Dreamer`` holds one loaded model for a whole run (never rebuilt per frame) and
turns a [0, 1] image into a dreamed image of the same size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Protocol

import torch

from ..errors import DreamError
from ..models.base import FeatureModel
from ..models import lite_gradient
from ..models.device import bf16_twin, memory_format
from .objectives import INPUT, Objective, mean_square
from .precision import Precision, fixed
from .transforms import pyramid_sizes, resize, roll, smooth

Progress = Callable[[int], None]


class OctaveHooks(Protocol):
    """Where a caller steers each octave: the starting detail, and a touch after each step.

    Video coherence uses them to start from the previous frame's warped detail and
    to pull consistent pixels toward it; a plain dream uses none.
    """

    def start(self, octave: int, base: torch.Tensor, detail: torch.Tensor) -> torch.Tensor: ...

    def after_step(self, octave: int, base: torch.Tensor, current: torch.Tensor) -> torch.Tensor: ...


@dataclass
class DreamResult:
    """The dreamed image and each octave's final detail (dreamed minus base), smallest first."""

    image: torch.Tensor
    details: list[torch.Tensor]


@dataclass(frozen=True)
class DreamConfig:
    """The seed's algorithm by default; each trick can be switched off or tuned."""

    octaves: int = 4            # extra octaves below full size (0 = full size only)
    octave_scale: float = 1.4
    steps: int = 10             # gradient steps per octave
    step_size: float = 0.05
    jitter: int = 32            # max random roll in pixels, 0 = off
    smooth: float = 0.0         # Gaussian sigma for the gradient, 0 = off
    normalize: bool = True      # divide the gradient by its mean absolute value
    clamp: bool = True          # keep pixels in [0, 1]

    @property
    def total_steps(self) -> int:
        return self.steps * (self.octaves + 1)


def usable_octaves(height: int, width: int, config: DreamConfig, min_size: int) -> int:
    """How many of ``config.octaves`` fit: the ones whose smallest side stays >= ``min_size``.

    Small frames dream with fewer octaves instead of being refused; only a frame
    whose full size is already too small cannot be dreamed at all.
    """
    check_pyramid(height, width, config, min_size)
    sizes = pyramid_sizes(height, width, config.octaves, config.octave_scale)
    return sum(1 for h, w in sizes[:-1] if min(h, w) >= min_size)


def fit_pyramid(height: int, width: int, config: DreamConfig, min_size: int) -> DreamConfig:
    """``config`` with the octaves that would be too small for the network dropped."""
    octaves = usable_octaves(height, width, config, min_size)
    return config if octaves == config.octaves else replace(config, octaves=octaves)


def check_pyramid(height: int, width: int, config: DreamConfig, min_size: int) -> None:
    """Refuse only frames too small for the network even at full size (one octave)."""
    if min(height, width) < min_size:
        raise DreamError(
            f"image {width}x{height} is smaller than this layer's minimum of {min_size} px "
            "even without octaves; use a larger `size` or a shallower layer in `layers`")


class Dreamer:
    """Runs DeepDream with one model loaded once.

    ``precision`` is "fp32", "bf16", "auto" (bf16 autocast on CUDA, fp32 elsewhere until
    ``render/precision.py`` measures a CPU) or a :class:`~.precision.Precision`.
    ``tile`` > 0 computes the gradient in tiles of that size; on CUDA an out-of-memory
    error switches tiling on by itself instead of crashing.
    """

    def __init__(self, model: FeatureModel, precision: str | Precision = "auto", tile: int = 0,
                 compile: bool = False) -> None:
        self.model = model
        self.device = model.mean.device
        self.plan = precision if isinstance(precision, Precision) else fixed(precision, self.device)
        self.tile = tile
        self._forward = torch.compile(model, dynamic=False) if compile else model
        # EfficientNet-Lite on a CPU: the input gradient by hand (models/lite_gradient.py), fp32 or bf16;
        # other models' CPU bf16 octaves run on a twin with weights cast once (models/device.py). Both follow
        # ``plan`` at each step: `precision` auto sets it after the probe (render/engine.py).
        self._by_hand = not compile and lite_gradient.supports(model)
        self._engines: dict[torch.dtype, lite_gradient.LiteGradient] = {}
        self._twin_ok = self.device.type == "cpu" and not compile and not self._by_hand

    @property
    def precision(self) -> str:
        """Either "fp32" or "bf16" (which may still keep small octaves in fp32: see ``plan``)."""
        return self.plan.name

    @property
    def gradient_path(self) -> str:
        """How gradients are taken: "by hand" (EfficientNet-Lite on a CPU) or "autograd"."""
        return "by hand" if self._by_hand else "autograd"

    def _grad(self, image: torch.Tensor, objective: Objective) -> torch.Tensor:
        if self._by_hand:
            dtype = torch.bfloat16 if self.plan.uses_bf16(image.shape) else torch.float32
            if dtype not in self._engines:
                self._engines[dtype] = lite_gradient.LiteGradient(self.model, dtype)
            return self._engines[dtype](image, objective, INPUT)
        x = image.detach().requires_grad_(True)
        twin = self._twin_ok and self.plan.uses_bf16(x.shape)
        with self.plan.autocast(self.device.type, x.shape):
            acts = bf16_twin(self.model)(x) if twin else self._forward(x)
        # The objective in fp32 whatever the forward ran in: bf16 sums drop small terms.
        loss = objective({**{name: a.float() for name, a in acts.items()}, INPUT: x})
        (grad,) = torch.autograd.grad(loss, x)
        return grad

    def _tiled_grad(self, image: torch.Tensor, objective: Objective) -> torch.Tensor:
        """Gradient tile by tile; the random roll moves the seams every step."""
        _, _, h, w = image.shape
        rows = -(-h // self.tile)
        cols = -(-w // self.tile)
        ys = [round(i * h / rows) for i in range(rows + 1)]
        xs = [round(j * w / cols) for j in range(cols + 1)]
        grad = torch.empty_like(image)
        for y0, y1 in zip(ys, ys[1:]):
            for x0, x1 in zip(xs, xs[1:]):
                grad[..., y0:y1, x0:x1] = self._grad(image[..., y0:y1, x0:x1], objective)
        return grad

    def gradient(self, image: torch.Tensor, objective: Objective) -> torch.Tensor:
        """Whole-image gradient; out of device memory, retry in ever smaller tiles."""
        while True:
            try:
                if self.tile and max(image.shape[-2:]) > self.tile:
                    return self._tiled_grad(image, objective)
                return self._grad(image, objective)
            except RuntimeError as exc:  # torch.OutOfMemoryError is one
                if not _device_memory(exc):
                    raise
                side = self.tile or max(image.shape[-2:])
                if side // 2 < self.model.min_size:
                    raise DreamError("out of device memory even for small tiles; "
                                     "use `device` cpu or a smaller `size`") from None
                _empty_cache(self.device)
                self.tile = side // 2

    def step(self, image: torch.Tensor, objective: Objective, config: DreamConfig,
             generator: torch.Generator) -> torch.Tensor:
        """One jittered, normalised gradient-ascent step."""
        dx, dy = 0, 0
        if config.jitter:
            dx, dy = torch.randint(-config.jitter, config.jitter + 1, (2,), generator=generator).tolist()
        grad = roll(self.gradient(roll(image, dx, dy), objective), -dx, -dy)
        grad = smooth(grad, config.smooth)
        if config.normalize:
            grad = grad / (grad.abs().mean() + 1e-8)
        # The step is in the network's normalised units, as in the seed: scale by std.
        image = image + (config.step_size * self.model.std) * grad
        return image.clamp(0, 1) if config.clamp else image

    def objective(self, objective: Objective | list[str] | None) -> Objective:
        """An objective as given, or the classic mean-square loss over layer names."""
        if isinstance(objective, Objective):
            return objective
        return mean_square(objective or self.model.requested)

    def dream(self, image: torch.Tensor, config: DreamConfig = DreamConfig(),
              objective: Objective | list[str] | None = None, seed: int = 0,
              progress: Progress | None = None) -> torch.Tensor:
        """Dream a (1, 3, H, W) [0, 1] image and return one of the same size."""
        return self.dream_octaves(image, config, objective, seed, progress).image

    def dream_octaves(self, image: torch.Tensor, config: DreamConfig = DreamConfig(),
                      objective: Objective | list[str] | None = None, seed: int = 0,
                      progress: Progress | None = None, hooks: OctaveHooks | None = None) -> DreamResult:
        """Dream an image and keep every octave's final detail.

        Detail learned at each octave (dreamed minus base) is upscaled and added to
        the next larger octave, so structure grows from coarse to fine.
        """
        _, _, h, w = image.shape
        config = fit_pyramid(h, w, config, self.model.min_size)
        loss = self.objective(objective)
        generator = torch.Generator().manual_seed(seed)
        base_full = image.to(self.device, torch.float32).contiguous(memory_format=memory_format(self.device))
        detail = torch.zeros_like(base_full)
        details: list[torch.Tensor] = []
        for octave, size in enumerate(pyramid_sizes(h, w, config.octaves, config.octave_scale)):
            base = resize(base_full, size)
            detail = resize(detail, size)
            if hooks:
                detail = hooks.start(octave, base, detail)
            current = base + detail
            for _ in range(config.steps):
                current = self.step(current, loss, config, generator)
                if hooks:
                    current = hooks.after_step(octave, base, current)
                if progress:
                    progress(1)
            detail = current - base
            details.append(detail)
        result = base_full + detail
        return DreamResult(result.clamp(0, 1) if config.clamp else result, details)


def _device_memory(exc: BaseException) -> bool:
    """CUDA's out-of-memory error, or MPS's (a plain RuntimeError in some torch versions)."""
    return isinstance(exc, torch.OutOfMemoryError) or "MPS backend out of memory" in str(exc)


def _empty_cache(device: torch.device) -> None:
    """Give the failed allocation's cached blocks back before trying smaller tiles."""
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps":
        torch.mps.empty_cache()
