"""Dream speed: the seed's naive loop against dreamvideo's path, side by side in one process.

Baseline (the seed's way): fp32, the model rebuilt on every frame, weight gradients
computed, a host sync each step. dreamvideo: the model loaded once and frozen,
channels_last and bf16 autocast on CUDA, no sync inside the step loop, optionally
torch.compile. Both run the seed's settings: 10 steps, 4 extra octaves at 1.4,
jitter 32, step 0.05. Work is counted with torch.utils.flop_counter (forward plus
input gradient of one frame); achieved TFLOP/s and the share of --peak-tflops follow.

    python benchmarks/bench_dream.py                                  # CPU, small sizes
    python benchmarks/bench_dream.py --device cuda --sizes 1920x1080 300x300 --peak-tflops 800 --compile

Weights are random: speed does not depend on their values, and nothing is downloaded.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
import torchvision
from harness import parser, start
from torch.utils.flop_counter import FlopCounterMode

from dreamvideo.core.dream import DreamConfig, Dreamer
from dreamvideo.models import efficientnet_lite, get_model, model_info, resolve_layers
from dreamvideo.models.base import FeatureModel
from dreamvideo.models.layers import vgg_layers
from dreamvideo.core.objectives import mean_square
from dreamvideo.core.transforms import pyramid_sizes

SEED_CONFIG = DreamConfig(octaves=4, octave_scale=1.4, steps=10, step_size=0.05, jitter=32)
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def seed_dream(image: torch.Tensor, layer_index: int, device: torch.device) -> torch.Tensor:
    """The seed's loop: rebuild VGG19, then jitter/ascend/normalise per octave, syncing each step."""
    model = torchvision.models.vgg19(weights=None).features[: layer_index + 1].to(device).eval()
    x = ((image - MEAN.to(device)) / STD.to(device))
    low, high = ((0 - MEAN) / STD).to(device), ((1 - MEAN) / STD).to(device)
    h, w = x.shape[-2:]
    octaves = [x]
    for _ in range(SEED_CONFIG.octaves):
        octaves.append(F.interpolate(octaves[-1], scale_factor=1 / SEED_CONFIG.octave_scale, mode="bilinear"))
    detail = torch.zeros_like(octaves[-1])
    for base in reversed(octaves):
        detail = F.interpolate(detail, size=base.shape[-2:], mode="bilinear")
        img = base + detail
        for _ in range(SEED_CONFIG.steps):
            dx, dy = (int(v) for v in torch.randint(-32, 33, (2,)))
            img = torch.roll(img, (dy, dx), (-2, -1)).detach().requires_grad_(True)
            model.zero_grad()
            features = model(img)
            loss = F.mse_loss(features, torch.zeros_like(features))
            loss.backward()
            grad = img.grad
            img = img.detach() + SEED_CONFIG.step_size * grad / grad.abs().mean()
            img = torch.max(torch.min(img, high), low)
            img = torch.roll(img, (-dy, -dx), (-2, -1))
            loss.item()  # the seed prints the loss: a host sync every step
        detail = img - base
    return (img * STD.to(device) + MEAN.to(device)).clamp(0, 1)


def dream_flops(model: torch.nn.Module, height: int, width: int, device: torch.device) -> float:
    """Forward plus input-gradient FLOPs of one frame: every octave, every step."""
    total = 0
    for size in pyramid_sizes(height, width, SEED_CONFIG.octaves, SEED_CONFIG.octave_scale):
        x = torch.rand(1, 3, *size, device=device, requires_grad=True)
        with FlopCounterMode(display=False) as counter:
            mean_square(model.requested)(model(x)).backward()
        total += counter.get_total_flops()
    return total * SEED_CONFIG.steps


def timed(fn, device: torch.device, repeats: int) -> float:
    fn()  # warm-up (and compilation)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def main() -> None:
    args_in = parser(__doc__)
    args_in.set_defaults(threads=0)
    args_in.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args_in.add_argument("--sizes", nargs="+", default=["128x128", "224x224"], help="WxH")
    args_in.add_argument("--layer", default="28", help="VGG19 layer (seed index or name)")
    args_in.add_argument("--repeats", type=int, default=2)
    args_in.add_argument("--peak-tflops", type=float, default=None, help="device peak, for %% of peak")
    args_in.add_argument("--compile", action="store_true", help="torch.compile the model (CUDA)")
    args_in.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])
    args_in.add_argument("--also-lite0", action="store_true",
                        help="also time the bundled model against its unoptimised form")
    args = args_in.parse_args()
    start(args)
    device = torch.device(args.device)
    torch.manual_seed(0)
    layer = resolve_layers("vgg19", [args.layer])[0]
    index = next(i for i, spec in enumerate(vgg_layers("vgg19")) if spec.name == layer)
    model = get_model("vgg19", [layer], device, weights="random")
    dreamer = Dreamer(model, precision=args.precision, compile=args.compile)
    print(f"device={device} torch={torch.__version__} threads={torch.get_num_threads()} "
          f"layer=vgg19 {layer} (features[{index}]) precision={dreamer.precision} compile={args.compile}")
    print(f"{'size':>10} {'seed s/frame':>13} {'ours s/frame':>13} {'speed-up':>9} {'TFLOP/frame':>12} "
          f"{'TFLOP/s':>8} {'% peak':>7}")
    for size in args.sizes:
        w, h = (int(v) for v in size.lower().split("x"))
        image = torch.rand(1, 3, h, w, device=device)
        base = timed(lambda: seed_dream(image, index, device), device, args.repeats)
        ours = timed(lambda: dreamer.dream(image, SEED_CONFIG, seed=0), device, args.repeats)
        flops = dream_flops(model, h, w, device)
        rate = flops / ours / 1e12
        peak = f"{100 * rate / args.peak_tflops:6.1f}%" if args.peak_tflops else "     -"
        print(f"{size:>10} {base:13.3f} {ours:13.3f} {base / ours:8.2f}x {flops / 1e12:12.3f} "
              f"{rate:8.3f} {peak:>7}")
    if args.also_lite0:
        lite0_table(args, device)


def lite0_table(args: argparse.Namespace, device: torch.device) -> None:
    """The bundled model as shipped against the same network unoptimised (BatchNorm kept, NCHW)."""
    info = model_info("efficientnet-lite0")
    net = efficientnet_lite.network(info).eval()
    plain = FeatureModel("plain", net.stages(), info.layers, info.default_layers, info.mean, info.std,
                         "random").requires_grad_(False).to(device)
    shipped = get_model(info.name, info.default_layers, device, weights="random")
    print(f"efficientnet-lite0 {info.default_layers[0]}: {'size':>10} {'plain s/frame':>14} "
          f"{'ours s/frame':>13} {'speed-up':>9}")
    for size in args.sizes:
        w, h = (int(v) for v in size.lower().split("x"))
        image = torch.rand(1, 3, h, w, device=device)
        base = timed(lambda: Dreamer(plain, precision=args.precision).dream(image, SEED_CONFIG), device, args.repeats)
        ours = timed(lambda: Dreamer(shipped, precision=args.precision).dream(image, SEED_CONFIG), device, args.repeats)
        print(f"{'':>26}{size:>10} {base:14.3f} {ours:13.3f} {base / ours:8.2f}x")

if __name__ == "__main__":
    main()
