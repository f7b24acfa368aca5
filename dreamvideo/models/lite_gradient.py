"""EfficientNet-Lite's input gradient by hand on the CPU: autograd's numbers in fewer, fused oneDNN calls.

A dream needs only d(loss)/d(image) of a frozen network, and the bundled model is small enough
that on a CPU the overheads, not the arithmetic, set its speed. Autograd runs every ReLU6 and
residual add as a pass of its own (forward and backward), hands oneDNN plain weights that it
reorders into its own layout at every call, and goes through oneDNN's backward-data kernels. Here:

- the forward fuses each ReLU6 and residual add into its convolution (oneDNN post-ops);
- each convolution's input gradient is a forward convolution too: a 1x1's with the transposed
  weight, a stride-1 depthwise's with the flipped kernel, a strided one's a transposed convolution
  (the residual gradient fused in as a post-op where it joins);
- weights are packed into oneDNN's layout once per input size and kept;
- a ReLU6's gradient is masked by its output (0 < y < 6 exactly where 0 < x < 6).

fp32 gives autograd's gradient to float rounding (tests hold it to that). In bf16 the strided
depthwise layers' gradient is taken in fp32: oneDNN's bf16 transposed depthwise convolution is
10-20x slower than fp32's here (their forward is 3x faster in bf16 than in fp32, and stays bf16).
``benchmarks/bench_precision.py`` measures it (docs/benchmarks.md); any other model keeps autograd.
"""

from __future__ import annotations

import functools
import weakref
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .base import FeatureModel
from .device import slow_in_bf16

Objective = Callable[[dict[str, torch.Tensor]], torch.Tensor]
# Per convolution module: models that share layers (``FeatureModel.upto``, the studio's atlas) share
# their weight copies and packed weights too, instead of holding one set per model.
_CONVS: "weakref.WeakKeyDictionary[nn.Conv2d, dict[torch.dtype, _Conv]]" = weakref.WeakKeyDictionary()
MAX_PACKED = 24  # packed weights are kept per input size: a render uses a few, a long studio session many


def supports(model: FeatureModel) -> bool:
    """Whether ``model`` is an EfficientNet-Lite on a CPU that has oneDNN (anything else keeps autograd)."""
    if model.mean.device.type != "cpu" or not _fused_ops_work():
        return False
    if not all(_conv_act(stage) is not None or _block(stage) for stage in model.stages):
        return False
    return all(_square(conv) for conv in model.stages.modules() if isinstance(conv, nn.Conv2d))


@functools.lru_cache(maxsize=1)
def _fused_ops_work() -> bool:
    """Whether this torch build runs the oneDNN ops used here (a build without them keeps autograd)."""
    try:
        x = torch.ones(1, 2, 4, 4).contiguous(memory_format=torch.channels_last)
        w = torch.ones(2, 2, 1, 1).contiguous(memory_format=torch.channels_last)
        packed = torch.ops.mkldnn._reorder_convolution_weight(w, [0, 0], [1, 1], [1, 1], 1, [1, 2, 4, 4])
        y = torch.ops.mkldnn._convolution_pointwise(x, packed, None, [0, 0], [1, 1], [1, 1], 1, "hardtanh",
                                                    [0.0, 6.0], "")
        return torch.backends.mkldnn.is_available() and bool((y == 2).all())
    except (RuntimeError, AttributeError, NotImplementedError):
        return False


def _square(conv: nn.Conv2d) -> bool:
    """Square kernel, stride and padding, no dilation: what :class:`_Conv` computes with."""
    return len(set(conv.kernel_size)) == len(set(conv.stride)) == 1 and conv.dilation == (1, 1) and \
        isinstance(conv.padding, tuple) and len(set(conv.padding)) == 1 and conv.padding_mode == "zeros"


def _conv_act(stage: nn.Module) -> nn.Conv2d | None:
    """The convolution of a stage that is conv, (folded) norm, ReLU6: the stem, and the head."""
    parts = list(stage.children()) if isinstance(stage, nn.Sequential) else []
    if len(parts) == 3 and isinstance(parts[0], nn.Conv2d) and isinstance(parts[1], nn.Identity) \
            and isinstance(parts[2], nn.ReLU6):
        return parts[0]
    return None


