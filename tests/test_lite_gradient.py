"""EfficientNet-Lite's hand-written input gradient: autograd's numbers, whatever the layers and objective."""

from __future__ import annotations

import pytest
import torch

from dreamvideo.core.dream import DreamConfig, Dreamer
from dreamvideo.core.objective_terms import channel
from dreamvideo.core.objectives import INPUT, Objective, mean_square
from dreamvideo.core.precision import Precision
from dreamvideo.core.transforms import resize, to_tensor
from dreamvideo.media.sources import load_image
from dreamvideo.models import get_model, lite_gradient
from dreamvideo.models.device import bf16_twin

from .conftest import IMAGES


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def _autograd(model, image: torch.Tensor, objective, bf16: bool = False) -> torch.Tensor:
    """The gradient as autograd takes it (CPU bf16: on the twin under autocast, as the Dreamer did)."""
    x = image.detach().requires_grad_(True)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        acts = (bf16_twin(model) if bf16 else model)(x)
    loss = objective({**{name: a.float() for name, a in acts.items()}, INPUT: x})
    return torch.autograd.grad(loss, x)[0]


@pytest.fixture(scope="module")
def cat() -> torch.Tensor:
    image = resize(to_tensor(load_image(IMAGES / "chelsea.jpg")), (131, 117))
    return image.contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("name, layers", [("efficientnet-lite0", None), ("efficientnet-lite0", ["head"]),
                                          ("efficientnet-lite1", ["block3", "block12"])])
def test_the_fp32_gradient_by_hand_is_autograds(name, layers, cat):
    """Bundled weights and random ones; the stem, strided 3x3 and 5x5 depthwise layers, residuals, two
    layers at once, the head; an odd-sized image, and an objective with a term on the image itself."""
    torch.manual_seed(0)
    model = get_model(name, layers, weights=None if name == "efficientnet-lite0" else "random")
    assert lite_gradient.supports(model)
    first = model.requested[0]
    objective = mean_square(model.requested) + channel(first, (1, 5)) + \
        Objective(lambda a: -0.1 * a[INPUT].diff(dim=-1).abs().mean(), "smooth input")
    by_hand = lite_gradient.LiteGradient(model, torch.float32)(cat, objective, INPUT)
    assert by_hand.shape == cat.shape and _relative(by_hand, _autograd(model, cat, objective)) < 1e-5


def test_the_bf16_gradient_by_hand_strays_from_fp32_no_more_than_autocast_did(cat):
    model = get_model("efficientnet-lite0")
    objective = mean_square(model.requested)
    exact = _autograd(model, cat, objective)
    autocast = _relative(_autograd(model, cat, objective, bf16=True), exact)
    by_hand = _relative(lite_gradient.LiteGradient(model, torch.bfloat16)(cat, objective, INPUT), exact)
    assert by_hand < autocast * 1.25 + 0.02, (by_hand, autocast)


def test_the_dreamer_takes_gradients_by_hand_only_where_it_can(monkeypatch):
    lite = get_model("efficientnet-lite0")
    assert Dreamer(lite, "fp32").gradient_path == "by hand"
    assert Dreamer(lite, Precision("bf16")).gradient_path == "by hand"
    assert Dreamer(lite, "fp32", compile=True).gradient_path == "autograd"
    assert Dreamer(get_model("efficientnet-lite0", ["logits"]), "fp32").gradient_path == "autograd"  # pooling, fc
    assert Dreamer(get_model("vgg19", ["relu4_1"], weights="random"), "fp32").gradient_path == "autograd"
    shallow = lite.upto(["block3"])  # the atlas's models share layers: and the engine's weight copies
    shared = [lite_gradient.LiteGradient(model, torch.float32).stages[2][1] for model in (shallow, lite)]
    assert shared[0] is shared[1]
    monkeypatch.setattr(lite_gradient, "_fused_ops_work", lambda: False)  # a torch build without the oneDNN ops
    assert Dreamer(lite, "fp32").gradient_path == "autograd"


def test_a_dream_by_hand_raises_the_layer_as_autograds_does(cat):
    """Not the same bytes: a dream's steps amplify float rounding (ReLU6 edges flip), as another CPU's would."""
    model = get_model("efficientnet-lite0")
    config = DreamConfig(octaves=1, steps=4, jitter=0)
    hand, through_autograd = Dreamer(model, "fp32"), Dreamer(model, "fp32")
    through_autograd._by_hand = False
    dreamed = [dreamer.dream(cat, config, seed=3) for dreamer in (hand, through_autograd)]
    assert float((dreamed[0] - dreamed[1]).abs().mean()) < 2 / 255
    energy = [float(model(image)[model.requested[0]].pow(2).mean()) for image in (cat, *dreamed)]
    assert energy[1] > energy[0] * 1.2 and abs(energy[1] / energy[2] - 1) < 0.03, energy
