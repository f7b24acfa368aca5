"""Torchvision's VGG19, VGG16 and GoogLeNet as named stages (weights come from weights.py)."""

from __future__ import annotations

from torch import nn
from torchvision import models as tvm

from .layers import GOOGLENET_LAYERS, vgg_layers
from .registry import ModelSpec


def network(spec: ModelSpec) -> nn.Module:
    """The architecture with random init; weights are loaded by the caller."""
    if spec.family == "vgg":
        return getattr(tvm, spec.name)(weights=None)
    # transform_input=False: normalisation is the FeatureModel's mean/std.
    return tvm.googlenet(weights=None, aux_logits=True, transform_input=False, init_weights=False)


def stages(spec: ModelSpec, net: nn.Module) -> list[tuple[str, nn.Module]]:
    """One named stage per declared layer, in forward order."""
    if spec.family == "vgg":
        return [(layer.name, module) for layer, module in zip(vgg_layers(spec.name), net.features)]
    return [(name, getattr(net, name)) for name, _, _ in GOOGLENET_LAYERS]
