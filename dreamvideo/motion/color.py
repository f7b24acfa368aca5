"""Colour coherence: match a frame's colour histogram to a reference frame's.

Histogram matching (scikit-image's ``exposure.match_histograms``) in LAB, HSV or RGB,
blended with the unmatched frame by a strength in [0, 1], as Deforum's
``maintain_colors`` does in LAB. It is a pure function of the two images, so a
resumed render that re-derives the same reference gets the same colours.
"""

from __future__ import annotations

import numpy as np
from skimage import color, exposure

SPACES = ("none", "lab", "hsv", "rgb")
_TO = {"lab": color.rgb2lab, "hsv": color.rgb2hsv, "rgb": lambda x: x}
_FROM = {"lab": color.lab2rgb, "hsv": color.hsv2rgb, "rgb": lambda x: x}


def match_colors(frame: np.ndarray, reference: np.ndarray, space: str, strength: float = 1.0) -> np.ndarray:
    """``frame`` (uint8 RGB) with its colours moved ``strength`` of the way to ``reference``'s.

    The two may differ in size: only their value distributions are compared.
    """
    if space == "none" or strength <= 0:
        return frame
    if space not in _TO:
        raise ValueError(f"unknown `color_coherence` '{space}'; use one of {', '.join(SPACES)}")
    source = frame.astype(np.float64) / 255
    target = reference.astype(np.float64) / 255
    matched = _FROM[space](exposure.match_histograms(_TO[space](source), _TO[space](target), channel_axis=-1))
    mixed = (1 - strength) * source + strength * np.clip(matched, 0, 1)
    return np.clip(mixed * 255 + 0.5, 0, 255).astype(np.uint8)