def _block(stage: nn.Module) -> bool:
    """An MBConv block whose batch norms are folded (Identity), as ``get_model`` builds them."""
    norms = [getattr(stage, name, nn.Identity()) for name in ("_bn0", "_bn1", "_bn2")]
    return hasattr(stage, "_depthwise_conv") and isinstance(stage.act, nn.ReLU6) and \
        all(isinstance(norm, nn.Identity) for norm in norms)


class _Conv:
    """One frozen convolution: its fused forward and its input gradient, with weights packed per size."""

    def __init__(self, conv: nn.Conv2d, dtype: torch.dtype) -> None:
        self.dtype = dtype
        self.kernel, self.stride = conv.kernel_size[0], conv.stride[0]
        self.pad, self.groups = conv.padding[0], conv.groups
        weight = conv.weight.detach().to(dtype)
        self.weight = weight.contiguous(memory_format=torch.channels_last)
        self.bias = None if conv.bias is None else conv.bias.detach().to(dtype)
        if self.stride > 1:  # a transposed convolution of the forward weight; a depthwise one in fp32
            self.back_dtype = torch.float32 if slow_in_bf16(conv) else dtype  # (bf16: 10-20x slower, see above)
            self.back = conv.weight.detach().to(self.back_dtype).contiguous(memory_format=torch.channels_last)
        elif self.groups == 1:
            self.back_dtype, self.back = dtype, weight.transpose(0, 1).contiguous(memory_format=torch.channels_last)
        else:
            self.back_dtype, self.back = dtype, weight.flip(-1, -2).contiguous(memory_format=torch.channels_last)
        self.packed: dict[tuple, torch.Tensor] = {}
        self.args = {stride: ([self.pad] * 2, [stride] * 2, [1, 1], self.groups) for stride in {1, self.stride}}

    def _pack(self, weight: torch.Tensor, stride: int, shape: torch.Size) -> torch.Tensor:
        key = (weight is self.back, tuple(shape), torch.get_num_threads())  # oneDNN packs for a thread count
        packed = self.packed.get(key)  # read once: another thread may clear the dict meanwhile
        if packed is None:
            if len(self.packed) >= MAX_PACKED:
                self.packed.clear()
            packed = self.packed[key] = torch.ops.mkldnn._reorder_convolution_weight(
                weight, [self.pad] * 2, [stride] * 2, [1, 1], self.groups, list(shape))
        return packed

    def _run(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, stride: int,
             relu6: bool = False, add: torch.Tensor | None = None) -> torch.Tensor:
        if x.dtype != self.dtype:
            x = x.to(self.dtype)
        packed, args = self._pack(weight, stride, x.shape), self.args[stride]
        if add is not None:
            return torch.ops.mkldnn._convolution_pointwise.binary(x, add.to(self.dtype), packed, bias, *args, "add",
                                                                  1.0, None, [], None)
        return torch.ops.mkldnn._convolution_pointwise(x, packed, bias, *args, "hardtanh" if relu6 else "none",
                                                       [0.0, 6.0] if relu6 else [], "")

    def forward(self, x: torch.Tensor, relu6: bool = False, add: torch.Tensor | None = None) -> torch.Tensor:
        return self._run(x, self.weight, self.bias, self.stride, relu6, add)

    def backward(self, grad: torch.Tensor, x_shape: torch.Size, add: torch.Tensor | None = None) -> torch.Tensor:
        """d(loss)/d(input) from d(loss)/d(output), plus ``add`` (a residual's gradient) when given."""
        if self.stride == 1:
            return self._run(grad, self.back, None, 1, add=add)
        extra = [x_shape[i] - ((grad.shape[i] - 1) * self.stride - 2 * self.pad + self.kernel) for i in (-2, -1)]
        out = F.conv_transpose2d(grad.to(self.back_dtype), self.back, stride=self.stride, padding=self.pad,
                                 output_padding=extra, groups=self.groups)
        return out if add is None else out + add.to(out.dtype)


