"""Models: a torch-free registry of records, and ``get_model`` that builds one.

``get_model(name, layers, device)`` returns a :class:`~.base.FeatureModel`: callers
never see layer indices, key names or mean/std. Torch loads only when a model is
built, so listings and validation answer at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DreamError
from .layers import LayerSpec
from .registry import DEFAULT_MODEL, ModelSpec, list_models, model_info, resolve_layers

if TYPE_CHECKING:
    import torch

    from .base import FeatureModel

__all__ = ["DEFAULT_MODEL", "LayerSpec", "ModelSpec", "get_model", "list_models", "model_info",
           "resolve_layers"]


def get_model(name: str, layers: list[str] | None = None, device: "str | torch.device" = "cpu",
              weights: str | None = None) -> "FeatureModel":
    """Build a frozen, eval-mode feature extractor that stops at the deepest requested layer.

    ``weights`` is a file path, None for the model's usual source, or ``"random"``
    for random init (tests and benchmarks never download).
    """
    import torch

    from . import efficientnet_lite, torchvision_models
    from .base import FeatureModel, load_error
    from .device import keep_fp32_where_slow, memory_format
    from .weights import load_weights

    spec = model_info(name)
    requested = resolve_layers(name, layers)
    family = efficientnet_lite if spec.family == "efficientnet-lite" else torchvision_models
    net = family.network(spec)
    state, source = load_weights(spec, weights)
    if state is not None:
        try:
            net.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            raise DreamError(f"weights from {source} do not fit {name}: {load_error(exc)}") from exc
    if spec.family == "efficientnet-lite":
        net = net.eval().fold_batchnorm()
    stages = net.stages() if spec.family == "efficientnet-lite" else torchvision_models.stages(spec, net)
    model = FeatureModel(name, stages, spec.layers, requested, spec.mean, spec.std, source)
    model.eval().requires_grad_(False)
    keep_fp32_where_slow(model)  # only changes CPU bf16 autocast (see models/device.py)
    return model.to(torch.device(device), memory_format=memory_format(device))
