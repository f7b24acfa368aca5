"""Every model's addressable layers, declared as data (no torch needed to list them).

A layer has a name, its output channels and its total stride; aliases let users
address VGG layers by the seed's index into ``features`` (``28``) as well as by name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class LayerSpec:
    """One addressable layer: its name, output channels and total stride."""

    name: str
    channels: int
    stride: int
    aliases: tuple[str, ...] = ()


# (repeats, kernel, stride, expand ratio, out channels) of EfficientNet-B0's stages.
LITE_STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
               (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]
LITE_STEM, LITE_HEAD = 32, 1280


@dataclass(frozen=True)
class BlockArgs:
    """One MBConv block of an EfficientNet-Lite."""

    cin: int
    cout: int
    expand: int
    kernel: int
    stride: int


def _round_filters(channels: int, width: float, divisor: int = 8) -> int:
    scaled = channels * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return int(rounded + divisor) if rounded < 0.9 * scaled else int(rounded)


def lite_blocks(width: float, depth: float) -> list[BlockArgs]:
    """Expand the stage table into one entry per block for a width/depth multiplier."""
    blocks: list[BlockArgs] = []
    cin = LITE_STEM
    for i, (repeats, kernel, stride, expand, cout) in enumerate(LITE_STAGES):
        cout = _round_filters(cout, width)
        fixed = i in (0, len(LITE_STAGES) - 1)  # lite keeps first and last stage depth
        n = repeats if fixed else int(math.ceil(depth * repeats))
        for j in range(n):
            blocks.append(BlockArgs(cin, cout, cin * expand, kernel, stride if j == 0 else 1))
            cin = cout
    return blocks


def lite_layers(width: float, depth: float) -> list[LayerSpec]:
    """The addressable layers: stem, every block, the head and the class logits."""
    layers = [LayerSpec("stem", LITE_STEM, 2)]
    stride = 2
    for i, block in enumerate(lite_blocks(width, depth)):
        stride *= block.stride
        layers.append(LayerSpec(f"block{i}", block.cout, stride, aliases=(f"_blocks.{i}",)))
    layers.append(LayerSpec("head", LITE_HEAD, stride))
    layers.append(LayerSpec("logits", 1000, stride))
    return layers


VGG_CONFIGS = {
    "vgg16": [[64, 64], [128, 128], [256] * 3, [512] * 3, [512] * 3],
    "vgg19": [[64, 64], [128, 128], [256] * 4, [512] * 4, [512] * 4],
}


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


# GoogLeNet children in forward order: (name, channels, stride).
GOOGLENET_LAYERS = [
    ("conv1", 64, 2), ("maxpool1", 64, 4), ("conv2", 64, 4), ("conv3", 192, 4),
    ("maxpool2", 192, 8), ("inception3a", 256, 8), ("inception3b", 480, 8),
    ("maxpool3", 480, 16), ("inception4a", 512, 16), ("inception4b", 512, 16),
    ("inception4c", 512, 16), ("inception4d", 528, 16), ("inception4e", 832, 16),
    ("maxpool4", 832, 32), ("inception5a", 832, 32), ("inception5b", 1024, 32),
]


def googlenet_layers() -> list[LayerSpec]:
    return [LayerSpec(n, c, s) for n, c, s in GOOGLENET_LAYERS]
