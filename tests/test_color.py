"""Colour coherence: histogram matching pulls a frame's colours toward a reference's."""

import numpy as np
import pytest

from dreamvideo.motion.color import match_colors


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean gap between the quantiles of each RGB channel (a distribution distance, any sizes)."""
    q = np.linspace(0, 1, 101)
    return float(np.mean([np.abs(np.quantile(a[..., c], q) - np.quantile(b[..., c], q)).mean() for c in range(3)]))


@pytest.mark.parametrize("space", ["lab", "hsv", "rgb"])
def test_matching_moves_colours_toward_the_reference(space):
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 120, (32, 32, 3), dtype=np.uint8)          # dark
    reference = rng.integers(100, 256, (48, 40, 3), dtype=np.uint8)    # bright, another size
    matched = match_colors(frame, reference, space, 1.0)
    assert matched.shape == frame.shape and matched.dtype == np.uint8
    assert _distance(matched, reference) < 0.5 * _distance(frame, reference)


def test_strength_blends_and_none_is_identity():
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 120, (16, 16, 3), dtype=np.uint8)
    reference = rng.integers(100, 256, (16, 16, 3), dtype=np.uint8)
    assert np.array_equal(match_colors(frame, reference, "none", 1.0), frame)
    assert np.array_equal(match_colors(frame, reference, "lab", 0.0), frame)
    half = _distance(match_colors(frame, reference, "lab", 0.5), reference)
    assert _distance(match_colors(frame, reference, "lab", 1.0), reference) < half < _distance(frame, reference)