def _conv_of(conv: nn.Conv2d, dtype: torch.dtype) -> _Conv:
    per_dtype = _CONVS.setdefault(conv, {})
    if dtype not in per_dtype:
        per_dtype[dtype] = _Conv(conv, dtype)
    return per_dtype[dtype]


def _relu6_grad(grad: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    return torch.ops.aten.hardtanh_backward(grad, out.to(grad.dtype), 0.0, 6.0)


class LiteGradient:
    """d(objective)/d(image) of an EfficientNet-Lite :class:`FeatureModel`, computed in ``dtype``.

    Cheap to make (a list of its stages' convolutions, which are kept per module): a ``Dreamer`` holds
    its own, so nothing here outlives the model.
    """

    def __init__(self, model: FeatureModel, dtype: torch.dtype) -> None:
        self.model, self.dtype = model, dtype
        self.stages: list[tuple[_Conv | None, ...] | tuple[_Conv]] = []
        for stage in model.stages:
            single = _conv_act(stage)
            if single is not None:
                self.stages.append((_conv_of(single, dtype),))
            else:
                expand = _conv_of(stage._expand_conv, dtype) if stage.has_expand else None
                self.stages.append((expand, _conv_of(stage._depthwise_conv, dtype),
                                    _conv_of(stage._project_conv, dtype), stage.residual))

    def __call__(self, image: torch.Tensor, objective: Objective, input_name: str) -> torch.Tensor:
        acts, tape = self.forward(image)
        leaves = {name: act.detach().float().requires_grad_(True) for name, act in acts.items()}
        pixels = image.detach().requires_grad_(True)  # for objective terms on the image itself
        loss = objective({**leaves, input_name: pixels})
        grads = torch.autograd.grad(loss, [*leaves.values(), pixels], allow_unused=True)
        through = self.backward(tape, {name: g for name, g in zip(leaves, grads) if g is not None})
        if through is None or grads[-1] is None:
            return grads[-1] if through is None else through
        return through + grads[-1]

    def forward(self, image: torch.Tensor) -> tuple[dict[str, torch.Tensor], list[tuple]]:
        """The requested layers' activations and what the backward pass needs of each stage."""
        x = ((image - self.model.mean) / self.model.std).to(self.dtype).contiguous(memory_format=torch.channels_last)
        acts, tape, wanted = {}, [], set(self.model.requested)
        for name, convs in zip(self.model.stage_names, self.stages):
            if len(convs) == 1:
                y = convs[0].forward(x, relu6=True)
                tape.append((x.shape, y))
            else:
                expand, depthwise, project, residual = convs
                wide = expand.forward(x, relu6=True) if expand else x
                deep = depthwise.forward(wide, relu6=True)
                y = project.forward(deep, add=x if residual else None)
                tape.append((x.shape, wide, deep))
            x = y
            if name in wanted:
                acts[name] = y
        return acts, tape

    def backward(self, tape: list[tuple], grads: dict[str, torch.Tensor]) -> torch.Tensor | None:
        """d(loss)/d(image) from the gradients at the requested layers, stage by stage from the deepest
        (None when the objective used none of them)."""
        grad = None
        for index in range(len(self.stages) - 1, -1, -1):
            name, convs = self.model.stage_names[index], self.stages[index]
            if name in grads:
                grad = grads[name].to(self.dtype) if grad is None else grad + grads[name].to(grad.dtype)
            if grad is None:
                continue
            if len(convs) == 1:
                x_shape, out = tape[index]
                grad = convs[0].backward(_relu6_grad(grad, out), x_shape)
                continue
            (expand, depthwise, project, residual), (x_shape, wide, deep) = convs, tape[index]
            g_wide = depthwise.backward(_relu6_grad(project.backward(grad, deep.shape), deep), wide.shape)
            if expand:
                grad = expand.backward(_relu6_grad(g_wide.to(wide.dtype), wide), x_shape, grad if residual else None)
            else:
                grad = g_wide + grad.to(g_wide.dtype) if residual else g_wide
        return None if grad is None else grad.float() / self.model.std
