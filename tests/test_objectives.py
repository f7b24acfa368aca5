"""Objective terms: parsing and errors, and the effects they promise on the sample images."""

import pytest
import torch

from dreamvideo.core.dream import DreamConfig, Dreamer
from dreamvideo.core.objective_spec import format_terms, parse
from dreamvideo.core.objective_terms import ObjectivePlan, blend, build, term_layers
from dreamvideo.core.objectives import layer
from dreamvideo.core.transforms import to_tensor
from dreamvideo.errors import DreamError
from dreamvideo.media.sources import load_image
from dreamvideo.models import get_model
from tests.conftest import IMAGES

LITE0 = "efficientnet-lite0"
TABBY, ESPRESSO = 281, 967
SMALL = DreamConfig(octaves=1, steps=5, jitter=8)


def test_spec_parses_weights_signs_and_kinds():
    terms = parse("block10 + 0.5*block5:42,17 - 0.2*class:espresso", LITE0)
    assert [(t.kind, t.layer, t.weight) for t in terms] == [
        ("layer", "block10", 1.0), ("channels", "block5", 0.5), ("class", "logits", -0.2)]
    assert terms[1].channels == (42, 17) and terms[2].class_index == ESPRESSO
    assert format_terms(terms) == "block10 + 0.5*block5:42,17 - 0.2*class:espresso"
    assert term_layers(terms) == ["block10", "block5", "logits"]


def test_hyphens_inside_names_are_not_operators():
    (term,) = parse("class:German short-haired pointer", LITE0)
    assert term.class_index == 210
    assert [t.weight for t in parse("-block10 -1e-3*block5", LITE0)] == [-1.0, -1e-3]


def test_guide_defaults_to_the_models_layer_and_reads_relative_to_base_dir():
    (term,) = parse("guide:astronaut.jpg", LITE0, base_dir=IMAGES)
    assert (term.kind, term.layer, term.guide) == ("guide", "block10", str(IMAGES / "astronaut.jpg"))
    assert parse(format_terms([term]), LITE0) == [term]


@pytest.mark.parametrize("spec, message", [
    ("block10 + block99:3", "objective term 'block99:3': unknown layer 'block99'"),
    ("block10:999", "objective term 'block10:999': channel 999 out of range: block10 has channels 0-111"),
    ("block10:strong0", "term 'block10:strong0': strong count must be 1-112"),
    ("block5:hot", "term 'block5:hot': expected channels like block5:42,17"),
    ("block10 + 2*class:cat", "term '2\\*class:cat': class 'cat' matches"),
    ("class:zebrra", "no ImageNet class matches 'zebrra'; close matches: zebra"),
    ("guide:nowhere.jpg", "term 'guide:nowhere.jpg': guide image 'nowhere.jpg' not found"),
    ("block10*2", "term 'block10\\*2': write a weight as NUMBER\\*TERM"),
    ("block10 +", "ends without a term"),
    ("  ", "empty objective"),
])
def test_bad_terms_are_named_in_the_error(spec, message):
    with pytest.raises(DreamError, match=message):
        parse(spec, LITE0)


def test_class_terms_need_a_model_with_logits():
    with pytest.raises(DreamError, match="vgg19 has no class logits"):
        parse("class:tabby", "vgg19")


@pytest.fixture(scope="module")
def model():
    return get_model(LITE0, ["block10", "logits"])


def _image(name: str, size: int = 160) -> torch.Tensor:
    return to_tensor(load_image(IMAGES / f"{name}.jpg", size=size))


def _dream(model, image, spec, guides=None, config=SMALL):
    objective = build(parse(spec, LITE0), model, image, guides)
    return Dreamer(model).dream(image, config, objective, seed=0)


@pytest.fixture(scope="module")
def cat():
    return _image("chelsea")


@pytest.fixture(scope="module")
def layer_dream(model, cat):
    """The plain DeepDream baseline every effect is compared against."""
    return _dream(model, cat, "block10")


@torch.no_grad()
def _channel_means(model, image):
    return model(image)["block10"][0].float().mean(dim=(1, 2))


