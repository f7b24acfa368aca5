"""Video cadence: the frames between two dreamed keyframes, made by moving the last dream.

A frame between keyframes gets the latest keyframe's dream detail (output minus its
source frame, in float) warped onto it along the optical flow from it to that keyframe,
the same DIS flow and forward-backward occlusion mask the pyramid uses, and the same
edge rule: where the flow is not trusted (occluded, revealed, entering at an edge) the
frame shows its own source pixels rather than a smeared copy. No gradient steps run, so
such a frame costs two flows and a warp instead of a dream. The flow spans up to
`cadence` - 1 frames; at the cadences this is meant for (2-4) DIS follows that as well as
one-frame motion, and one flow avoids resampling the detail once per frame.
"""

from __future__ import annotations

import cv2
import numpy as np

from . import flow


def moved_detail(raw: np.ndarray, key_raw: np.ndarray, key_out: np.ndarray, flow_size: int | None = 512,
                 fill: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Keyframe ``key_raw``'s dream detail (``key_out`` - ``key_raw``) moved onto ``raw``, and the flow's trust.

    Cubic sampling, as in the pyramid: a bilinear warp softens the dream's texture.
    ``fill``: what enters at an edge samples the detail mirrored, not its edge row repeated.
    """
    back, mask = flow.full_size(*flow.trusted_pair(raw, key_raw, flow_size), raw.shape[:2])
    detail = key_out.astype(np.float32) - key_raw.astype(np.float32)
    border = cv2.BORDER_REFLECT_101 if fill else cv2.BORDER_REPLICATE
    return flow.warp(detail, back, cv2.INTER_CUBIC, border), mask


def with_detail(raw: np.ndarray, detail: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """Uint8 ``raw`` plus float ``detail`` (times a per-pixel ``weight``), rounded."""
    moved = detail if weight is None else detail * weight[..., None]
    return np.clip(raw.astype(np.float32) + moved + 0.5, 0, 255).astype(np.uint8)


def carry_detail(raw: np.ndarray, key_raw: np.ndarray, key_out: np.ndarray,
                 flow_size: int | None = 512, fill: bool = False) -> np.ndarray:
    """Uint8 frame ``raw`` with keyframe ``key_raw``'s dream ``key_out`` moved onto it.

    Where the flow is not trusted the frame shows its own pixels; with ``fill`` the
    detail the flow brings there is kept too, so no patch of it is left undreamed.
    """
    moved, mask = moved_detail(raw, key_raw, key_out, flow_size, fill)
    return with_detail(raw, moved, None if fill else mask)


def carry_faded(raw: np.ndarray, key_raw: np.ndarray, key_out: np.ndarray, flow_size: int | None,
                trust: np.ndarray | None, step: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """:func:`carry_detail` whose trust changes by at most ``step`` a frame: the dream fades in and out.

    ``trust``: the weight the previous frame used (None on the first); returns the frame and its weight.
    """
    moved, mask = moved_detail(raw, key_raw, key_out, flow_size)
    if trust is not None and trust.shape == mask.shape:
        mask = np.clip(mask, trust - step, trust + step)
    return with_detail(raw, moved, mask), mask
