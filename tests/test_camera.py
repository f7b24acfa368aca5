import numpy as np
import pytest
import torch

from dreamvideo.core.transforms import to_tensor, to_uint8, zoom
from dreamvideo.errors import DreamError
from dreamvideo.motion.camera import Camera
from dreamvideo.settings import resolve
from dreamvideo.settings.schedule import Timeline

def Moves(**fields):
    return resolve(None, fields)


def _ramp(n: int = 8) -> torch.Tensor:
    return torch.arange(float(n)).view(1, 1, 1, n).expand(1, 3, n, n).contiguous()


def test_zoom_keeps_its_centre_point_still():
    for cx in (0.25, 0.5, 0.75):
        row = zoom(_ramp(), 2.0, center=(cx, 0.5))[0, 0, 0]
        fixed = cx * 8 - 0.5  # the ramp's value at the centre point
        assert float(np.interp(fixed, np.arange(8), row.numpy())) == pytest.approx(fixed)
        assert float(row[1] - row[0]) == pytest.approx(0.5)  # magnified 2x around it


def test_default_centre_is_the_old_centre_crop():
    x = torch.rand(1, 3, 12, 16)
    assert torch.allclose(zoom(x, 1.3, 5.0, (1.0, -2.0)), zoom(x, 1.3, 5.0, (1.0, -2.0), (0.5, 0.5)))


def test_camera_evaluates_every_move_for_the_run():
    moves = Moves(zoom="0:(1.01 + 0.1*onset)", rotate={0: 0, 10: 10}, center="0:(0.5, 0.5), 10:(0.25, 0.75)")
    onset = np.zeros(12)
    onset[6] = 1
    camera = Camera(moves, Timeline(12, 24, {"onset": onset}))
    assert camera.at(6)["factor"] == pytest.approx(1.11) and camera.at(5)["factor"] == pytest.approx(1.01)
    assert camera.at(5)["rotate"] == pytest.approx(5.0)
    assert camera.at(5)["center"] == pytest.approx((0.375, 0.625))


def test_one_frames_move_is_the_zoom_by_that_move():
    """The camera's composed move over a single frame is exactly one zoom by that frame's move."""
    camera = Camera(Moves(zoom="0:(1.05)", rotate={0: 0, 10: 10}, translate="0:(2, -1)"), Timeline(12))
    frame = np.random.default_rng(0).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    move = camera.at(3)
    once = to_uint8(zoom(to_tensor(frame), move["factor"], move["rotate"], move["translate"], move["center"]))
    assert np.array_equal(camera.moved(frame, 3, 3), once)
    assert not np.array_equal(camera.moved(frame, 3, 4), once)


def test_camera_uses_each_schedules_interpolation():
    moves = Moves(rotate={0: 0, 10: 10}, interpolation={"rotate": "step"})
    assert Camera(moves, Timeline(12)).at(5)["rotate"] == 0.0


def test_bad_move_values_stop_before_the_first_frame():
    with pytest.raises(DreamError, match=r"^`center`: keyframe 0: value 1.5 at frame 0 is out of range"):
        Camera(Moves(center="0:(1.5, 0.5)"), Timeline(5))
