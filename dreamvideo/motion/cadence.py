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


def carry_detail(raw: np.ndarray, key_raw: np.ndarray, key_out: np.ndarray,
                 flow_size: int | None = 512) -> np.ndarray:
    """Uint8 frame ``raw`` with keyframe ``key_raw``'s dream ``key_out`` moved onto it.

    Cubic sampling, as in the pyramid: a bilinear warp softens the dream's texture.
    """
    back, mask = flow.full_size(*flow.trusted_pair(raw, key_raw, flow_size), raw.shape[:2])
    detail = key_out.astype(np.float32) - key_raw.astype(np.float32)
    moved = flow.warp(detail, back, cv2.INTER_CUBIC)
    return np.clip(raw.astype(np.float32) + moved * mask[..., None] + 0.5, 0, 255).astype(np.uint8)
