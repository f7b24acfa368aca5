"""Figures only the benchmarks report, beside the render's own meter (``dreamvideo.motion.metrics``).

- :func:`flicker_ratio` and :func:`strength`: the render meter's two figures, at full size.
- :func:`warp_error` (Lai et al. 2018): squared difference between out[t] and out[t-1]
  warped by the input's own flow, on pixels the forward-backward check trusts.
  Unlike the flicker ratio it does not grow when dream texture correctly moves
  with the scene.
- :func:`texture`: mean |x - blur(x)|; as :func:`texture_ratio`, output over input,
  so a blurred clip cannot pass as a steady one.

Benchmarks import it as ``from measures import ...`` (they run as scripts from any folder).
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from dreamvideo.motion import flow, metrics

FULL_SIZE = 1 << 16  # a meter's longest side that never shrinks a frame


def flicker_ratio(inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray]) -> float:
    """The render meter's flicker ratio at full size (nan for a still input, so a table still prints)."""
    value = metrics.measured(inputs, outputs, longest=FULL_SIZE).flicker
    return float("nan") if value is None else value


def strength(inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray], energy: metrics.Energy) -> float:
    """The render meter's strength at full size: mean activation gain, output frame over input frame."""
    value = metrics.measured(inputs, outputs, lambda frame, _index: energy(frame), FULL_SIZE).strength
    return float("nan") if value is None else value


def warp_error(inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray]) -> float:
    """Lai et al.'s warping error: masked mean squared RGB error in [0, 1] units, times 1000."""
    errors = []
    for t in range(1, len(inputs)):
        back, mask = flow.flow_pair(inputs[t], inputs[t - 1])
        warped = flow.warp(outputs[t - 1].astype(np.float32) / 255, back)
        diff = ((outputs[t].astype(np.float32) / 255 - warped) ** 2).sum(-1)
        errors.append(float((diff * mask).sum() / max(mask.sum(), 1.0)))
    return 1000 * float(np.mean(errors)) if errors else 0.0


def texture(frame: np.ndarray, sigma: float = 1.5) -> float:
    """Mean |x - blur(x)| in grey levels: the fine detail a blur would remove."""
    x = frame.astype(np.float32)
    return float(np.abs(x - cv2.GaussianBlur(x, (0, 0), sigma)).mean())


def texture_ratio(inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray]) -> float:
    """Texture of the output over texture of the input, averaged over the frames."""
    return float(np.mean([texture(o) for o in outputs]) / max(np.mean([texture(i) for i in inputs]), 1e-6))
