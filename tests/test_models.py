from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest
import torch
from PIL import Image

from dreamvideo.errors import DreamError
from dreamvideo.models import get_model, list_models, model_info, resolve_layers
from dreamvideo.models import torchvision_models

CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
ESPRESSO = 967


def _imagenet_input(path: Path) -> torch.Tensor:
    img = Image.open(path).convert("RGB").resize((224, 224), Image.Resampling.BILINEAR)
    return torch.from_numpy(np.array(img)).permute(2, 0, 1)[None].float() / 255


def test_bundled_lite0_weights_are_real_imagenet_weights(chelsea):
    model = get_model("efficientnet-lite0", ["logits"])
    assert model.weights_source.startswith("package efficientnet-lite0")
    with torch.no_grad():
        cat = model(_imagenet_input(chelsea))["logits"].softmax(-1)[0]
        coffee = model(_imagenet_input(chelsea.with_name("coffee.jpg")))["logits"].softmax(-1)[0]
    assert int(cat.argmax()) in CAT_CLASSES and float(cat.max()) > 0.5
    assert int(coffee.argmax()) == ESPRESSO


@pytest.mark.parametrize("name", [info.name for info in list_models()
                                  if not info.name.startswith(("efficientnet-lite1", "efficientnet-lite2"))])
def test_declared_channels_and_strides_match_activations(name):
    info = model_info(name)
    layers = [spec.name for spec in info.layers if spec.name != "logits"]
    model = get_model(name, layers, weights="random")
    with torch.no_grad():
        acts = model(torch.rand(1, 3, 64, 64))
    for spec in info.layers:
        if spec.name == "logits":
            continue
        act = acts[spec.name]
        assert act.shape[1] == spec.channels, spec
        assert abs(act.shape[-1] - 64 / spec.stride) <= 1, spec


def test_forward_stops_at_deepest_requested_layer():
    model = get_model("efficientnet-lite0", ["block3", "stem"], weights="random")
    assert model.stage_names == ["stem", "block0", "block1", "block2", "block3"]
    assert set(model(torch.rand(1, 3, 64, 64))) == {"stem", "block3"}


def test_vgg_layers_by_seed_index_and_by_name():
    assert resolve_layers("vgg19", ["5", "10", "19", "28"]) == ["conv2_1", "conv3_1", "conv4_1", "conv5_1"]
    assert resolve_layers("vgg19", ["relu4_1"]) == ["relu4_1"]


def test_unknown_model_and_layer_list_valid_names():
    with pytest.raises(DreamError, match="efficientnet-lite0.*vgg19"):
        get_model("alexnet")
    with pytest.raises(DreamError, match="unknown layer 'block99'.*block10"):
        resolve_layers("efficientnet-lite0", ["block99"])


def test_model_is_frozen():
    model = get_model("efficientnet-lite0", ["block5"], weights="random")
    assert not any(p.requires_grad for p in model.parameters())
    assert not model.training


def test_vgg_offline_without_cache_fails_with_advice(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "_hub_dir", str(tmp_path))

    def offline(*args, **kwargs):
        raise URLError("no network")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(DreamError) as info:
        get_model("vgg19", ["28"])
    message = str(info.value)
    assert "`weights` FILE" in message and "efficientnet-lite0" in message
    assert "vgg19-dcbb9e9d.pth" in message and "\n" not in message


def test_torchvision_weights_from_file_then_from_hub_cache(tmp_path, monkeypatch):
    net = torchvision_models.network(model_info("googlenet"))
    file = tmp_path / "mine.pth"
    torch.save(net.state_dict(), file)
    model = get_model("googlenet", ["inception4c"], weights=str(file))
    assert model.weights_source == f"file {file}"
    assert torch.equal(model.stages[0].conv.weight, net.conv1.conv.weight)

    monkeypatch.setattr(torch.hub, "_hub_dir", str(tmp_path / "hub"))
    cached = model_info("googlenet").weights.hub_file
    cached.parent.mkdir(parents=True)
    file.rename(cached)
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url",
                        lambda *a, **k: pytest.fail("must not download when cached"))
    assert get_model("googlenet", ["inception4c"]).weights_source.startswith("hub cache")


