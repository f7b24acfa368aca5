"""Temporal coherence: how each frame of a dreamed clip follows from the previous one.

Modes (``MODES``), each turning an input frame into an output frame given a
``DreamFn`` that dreams one frame:

- ``pyramid`` (default): a warped detail pyramid with a temporal pull. The previous
  frame's float detail (dreamed minus base) is kept at every octave, warped onto
  the new frame by optical flow (cubic, so texture is not smeared away), used as
  each octave's starting detail where the flow is trusted, and pixels the flow
  trusts are pulled back toward it after every step. The dream then runs its full
  steps but cannot boil: it changes only where the scene does.
- ``flow``: the older mode; a share of the previous dream's final detail is
  warped onto the frame, which is dreamed again with fewer steps.
- ``blend``: the previous dream mixed into the input frame.
- ``none``: every frame on its own.

Every mode keeps its state in plain arrays (``state``/``restore``; ``save`` to .npz,
:func:`read_state` back), so a resumed render continues exactly where it stopped.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch
import torch.nn.functional as F

from ..core.dream import OctaveHooks
from . import flow

MODES = ("pyramid", "flow", "blend", "none")
DreamFn = Callable[[np.ndarray, Optional[int], Optional[OctaveHooks]], tuple[np.ndarray, list[torch.Tensor]]]
Weight = Callable[[int], float]


def resize_flow(field: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """A (1, 2, h, w) flow at another size, its vectors scaled to the new pixel units."""
    h, w = field.shape[-2:]
    if (h, w) == tuple(size):
        return field
    out = F.interpolate(field, size=size, mode="bilinear", align_corners=False)
    scale = torch.tensor([size[1] / w, size[0] / h], dtype=out.dtype, device=out.device)
    return out * scale.view(1, 2, 1, 1)


def resize_mask(mask: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Area-average a (1, 1, h, w) weight when shrinking (a pixel is as trusted as its parts)."""
    if tuple(mask.shape[-2:]) == tuple(size):
        return mask
    shrinking = size[0] <= mask.shape[-2] and size[1] <= mask.shape[-1]
    if shrinking:
        return F.interpolate(mask, size=size, mode="area")
    return F.interpolate(mask, size=size, mode="bilinear", align_corners=False)


def warp_cubic(image: torch.Tensor, field: torch.Tensor) -> torch.Tensor:
    """Sample (1, C, h, w) ``image`` at x + flow(x), bicubic: a bilinear warp blurs texture frame after frame."""
    h, w = field.shape[-2:]
    ys, xs = torch.meshgrid(torch.arange(h, device=field.device, dtype=field.dtype),
                            torch.arange(w, device=field.device, dtype=field.dtype), indexing="ij")
    gx = (2 * (xs + field[0, 0]) + 1) / w - 1
    gy = (2 * (ys + field[0, 1]) + 1) / h - 1
    grid = torch.stack([gx, gy], dim=-1)[None]
    return F.grid_sample(image, grid, mode="bicubic", padding_mode="border", align_corners=False)


class PyramidHooks:
    """Octave hooks for one frame: start from the warped previous detail, pull toward it after each step."""

    def __init__(self, back: torch.Tensor, mask: torch.Tensor, previous: list[torch.Tensor],
                 pull: float, carry: float) -> None:
        self.back, self.mask, self.previous = back, mask, previous
        self.pull, self.carry = pull, carry
        self.targets: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    def start(self, octave: int, base: torch.Tensor, detail: torch.Tensor) -> torch.Tensor:
        size = tuple(base.shape[-2:])
        prev = self.previous[octave] if octave < len(self.previous) else None
        if prev is None or tuple(prev.shape[-2:]) != size:
            return detail
        warped = self.carry * warp_cubic(prev.to(base.device), resize_flow(self.back, size))
        mask = resize_mask(self.mask, size)
        self.targets[octave] = (warped, mask)
        return mask * warped + (1 - mask) * detail

    def after_step(self, octave: int, base: torch.Tensor, current: torch.Tensor) -> torch.Tensor:
        if octave not in self.targets or not self.pull:
            return current
        warped, mask = self.targets[octave]
        return current - (self.pull * mask) * (current - base - warped)


class Coherence:
    """A mode's state between frames: the previous input and output frames, saved as arrays."""

    name = "none"

    def __init__(self) -> None:
        self.raw: np.ndarray | None = None
        self.out: np.ndarray | None = None

    def frame(self, raw: np.ndarray, index: int, dream: DreamFn) -> np.ndarray:
        out, _ = dream(raw, None, None)
        self.raw, self.out = raw, out
        return out

    def state(self) -> dict[str, np.ndarray]:
        return {} if self.raw is None else {"raw": self.raw, "out": self.out}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.raw, self.out = arrays.get("raw"), arrays.get("out")

    def save(self, path: Path) -> None:
        """Atomically write the state to ``path`` (.npz): a crash never leaves half a file."""
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:
            np.savez(handle, **self.state())
        os.replace(tmp, path)


