import numpy as np
import pytest

from dreamvideo.motion import metrics


def _clip(seed: int = 0, frames: int = 5) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(frames)]


def test_flicker_ratio_is_one_for_the_input_itself_and_grows_with_added_noise():
    clip = _clip()
    assert metrics.measured(clip, clip).flicker == 1.0
    rng = np.random.default_rng(1)
    still = [np.full((48, 64, 3), 128, np.uint8) + (i % 2) * 2 for i in range(5)]
    noisy = [np.clip(f.astype(int) + rng.integers(-20, 21, f.shape), 0, 255).astype(np.uint8) for f in still]
    assert metrics.measured(still, noisy).flicker > 5


def test_flicker_ratio_of_a_still_input_means_nothing():
    still = [np.zeros((8, 8, 3), np.uint8)] * 3
    assert metrics.measured(still, _clip(frames=3)).flicker is None


def test_flicker_on_some_steps_compares_those_steps_only():
    """A chunked render's seam figure: flicker at the steps a seam touches against the rest."""
    inputs = [np.full((2, 2, 3), v, np.uint8) for v in (0, 10, 20, 30, 40)]
    outputs = [np.full((2, 2, 3), v, np.uint8) for v in (0, 10, 20, 60, 70)]  # a pop at step 3
    meter = metrics.measured(inputs, outputs)
    assert meter.flicker_on([1, 2, 4]) == pytest.approx(1.0)
    assert meter.flicker_on([3]) == pytest.approx(4.0)
    assert meter.flicker == pytest.approx(7 / 4)
    assert metrics.measured([inputs[0]] * 5, outputs).flicker_on([1, 2]) is None


def test_render_meter_measures_a_reduced_size_as_the_full_one_and_reports_numbers():
    inputs = [np.roll(_clip(0, 1)[0], 2 * i, axis=1) for i in range(4)]
    outputs = [np.clip(f.astype(int) + 10 * (i % 2), 0, 255).astype(np.uint8) for i, f in enumerate(inputs)]
    energy = lambda f, i: float(f.astype(np.float32).mean())  # noqa: E731
    meter, full = metrics.measured(inputs, outputs, energy, longest=32), metrics.measured(inputs, outputs, energy)
    assert meter.flicker == pytest.approx(full.flicker, rel=0.2) and meter.flicker > 1.0
    assert meter.strength > 1.0
    assert "flicker ratio" in meter.summary() and "strength" in meter.summary()


def test_render_meter_of_one_frame_says_so():
    meter = metrics.RenderMeter()
    meter.add(*_clip(frames=2))
    assert meter.flicker is None and meter.strength is None and "n/a" in meter.summary()


def test_a_whole_clip_is_read_to_its_end_and_frames_without_a_dream_are_left_out():
    """A chunked render measures its assembled frames against a clip reader that must reach the
    end of the file (to say whether it ended early), and a damaged frame must not stop it."""
    read: list[int] = []

    def clip():
        for i, frame in enumerate(_clip(frames=5)):
            read.append(i)
            yield frame

    frames = _clip(frames=5)
    meter = metrics.measured(clip(), [frames[0], frames[1], None])
    assert read == [0, 1, 2, 3, 4]
    assert len(meter.change_in) == 1 and meter.flicker == pytest.approx(1.0)
