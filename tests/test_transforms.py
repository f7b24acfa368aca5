import torch

from dreamvideo.core.transforms import pyramid_sizes, roll, zoom


def _ramp(n: int = 8) -> torch.Tensor:
    """Pixel value = x coordinate; bilinear sampling of a ramp is exact."""
    return torch.arange(float(n)).view(1, 1, 1, n).expand(1, 3, n, n).contiguous()


def test_zoom_crops_the_centre_and_rescales():
    out = zoom(_ramp(), 2.0)[0, 0, 0]
    # The centre (3.5) stays put and the slope halves: the middle half fills the frame.
    assert torch.allclose(out, torch.tensor([1.75, 2.25, 2.75, 3.25, 3.75, 4.25, 4.75, 5.25]))


def test_translate_moves_content_by_pixels():
    out = zoom(_ramp(), 1.0, translate=(1.0, 0.0))[0, 0, 0]
    assert torch.allclose(out[1:], _ramp()[0, 0, 0, :-1])


def test_rotate_quarter_turn_turns_a_horizontal_ramp_vertical():
    out = zoom(_ramp(), 1.0, rotate=90)[0, 0]
    assert torch.allclose(out[:, 0], torch.arange(7.0, -1, -1))
    assert torch.allclose(out[0], torch.full((8,), 7.0))


def test_roll_is_undone_exactly():
    x = torch.rand(1, 3, 10, 12)
    assert torch.equal(roll(roll(x, 3, -5), -3, 5), x)


def test_pyramid_goes_from_small_to_full():
    sizes = pyramid_sizes(300, 451, 4, 1.4)
    assert sizes[-1] == (300, 451) and sizes[0] == (78, 117) and len(sizes) == 5