def test_weights_file_that_does_not_fit_is_a_clear_error(tmp_path):
    file = tmp_path / "wrong.pth"
    torch.save({"foo": torch.zeros(1)}, file)
    with pytest.raises(DreamError, match="do not fit googlenet: Missing key"):
        get_model("googlenet", weights=str(file))
    file.write_text("not a checkpoint")
    with pytest.raises(DreamError, match="cannot read weights"):
        get_model("googlenet", weights=str(file))


def test_folded_batchnorm_keeps_the_networks_outputs():
    from dreamvideo.models import efficientnet_lite
    from dreamvideo.models.weights import package_file

    spec = model_info("efficientnet-lite0")
    plain = efficientnet_lite.network(spec).eval()
    plain.load_state_dict(torch.load(package_file(spec), weights_only=True))
    folded = get_model("efficientnet-lite0", ["block10", "logits"])
    x = torch.rand(1, 3, 128, 128)
    with torch.no_grad():
        reference = (x - folded.mean) / folded.std
        for _, stage in plain.stages()[:12]:  # stem, block0 ... block10
            reference = stage(reference)
        got = folded(x)
    assert torch.allclose(got["block10"], reference, atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("content", [b"garbage, not a checkpoint", "pickled object", "tensor"])
def test_bad_weights_for_the_default_model_say_not_a_state_dict(tmp_path, content, recwarn):
    import pickle

    file = tmp_path / "bad.pth"
    if content == "pickled object":
        file.write_bytes(pickle.dumps({"a": object()}, protocol=4))
    elif content == "tensor":
        torch.save(torch.zeros(3), file)
    else:
        file.write_bytes(content)
    with pytest.raises(DreamError) as caught:
        get_model("efficientnet-lite0", weights=str(file))
    message = str(caught.value)
    assert message == f"cannot read weights file {file} for efficientnet-lite0: not a torch state dict"
    assert "weights_only" not in message
    assert not [w for w in recwarn if "pickle" in str(w.message)]


@pytest.mark.parametrize("device, layout", [("cpu", torch.channels_last), ("cuda:0", torch.channels_last),
                                            ("mps", torch.contiguous_format)])
def test_memory_format_is_channels_last_except_on_mps(device, layout):
    """channels_last conv backward is ~30x slower on MPS (torch 2.14), so MPS keeps the contiguous layout."""
    from dreamvideo.models.device import memory_format

    assert memory_format(device) == layout


def test_only_strided_depthwise_convs_leave_cpu_bf16():
    from torch import nn

    from dreamvideo.models.device import Fp32OnCpuConv2d

    model = get_model("efficientnet-lite0", ["block10"], weights="random")
    kept = [m for m in model.modules() if isinstance(m, Fp32OnCpuConv2d)]
    assert kept and all(m.groups > 1 and max(m.stride) > 1 for m in kept)
    assert any(type(m) is nn.Conv2d and m.groups > 1 for m in model.modules())  # stride-1 ones stay bf16
    assert model.stages[1]._depthwise_conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert not any(isinstance(m, Fp32OnCpuConv2d) for m in get_model("vgg19", ["10"], weights="random").modules())
    x = torch.rand(1, 3, 96, 96)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = kept[0](torch.rand(1, kept[0].in_channels, 32, 32).to(torch.bfloat16))
    assert y.dtype == torch.bfloat16  # handed back in the autocast dtype for the next layer
    with torch.no_grad():
        plain = model(x)["block10"]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            fast = model(x)["block10"].float()
    assert torch.allclose(fast, plain, rtol=0.1, atol=0.1 * float(plain.abs().mean()))
