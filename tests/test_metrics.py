import cv2
import numpy as np

from dreamvideo.motion import metrics


def _clip(seed: int = 0, frames: int = 5) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(frames)]


def test_flicker_ratio_is_one_for_the_input_itself_and_grows_with_added_noise():
    clip = _clip()
    assert metrics.flicker_ratio(clip, clip) == 1.0
    rng = np.random.default_rng(1)
    still = [np.full((48, 64, 3), 128, np.uint8) + (i % 2) * 2 for i in range(5)]
    noisy = [np.clip(f.astype(int) + rng.integers(-20, 21, f.shape), 0, 255).astype(np.uint8) for f in still]
    assert metrics.flicker_ratio(still, noisy) > 5


def test_flicker_ratio_of_a_still_input_means_nothing():
    still = [np.zeros((8, 8, 3), np.uint8)] * 3
    assert np.isnan(metrics.flicker_ratio(still, _clip(frames=3)))


def test_texture_ratio_catches_blur():
    clip = _clip()
    blurred = [cv2.GaussianBlur(f, (0, 0), 2) for f in clip]
    assert metrics.texture_ratio(clip, blurred) < 0.5 < metrics.texture_ratio(clip, clip)


def test_warp_error_is_zero_for_a_static_output_of_a_static_input():
    still = [np.tile(np.arange(64, dtype=np.uint8)[None, :, None] * 3, (48, 1, 3))] * 3
    assert metrics.warp_error(still, still) < 1e-6
    assert metrics.warp_error(still, _clip(frames=3)) > 10


def test_render_meter_matches_the_full_size_figures_and_reports_numbers():
    inputs = [np.roll(_clip(0, 1)[0], 2 * i, axis=1) for i in range(4)]
    outputs = [np.clip(f.astype(int) + 10 * (i % 2), 0, 255).astype(np.uint8) for i, f in enumerate(inputs)]
    meter = metrics.RenderMeter(energy=lambda f, i: float(f.astype(np.float32).mean()), longest=64)
    for i, (raw, out) in enumerate(zip(inputs, outputs)):
        meter.add(raw, out, i)
    assert abs(meter.flicker - metrics.flicker_ratio(inputs, outputs)) < 1e-6
    assert meter.strength > 1.0
    assert "flicker ratio" in meter.summary() and "strength" in meter.summary()


def test_render_meter_of_one_frame_says_so():
    meter = metrics.RenderMeter()
    meter.add(*_clip(frames=2))
    assert meter.flicker is None and meter.strength is None and "n/a" in meter.summary()
