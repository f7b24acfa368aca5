"""The float precision a dream computes its gradients in: fp32, or bf16 autocast where it pays.

bf16 halves the memory traffic and, on a CPU that computes it natively (AVX512_BF16,
AMX, Arm BF16), doubles the arithmetic rate. Without native support oneDNN emulates
it, far slower than fp32 (torch #86270, #183815), and some CPUs cannot run its
backward at all (#148861). Small images gain nothing either: casts and kernel
set-up outweigh the arithmetic, so a :class:`Precision` can keep the smaller octaves
of a pyramid in fp32. Whether bf16 pays on a CPU is measured (``render/precision.py``);
this module only knows the rules that need no measurement.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Sequence

import torch

# Keys of torch.cpu.get_capabilities() that mean bf16 arithmetic in hardware. Not
# torch.backends.cpu.get_cpu_capability() nor mkldnn._is_mkldnn_bf16_supported():
# those also say yes where oneDNN only emulates bf16.
NATIVE_BF16 = ("avx512_bf16", "amx_bf16", "bf16")


def native_bf16() -> bool:
    """Whether this CPU computes bf16 natively (False where torch cannot tell)."""
    get = getattr(torch.cpu, "get_capabilities", None)
    try:
        capabilities = get() if get else {}
    except Exception:  # a CPU that cpuinfo cannot read: assume the worst
        return False
    return any(bool(capabilities.get(key)) for key in NATIVE_BF16)


@dataclass(frozen=True)
class Precision:
    """fp32, or bf16 autocast for images of at least ``min_pixels`` pixels (smaller ones in fp32)."""

    name: str = "fp32"  # "fp32" or "bf16"
    min_pixels: int = 0

    def uses_bf16(self, shape: Sequence[int]) -> bool:
        return self.name == "bf16" and shape[-1] * shape[-2] >= self.min_pixels

    def autocast(self, device_type: str, shape: Sequence[int]) -> contextlib.AbstractContextManager:
        """The context a forward pass of an image of ``shape`` runs in."""
        if self.uses_bf16(shape):
            return torch.autocast(device_type, dtype=torch.bfloat16)
        return contextlib.nullcontext()


def fixed(name: str, device: torch.device) -> Precision:
    """A precision that needs no measurement: as asked, and ``auto`` before any probe.

    ``auto`` is bf16 on CUDA (tensor cores), fp32 on MPS (half-precision autocast
    there is not measured yet) and fp32 on a CPU until a probe says bf16 is faster.
    """
    if name == "auto":
        name = "bf16" if device.type == "cuda" else "fp32"
    if name not in ("fp32", "bf16"):
        raise ValueError(f"unknown precision '{name}'")
    return Precision(name)