def test_strong_channels_resolve_to_explicit_channels_that_replay(model, cat):
    objective = build(parse("block10:strong3 + 0.5*block10", LITE0), model, cat)
    picked = [int(c) for c in objective.name.split(" ")[0].split(":")[1].split(",")]
    assert picked == _channel_means(model, cat).topk(3).indices.tolist()
    replay = parse(objective.name, LITE0)
    assert [t.kind for t in replay] == ["channels", "layer"] and list(replay[0].channels) == picked


def test_channel_term_raises_its_channel_far_more_than_the_layer_objective(model, cat, layer_dream):
    before = _channel_means(model, cat)
    layer_gain = (_channel_means(model, layer_dream) - before).abs().mean()
    gain = _channel_means(model, _dream(model, cat, "block10:42"))[42] - before[42]
    assert gain >= 3 * layer_gain


@torch.no_grad()
def _probs(model, image):
    return model(image)["logits"].softmax(-1)[0]


def test_class_term_makes_coffee_a_tabby_while_it_still_looks_like_coffee(model):
    coffee = _image("coffee", 160)
    out = _dream(model, coffee, "class:tabby cat", config=DreamConfig(octaves=1, steps=10, jitter=8))
    before, after = _probs(model, coffee)[TABBY], _probs(model, out)
    assert after[TABBY] >= 10 * before
    assert TABBY in after.topk(5).indices.tolist()
    assert float((out - coffee).abs().mean()) < 0.1   # a glaze of fur, not a new picture
    flat = torch.stack([out.flatten(), coffee.flatten()])
    assert float(torch.corrcoef(flat)[0, 1]) > 0.8


def test_negative_weight_pushes_a_channel_down(model, cat, layer_dream):
    plain = _channel_means(model, layer_dream)[42]
    steered = _channel_means(model, _dream(model, cat, "block10 - 2*block10:42"))[42]
    assert steered < plain - 1.0 and steered < _channel_means(model, cat)[42]


def test_guide_moves_the_dream_toward_the_guide_features(model, cat, layer_dream):
    guide = _image("astronaut")
    path = str(IMAGES / "astronaut.jpg")
    out = _dream(model, cat, f"guide:{path}", {path: guide})

    def cosine(image):
        return float(torch.cosine_similarity(_channel_means(model, image), _channel_means(model, guide), dim=0))

    def best_match(image):
        x, y = (model(i)["block10"][0].flatten(1) for i in (image, guide))
        x, y = x / x.norm(dim=0), y / y.norm(dim=0)
        return float((x.t() @ y).max(dim=1).values.mean())

    with torch.no_grad():
        assert cosine(out) > cosine(cat) + 0.01 and cosine(out) > cosine(layer_dream) + 0.01
        assert best_match(out) > best_match(cat) + 0.03 and best_match(out) > best_match(layer_dream) + 0.03


def test_composed_objective_reads_only_the_layers_it_names():
    objective = layer("block10") + 0.5 * layer("block5")
    assert objective.layers == ("block10", "block5")


def test_keyframe_switch_fades_in_over_the_blend_frames():
    acts = {"a": torch.ones(1, 1, 2, 2), "b": torch.full((1, 1, 2, 2), 3.0)}
    keyframes = {0: layer("a"), 10: layer("b")}        # values 1 and 9
    values = [float(blend(keyframes, frame, 4)(acts)) for frame in (9, 10, 11, 13, 40)]
    assert values == pytest.approx([1, 3, 5, 9, 9])     # 1/4, 2/4 of the way, then all b
    assert float(blend(keyframes, 10, 1)(acts)) == 9    # blend of 1 frame is a cut
    assert blend(keyframes, 11, 4).layers == ("a", "b")


def test_plan_resolves_keyframes_once_and_blends_between_them(model, cat):
    path = str(IMAGES / "astronaut.jpg")
    plan = ObjectivePlan({0: "block10:strong2", 8: f"0.5*guide:{path} + class:tabby"}, 4, model, cat,
                         {path: _image("astronaut")})
    first = plan.specs[0]
    assert first.startswith("block10:") and "strong" not in first and len(first.split(",")) == 2
    assert plan.specs[8] == f"0.5*block10:guide:{path} + class:tabby"
    assert plan.at(3) is plan.keyframes[0] and plan.at(11) is plan.keyframes[8]
    assert plan.at(9).layers == ("block10", "logits") and plan.at(9).name.startswith("0.50*(block10:")
