import numpy as np

from dreamvideo.motion.flow import consistency_mask, flow, warp


def _scene(left: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    frame = np.full((96, 96, 3), 40, np.uint8)
    frame[30:54, left:left + 24] = rng.integers(80, 255, (24, 24, 3))
    return frame


def test_warp_moves_a_shifted_square_to_its_new_place():
    before, after = _scene(20), _scene(28)  # the square moved 8 px right
    aligned = warp(before.astype(np.float32), flow(after, before))
    bright = aligned.mean(-1) > 70
    ys, xs = np.nonzero(bright)
    assert abs(xs.mean() - (28 + 11.5)) < 1.5 and abs(ys.mean() - 41.5) < 1.5
    assert np.abs(aligned[32:52, 30:50] - after[32:52, 30:50]).mean() < 20


def test_consistency_mask_trusts_static_background_and_is_a_weight():
    before, after = _scene(20), _scene(28)
    back, fwd = flow(after, before), flow(before, after)
    mask = consistency_mask(back, fwd)
    assert mask[5:20, 5:90].mean() > 0.9           # static background is trusted
    assert mask.shape == (96, 96) and mask.min() >= 0 and mask.max() <= 1
