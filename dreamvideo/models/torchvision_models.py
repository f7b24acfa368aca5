"""Torchvision's VGG19, VGG16 and GoogLeNet, with weights found offline first.

Weights are looked up in this order: an explicit ``--weights FILE``, torch's hub
cache, then torchvision's download. Offline with nothing cached, the error says how
to get the file and points at the bundled model.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.error import URLError

import torch
from torch import nn
from torchvision import models as tvm

from ..errors import DreamError
from .base import LayerSpec, load_error

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

VGG_CONFIGS = {
    "vgg16": [[64, 64], [128, 128], [256] * 3, [512] * 3, [512] * 3],
    "vgg19": [[64, 64], [128, 128], [256] * 4, [512] * 4, [512] * 4],
}

# GoogLeNet children in forward order: (name, channels, stride).
GOOGLENET_LAYERS = [
    ("conv1", 64, 2), ("maxpool1", 64, 4), ("conv2", 64, 4), ("conv3", 192, 4),
    ("maxpool2", 192, 8), ("inception3a", 256, 8), ("inception3b", 480, 8),
    ("maxpool3", 480, 16), ("inception4a", 512, 16), ("inception4b", 512, 16),
    ("inception4c", 512, 16), ("inception4d", 528, 16), ("inception4e", 832, 16),
    ("maxpool4", 832, 32), ("inception5a", 832, 32), ("inception5b", 1024, 32),
]


def vgg_layers(name: str) -> list[LayerSpec]:
    """Every module of ``features``, named conv4_1/relu4_1/pool4 with its index as alias."""
    layers: list[LayerSpec] = []
    stride = 1
    for block, widths in enumerate(VGG_CONFIGS[name], start=1):
        for i, width in enumerate(widths, start=1):
            for kind in ("conv", "relu"):
                layers.append(LayerSpec(f"{kind}{block}_{i}", width, stride, (str(len(layers)),)))
        stride *= 2
        layers.append(LayerSpec(f"pool{block}", widths[-1], stride, (str(len(layers)),)))
    return layers


def googlenet_layers() -> list[LayerSpec]:
    return [LayerSpec(n, c, s) for n, c, s in GOOGLENET_LAYERS]


@dataclass(frozen=True)
class TorchvisionFamily:
    """How to build one torchvision model and where its weights live."""

    weights_enum: tvm.WeightsEnum
    constructor: Callable[[], nn.Module]
    stage_fn: Callable[[nn.Module], list[tuple[str, nn.Module]]]

    @property
    def url(self) -> str:
        return self.weights_enum.url

    @property
    def cache_path(self) -> Path:
        return Path(torch.hub.get_dir()) / "checkpoints" / Path(self.url).name


def _vgg_stages(net: nn.Module, layers: list[LayerSpec]) -> list[tuple[str, nn.Module]]:
    return [(spec.name, module) for spec, module in zip(layers, net.features)]


def _googlenet_stages(net: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(name, getattr(net, name)) for name, _, _ in GOOGLENET_LAYERS]


FAMILIES = {
    "vgg19": TorchvisionFamily(tvm.VGG19_Weights.IMAGENET1K_V1, lambda: tvm.vgg19(weights=None),
                               lambda net: _vgg_stages(net, vgg_layers("vgg19"))),
    "vgg16": TorchvisionFamily(tvm.VGG16_Weights.IMAGENET1K_V1, lambda: tvm.vgg16(weights=None),
                               lambda net: _vgg_stages(net, vgg_layers("vgg16"))),
    # transform_input=False: the pretrained weights expect (x - 0.5) / 0.5, set as mean/std.
    "googlenet": TorchvisionFamily(
        tvm.GoogLeNet_Weights.IMAGENET1K_V1,
        lambda: tvm.googlenet(weights=None, aux_logits=True, transform_input=False,
                              init_weights=False),
        _googlenet_stages),
}


def _load_file(path: Path, name: str) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise DreamError(f"weights file not found: {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise DreamError(f"cannot read weights file {path} for {name}: not a torch state dict") from exc
    return state.get("state_dict", state) if isinstance(state, dict) else state


def _download(family: TorchvisionFamily, name: str) -> dict[str, torch.Tensor]:
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)
    try:
        return family.weights_enum.get_state_dict(progress=True, check_hash=True)
    except (URLError, OSError, RuntimeError) as exc:
        raise DreamError(
            f"{name} weights are not cached and could not be downloaded ({type(exc).__name__}); "
            f"fetch {family.url} into {family.cache_path.parent}/ or pass `weights` FILE, "
            "or use the bundled model: `model` efficientnet-lite0") from exc
    finally:
        socket.setdefaulttimeout(previous)


def build(name: str, weights: str | None) -> tuple[nn.Module, str]:
    """Build the network and load weights from a file, the hub cache or a download."""
    family = FAMILIES[name]
    net = family.constructor()
    if weights == "random":
        return net, "random init"
    if weights:
        state, source = _load_file(Path(weights), name), f"file {weights}"
    elif family.cache_path.is_file():
        state, source = _load_file(family.cache_path, name), f"hub cache {family.cache_path}"
    else:
        state, source = _download(family, name), f"downloaded {family.url}"
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise DreamError(f"weights from {source} do not fit {name}: {load_error(exc)}") from exc
    return net, source


def stages(name: str, net: nn.Module) -> list[tuple[str, nn.Module]]:
    return FAMILIES[name].stage_fn(net)


def weights_status(name: str) -> str:
    family = FAMILIES[name]
    if family.cache_path.is_file():
        return f"hub cache: {family.cache_path}"
    return f"download (not cached): {family.url}, or `weights` FILE"
