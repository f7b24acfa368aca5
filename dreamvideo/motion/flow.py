"""Optical flow with OpenCV, warping, and a forward-backward occlusion mask.

Convention: ``flow(a, b)`` gives, for every pixel of ``a``, where it is found in
``b``; ``warp(img_b, flow(a, b))`` then aligns ``img_b`` with ``a``.
"""

from __future__ import annotations

import cv2
import numpy as np


def _gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)


def flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense flow (H, W, 2) from uint8 RGB frame ``a`` to ``b`` with DIS."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return dis.calc(_gray(a), _gray(b), None)


def warp(image: np.ndarray, flow_field: np.ndarray, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """Sample ``image`` at ``x + flow(x)``: pull it into the first frame's geometry."""
    h, w = flow_field.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(image, grid_x + flow_field[..., 0], grid_y + flow_field[..., 1],
                     interpolation=interpolation, borderMode=cv2.BORDER_REPLICATE)


def inside(field: np.ndarray) -> np.ndarray:
    """1 where flow (h, w, 2) points inside the previous frame: what enters at an edge is new.

    Without it, a warp with replicated borders drags the edge row's dream across the
    strip a camera move reveals, as streaks the pull then keeps.
    """
    h, w = field.shape[:2]
    xs = np.arange(w, dtype=np.float32)[None, :] + field[..., 0]
    ys = np.arange(h, dtype=np.float32)[:, None] + field[..., 1]
    ok = (xs >= -0.5) & (xs <= w - 0.5) & (ys >= -0.5) & (ys <= h - 0.5)
    return ok.astype(np.float32)


def full_size(field: np.ndarray, mask: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A flow (and its mask) computed at a reduced size, brought to (h, w) ``size`` with its vectors scaled."""
    h, w = size
    fh, fw = field.shape[:2]
    if (fh, fw) == (h, w):
        return field, mask
    field = cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR) * np.float32([w / fw, h / fh])
    return field, cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)


def consistency_mask(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """1 where forward then backward flow returns home, 0 where pixels are occluded or revealed.

    ``forward`` is flow(a, b) and ``backward`` flow(b, a); the test is the one of
    Sundaram et al. (2010), softened by a small blur so masked edges do not show.
    """
    back_at_target = warp(backward, forward)
    error = np.sum((forward + back_at_target) ** 2, axis=-1)
    bound = 0.01 * (np.sum(forward**2, -1) + np.sum(back_at_target**2, -1)) + 0.5
    mask = (error <= bound).astype(np.float32)
    return cv2.GaussianBlur(mask, (5, 5), 0)


def flow_pair(new: np.ndarray, prev: np.ndarray, longest: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Flow new -> prev and its consistency mask, from one forward and one backward DIS run.

    Both flows feed the mask and the backward one also feeds the warp, so each is
    computed once. With ``longest``, larger frames are area-shrunk first (flow at
    1080p costs more than the dream it steadies); the flow and mask then come back
    at the reduced size, in its pixel units (see ``coherence.resize_flow``).
    """
    h, w = new.shape[:2]
    if longest and max(h, w) > longest:
        scale = longest / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        new = cv2.resize(new, size, interpolation=cv2.INTER_AREA)
        prev = cv2.resize(prev, size, interpolation=cv2.INTER_AREA)
    back = flow(new, prev)
    return back, consistency_mask(back, flow(prev, new))


def trusted_pair(a: np.ndarray, b: np.ndarray, longest: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`flow_pair`, its mask also 0 where the flow points outside ``b`` (what enters at an edge)."""
    back, mask = flow_pair(a, b, longest)
    return back, mask * inside(back)
