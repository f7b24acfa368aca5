"""Image-space transforms on [0, 1] tensors shaped (1, 3, H, W)."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.transforms.functional import gaussian_blur


def resize(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize to (height, width); antialiased when shrinking."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=True)


def pyramid_sizes(height: int, width: int, octaves: int, scale: float) -> list[tuple[int, int]]:
    """Sizes from the smallest octave up to the full image."""
    return [(max(1, round(height / scale**i)), max(1, round(width / scale**i)))
            for i in range(octaves, -1, -1)]


def roll(image: torch.Tensor, dx: int, dy: int) -> torch.Tensor:
    """Circular shift; rolling by (-dx, -dy) undoes it exactly."""
    return torch.roll(image, shifts=(dy, dx), dims=(-2, -1))


def smooth(grad: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian-blur a gradient so the step favours larger, smoother structures."""
    if sigma <= 0:
        return grad
    kernel = 2 * math.ceil(2 * sigma) + 1
    return gaussian_blur(grad, [kernel, kernel], [sigma, sigma])


def zoom_matrix(height: int, width: int, factor: float, rotate: float = 0.0,
                translate: tuple[float, float] = (0.0, 0.0),
                center: tuple[float, float] = (0.5, 0.5)) -> np.ndarray:
    """The 3x3 affine (float64, normalised coordinates) that :func:`zoom` samples through.

    Output point q samples input ``M @ q``. Moves compose by matrix product, first
    move on the left (``M1 @ M2``), so several frames' moves can be applied with one
    resample instead of a chain of them (each of which softens the image).
    """
    theta = math.radians(rotate)
    cos, sin = math.cos(theta) / factor, math.sin(theta) / factor
    # affine_grid works in normalised coordinates; keep the aspect ratio for rotation.
    a = [[cos, -sin * height / width], [sin * width / height, cos]]
    px, py = 2 * center[0] - 1, 2 * center[1] - 1
    # output point q samples input p + A (q - p) - shift: the centre p maps to itself.
    bx = px - (a[0][0] * px + a[0][1] * py) - 2 * translate[0] / width
    by = py - (a[1][0] * px + a[1][1] * py) - 2 * translate[1] / height
    return np.array([[a[0][0], a[0][1], bx], [a[1][0], a[1][1], by], [0.0, 0.0, 1.0]])


def warp_affine(image: torch.Tensor, matrix: np.ndarray, padding: str = "reflection",
                mode: str = "bilinear") -> torch.Tensor:
    """One bilinear resample through a :func:`zoom_matrix` (or a product of them).

    ``padding`` "zeros" leaves what falls outside the source black (a coverage mask
    when ``image`` is all ones); ``mode`` "bicubic" keeps more detail than "bilinear".
    """
    theta = torch.tensor(matrix[:2].tolist(), dtype=image.dtype, device=image.device)
    grid = F.affine_grid(theta[None], list(image.shape), align_corners=False)
    return F.grid_sample(image, grid, mode=mode, padding_mode=padding, align_corners=False)


def zoom(image: torch.Tensor, factor: float, rotate: float = 0.0,
         translate: tuple[float, float] = (0.0, 0.0),
         center: tuple[float, float] = (0.5, 0.5)) -> torch.Tensor:
    """Zoom by ``factor`` towards ``center``, rotate (degrees) about it, then translate (pixels).

    ``center`` is (x, y) as fractions of the width and height; that point stays put
    while everything else moves away from it, so a dive can aim off-centre. One
    bilinear resample through an affine grid, so zoom, rotation and shift cost one
    interpolation and never leave the image borders empty for zoom > 1.
    """
    _, _, h, w = image.shape
    return warp_affine(image, zoom_matrix(h, w, factor, rotate, translate, center))


def to_tensor(frame: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """uint8 HxWx3 -> float (1, 3, H, W) in [0, 1]."""
    return torch.from_numpy(np.require(frame, requirements="CW")).to(device).permute(2, 0, 1)[None].float() / 255


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """float (1, 3, H, W) in [0, 1] -> uint8 HxWx3, rounded."""
    return (image[0].detach().float().clamp(0, 1) * 255).round().byte().permute(1, 2, 0).cpu().numpy()
