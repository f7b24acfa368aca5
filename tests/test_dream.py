import pytest
import torch

from dreamvideo.core.dream import DreamConfig, Dreamer, usable_octaves
from dreamvideo.errors import DreamError
from dreamvideo.models import get_model
from dreamvideo.media.sources import load_image
from dreamvideo.core.transforms import to_tensor


def _gain(model, before, after, layer):
    with torch.no_grad():
        return float(model(after)[layer].pow(2).mean() / model(before)[layer].pow(2).mean())


@pytest.fixture(scope="module")
def lite0():
    return get_model("efficientnet-lite0", ["block10"])


@pytest.fixture(scope="module")
def cat():
    from tests.conftest import IMAGES
    return to_tensor(load_image(IMAGES / "chelsea.jpg"))


def test_dream_raises_target_activation_several_fold(lite0, cat):
    out = Dreamer(lite0).dream(cat, DreamConfig(), seed=0)
    assert out.shape == cat.shape
    assert 0 <= float(out.min()) and float(out.max()) <= 1
    assert _gain(lite0, cat, out, "block10") > 2.0


def test_seed_makes_output_reproducible(lite0, cat):
    config = DreamConfig(octaves=1, steps=3)
    small = cat[..., :128, :128]
    a, b = (Dreamer(lite0).dream(small, config, seed=7) for _ in range(2))
    c = Dreamer(lite0).dream(small, config, seed=8)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_each_trick_can_be_switched_off(lite0, cat):
    small = cat[..., :96, :96]
    plain = DreamConfig(octaves=1, steps=3, jitter=0, normalize=False, clamp=False)
    out = Dreamer(lite0).dream(small, plain, seed=0)
    assert _gain(lite0, small, out, "block10") > 1.0
    smooth = Dreamer(lite0).dream(small, DreamConfig(octaves=1, steps=3, smooth=2.0), seed=0)
    assert not torch.equal(smooth, Dreamer(lite0).dream(small, DreamConfig(octaves=1, steps=3), seed=0))


def test_small_frames_drop_the_octaves_that_would_be_too_small(lite0, cat):
    assert lite0.min_size == 32
    assert usable_octaves(96, 96, DreamConfig(octaves=4), 32) == 3  # 96, 69, 49, 35 (25 dropped)
    assert usable_octaves(120, 160, DreamConfig(octaves=4), 32) == 3
    assert usable_octaves(32, 500, DreamConfig(octaves=4), 32) == 0
    image = cat[..., 100:148, 150:190]
    result = Dreamer(lite0).dream_octaves(image, DreamConfig(octaves=4, steps=4), seed=0)
    assert len(result.details) == 1 and result.image.shape == image.shape
    assert _gain(lite0, image, result.image, "block10") > 1.05


def test_frame_below_network_minimum_even_at_full_size_is_refused(lite0):
    with pytest.raises(DreamError, match="smaller than this layer's minimum of 32 px even without octaves"):
        Dreamer(lite0).dream(torch.rand(1, 3, 24, 64), DreamConfig(octaves=4))


def test_tiled_gradient_still_dreams(lite0, cat):
    small = cat[..., :160, :160]
    dreamer = Dreamer(lite0, tile=80)
    out = dreamer.dream(small, DreamConfig(octaves=1, steps=4), seed=0)
    assert _gain(lite0, small, out, "block10") > 1.3


def test_out_of_memory_falls_back_to_tiles(lite0, cat):
    """A device that cannot hold a 160 px frame: the dream continues in tiles."""
    dreamer = Dreamer(lite0)
    dreamer._by_hand = False  # a GPU's memory, played on the CPU: through autograd, as on CUDA
    real = dreamer._forward

    def small_memory(x):
        if max(x.shape[-2:]) > 100:
            raise torch.OutOfMemoryError("CUDA out of memory")
        return real(x)

    dreamer._forward = small_memory
    small = cat[..., :160, :160]
    out = dreamer.dream(small, DreamConfig(octaves=1, steps=3), seed=0)
    assert dreamer.tile and dreamer.tile <= 100
    assert _gain(lite0, small, out, "block10") > 1.2


def test_bf16_fast_path_keeps_dream_quality(lite0, cat):
    """The quality guard of the fast path: bf16 gain within 10% of fp32 on the same image."""
    small = cat[..., :128, :192]
    config = DreamConfig(octaves=2, steps=5)
    fp32 = _gain(lite0, small, Dreamer(lite0, precision="fp32").dream(small, config, seed=0), "block10")
    bf16 = _gain(lite0, small, Dreamer(lite0, precision="bf16").dream(small, config, seed=0), "block10")
    assert abs(bf16 - fp32) / fp32 < 0.10


def test_out_of_memory_even_for_tiny_tiles_is_a_clear_error(lite0):
    dreamer = Dreamer(lite0)
    dreamer._by_hand = False  # as above

    def no_memory(x):
        raise torch.OutOfMemoryError("CUDA out of memory")

    dreamer._forward = no_memory
    with pytest.raises(DreamError, match="out of device memory"):
        dreamer.dream(torch.rand(1, 3, 128, 128), DreamConfig(octaves=1, steps=1))


def test_precision_auto_is_fp32_on_cpu(lite0):
    assert Dreamer(lite0).precision == "fp32"
    assert Dreamer(lite0, precision="bf16").precision == "bf16"