def read_state(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays of a saved state; None when it is missing, damaged or not a coherence state.

    Never unpickles: a state file is only ever arrays.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return None
    return arrays if {"raw", "out"} <= set(arrays) else None


class Blend(Coherence):
    """The previous output mixed into the input frame with weight ``weight(index)``."""

    name = "blend"

    def __init__(self, weight: Weight) -> None:
        super().__init__()
        self.weight = weight

    def frame(self, raw: np.ndarray, index: int, dream: DreamFn) -> np.ndarray:
        start = raw
        if self.out is not None:
            w = self.weight(index)
            mixed = (1 - w) * raw.astype(np.float32) + w * self.out.astype(np.float32)
            start = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
        out, _ = dream(start, None, None)
        self.raw, self.out = raw, out
        return out


class LegacyFlow(Coherence):
    """dreamvideo 0.x ``flow``: a share of the warped final detail, then fewer steps."""

    name = "flow"

    def __init__(self, weight: Weight, steps: int) -> None:
        super().__init__()
        self.weight, self.steps = weight, steps

    def frame(self, raw: np.ndarray, index: int, dream: DreamFn) -> np.ndarray:
        if self.out is None:
            return super().frame(raw, index, dream)
        back, mask = flow.flow_pair(raw, self.raw)
        detail = self.out.astype(np.float32) - self.raw.astype(np.float32)
        carried = flow.warp(detail, back) * mask[..., None] * self.weight(index)
        start = np.clip(raw.astype(np.float32) + carried + 0.5, 0, 255).astype(np.uint8)
        out, _ = dream(start, self.steps, None)
        self.raw, self.out = raw, out
        return out


class WarpedPyramid(Coherence):
    """The warped detail pyramid with a temporal pull (see the module docstring).

    ``pull``: share of the way back to the warped detail after each step, on trusted
    pixels (1 freezes the dream, 0.5 lets it boil). ``carry``: the previous detail
    is scaled by it, so a static shot does not build up strength frame after frame.
    ``flow_size``: larger frames are shrunk to this longest side for the flow; per
    octave the flow is resized and its vectors scaled.
    """

    name = "pyramid"

    def __init__(self, pull: float = 0.8, carry: float = 0.97, flow_size: int | None = 512,
                 device: torch.device | str = "cpu") -> None:
        super().__init__()
        self.pull, self.carry, self.flow_size = pull, carry, flow_size
        self.device = torch.device(device)
        self.details: list[torch.Tensor] = []

    def hooks(self, raw: np.ndarray) -> PyramidHooks | None:
        if self.raw is None or not self.details:
            return None
        back, mask = flow.trusted_pair(raw, self.raw, self.flow_size)
        to_t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(self.device)  # noqa: E731
        return PyramidHooks(to_t(back).permute(2, 0, 1)[None], to_t(mask)[None, None],
                            self.details, self.pull, self.carry)

    def frame(self, raw: np.ndarray, index: int, dream: DreamFn) -> np.ndarray:
        if self.raw is not None and np.array_equal(raw, self.raw):
            return self.out  # a repeated input frame repeats its output, state untouched
        out, details = dream(raw, None, self.hooks(raw))
        self.raw, self.out = raw, out
        self.details = [d.detach().float().contiguous() for d in details]
        return out

    def state(self) -> dict[str, np.ndarray]:
        arrays = super().state()
        arrays.update({f"detail_{i}": d.cpu().numpy() for i, d in enumerate(self.details)})
        return arrays

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        super().restore(arrays)
        count = sum(1 for key in arrays if key.startswith("detail_"))
        self.details = [torch.from_numpy(arrays[f"detail_{i}"]).to(self.device) for i in range(count)]


def make(mode: str, *, weight: Weight = lambda _: 0.5, flow_steps: int = 5, pull: float = 0.8,
         carry: float = 0.97, flow_size: int | None = 512,
         device: torch.device | str = "cpu") -> Coherence:
    """The coherence mode called ``mode`` (one of ``MODES``)."""
    if mode == "pyramid":
        return WarpedPyramid(pull, carry, flow_size, device)
    if mode == "flow":
        return LegacyFlow(weight, flow_steps)
    if mode == "blend":
        return Blend(weight)
    if mode == "none":
        return Coherence()
    raise ValueError(f"unknown `coherence` mode '{mode}'; use one of {', '.join(MODES)}")
