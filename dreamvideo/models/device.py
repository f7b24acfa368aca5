"""How a built model runs fast on its device: the memory format, and the layers kept in fp32.

Both are measured choices, not model specifics, so every family gets them from ``get_model``:

- channels_last suits oneDNN (CPU) and cuDNN alike, but on Apple's MPS backend a
  channels_last convolution backward is about 30x slower in torch 2.14 (torch
  #193349), so MPS keeps the contiguous format.
- oneDNN has no bf16 depthwise kernel for *strided* backward-data and falls back to
  a generic one: a stride-2 depthwise 3x3 of EfficientNet-Lite0 took 81 ms in bf16
  against 3 ms in fp32 (ONEDNN_VERBOSE: ``brgconv_strided`` instead of ``jit_dw``).
  Those layers run in fp32 under CPU bf16 autocast; everything else stays in bf16.
- CPU autocast casts a weight to bf16 at every forward unless the weight requires
  grad (its cast cache holds only those), and ours never do: at small octaves the
  casts were a fixed ~2 ms of a 9-19 ms step. :func:`bf16_twin` casts them once.
"""

from __future__ import annotations

import copy
import weakref

import torch
from torch import nn

_TWINS: "weakref.WeakKeyDictionary[nn.Module, nn.Module]" = weakref.WeakKeyDictionary()


def memory_format(device: "str | torch.device") -> torch.memory_format:
    """The layout that convolutions run fastest in on ``device``."""
    return torch.contiguous_format if torch.device(device).type == "mps" else torch.channels_last


class Fp32OnCpuConv2d(nn.Conv2d):
    """A convolution that leaves CPU autocast for fp32 and hands its result back in the autocast dtype.

    Outside CPU autocast (fp32 renders, CUDA, MPS) it is a plain ``nn.Conv2d``.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type != "cpu" or not torch.is_autocast_enabled("cpu"):
            return super().forward(x)
        dtype = torch.get_autocast_dtype("cpu")
        with torch.autocast("cpu", enabled=False):
            return super().forward(x.float()).to(dtype)


def slow_in_bf16(conv: nn.Conv2d) -> bool:
    """Strided grouped (depthwise) convolutions: oneDNN's bf16 backward for them is a generic fallback."""
    return conv.groups > 1 and max(conv.stride) > 1


def keep_fp32_where_slow(model: nn.Module) -> int:
    """Turn the convolutions that are slow in CPU bf16 into :class:`Fp32OnCpuConv2d`; returns how many.

    The class is swapped in place, so weights, names and state-dict keys stay as they were.
    """
    slow = [m for m in model.modules() if type(m) is nn.Conv2d and slow_in_bf16(m)]
    for conv in slow:
        conv.__class__ = Fp32OnCpuConv2d
    return len(slow)


def bf16_twin(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose convolutions and linear layers hold bf16 weights (the fp32-kept
    convolutions aside), made once per model, for CPU bf16 autocast forwards.

    Autocast would cast those very weights to bf16 at every forward, rounding as ``.to`` does,
    so the twin computes exactly what the model computes under autocast, without the casts.
    """
    if model not in _TWINS:
        twin = copy.deepcopy(model)
        for module in twin.modules():
            if type(module) in (nn.Conv2d, nn.Linear):
                module.to(torch.bfloat16)
        _TWINS[model] = twin
    return _TWINS[model]
