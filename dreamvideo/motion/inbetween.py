"""Video cadence: the frames between two dreamed keyframes, made by moving the last dream.

A frame between keyframes gets the latest keyframe's dream detail (output minus its
source frame, in float) warped onto it along the optical flow from it to that keyframe,
the same DIS flow and forward-backward occlusion mask the pyramid uses. Where the flow
is not trusted (occluded, revealed, entering at an edge) the key's detail is kept where
it was rather than dragged along a wrong vector (a smear) or dropped (an undreamed patch
of source that pops back at the next key): on carphone at cadence 2 the flicker ratio
measured 1.040x cadence 1's, against 1.053x with source pixels there (the live display
measures the same rule against a fade: ``benchmarks/bench_live.py``). No gradient steps
run, so such a frame costs two flows and a warp instead of a dream. The flow spans up to
`cadence` - 1 frames; at the cadences this is meant for (2-4) DIS follows that as well as
one-frame motion, and one flow avoids resampling the detail once per frame.
"""

from __future__ import annotations

import cv2
import numpy as np

from . import flow


def carry_detail(raw: np.ndarray, key_raw: np.ndarray, key_out: np.ndarray,
                 flow_size: int | None = 512) -> np.ndarray:
    """Uint8 frame ``raw`` with keyframe ``key_raw``'s dream ``key_out`` moved onto it (see :func:`carry_filled`)."""
    return carry_filled(raw, key_raw, key_out, flow_size)[0]


def carry_filled(raw: np.ndarray, key_raw: np.ndarray, key_out: np.ndarray, flow_size: int | None = 512,
                 trust: np.ndarray | None = None, step: float = 1.0,
                 hold: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``raw`` with the key's dream detail moved onto it, and the per-pixel trust used.

    Cubic sampling, as in the pyramid: a bilinear warp softens the dream's texture.
    Where the flow is not trusted the key's detail stays where it was (``hold``), so no
    patch of the frame is left undreamed; without ``hold`` such pixels show the frame's
    own source (the older rule). ``trust`` (the previous frame's, from the last call)
    and ``step`` < 1 let the trust change by at most ``step`` a frame, so what the flow
    stops or starts trusting fades over a few frames instead of switching (live).
    """
    back, mask = flow.full_size(*flow.trusted_pair(raw, key_raw, flow_size), raw.shape[:2])
    if trust is not None and trust.shape == mask.shape and step < 1:
        mask = np.clip(mask, trust - step, trust + step)
    detail = key_out.astype(np.float32) - key_raw.astype(np.float32)
    moved = flow.warp(detail, back, cv2.INTER_CUBIC) * mask[..., None]
    if hold:
        moved += detail * (1 - mask[..., None])
    return np.clip(raw.astype(np.float32) + moved + 0.5, 0, 255).astype(np.uint8), mask
