"""Does each objective term do what it says? Figures per term, the layer objective as baseline.

One process, the bundled EfficientNet-Lite0, the sample images, one seed:

- layer (block10) on chelsea: the baseline dream; its time per still is the reference;
- channel: block10:C raises channel C's mean activation; gain against the average
  channel's gain (mean |delta|) under the layer objective, and against C's own;
- strong5: the 5 channels most active on the input, their gain against the layer's;
- class tabby on coffee: softmax probability before/after, fold, rank, mean abs change;
  the log-probability objective is run too, to show why the logit was chosen;
- guide (astronaut guiding chelsea): cosine similarity of spatially averaged block10
  activations to the guide's, input vs layer dream vs guided dream;
- negative weight: block10 - class:espresso on coffee against block10 alone.

    python benchmarks/bench_objectives.py [--size 256] [--steps 10] [--octaves 3] [--sheet out.png]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from dreamvideo.core.dream import DreamConfig, Dreamer
from dreamvideo.core.objective_spec import parse
from dreamvideo.core.objective_terms import build
from dreamvideo.core.objectives import Objective
from dreamvideo.core.transforms import resize, to_tensor, to_uint8
from dreamvideo.media.sources import load_image
from dreamvideo.models import get_model

IMAGES = Path(__file__).resolve().parent.parent / "Images"
MODEL = "efficientnet-lite0"
TABBY, ESPRESSO, CHANNEL = 281, 967, 42


class Bench:
    def __init__(self, size: int, config: DreamConfig) -> None:
        self.model = get_model(MODEL, ["block10", "logits"])
        self.dreamer = Dreamer(self.model)
        self.config, self.size = config, size
        self.images = {n: to_tensor(load_image(IMAGES / f"{n}.jpg", size=size))
                       for n in ("chelsea", "coffee", "astronaut")}
        self.times: dict[str, float] = {}
        self.sheet: list[np.ndarray] = []

    def dream(self, label: str, image: torch.Tensor, spec: str | Objective) -> torch.Tensor:
        start = time.perf_counter()
        objective = spec if isinstance(spec, Objective) else build(
            parse(spec, MODEL), self.model, image, {str(IMAGES / "astronaut.jpg"): self.images["astronaut"]})
        out = self.dreamer.dream(image, self.config, objective, seed=0)
        self.times[label] = time.perf_counter() - start
        self.sheet.append(to_uint8(out))
        return out

    @torch.no_grad()
    def acts(self, image: torch.Tensor) -> torch.Tensor:
        return self.model(image)["block10"][0].float()

    @torch.no_grad()
    def probs(self, image: torch.Tensor) -> torch.Tensor:
        return self.model(resize(image, (224, 224)))["logits"].softmax(-1)[0]


def channel_means(bench: Bench, image: torch.Tensor) -> torch.Tensor:
    return bench.acts(image).mean(dim=(1, 2))


def cosine_to(bench: Bench, image: torch.Tensor, guide: torch.Tensor) -> float:
    a, b = bench.acts(image).mean(dim=(1, 2)), bench.acts(guide).mean(dim=(1, 2))
    return float(torch.nn.functional.cosine_similarity(a, b, dim=0))


def channel_figures(bench: Bench, cat: torch.Tensor, layer_out: torch.Tensor) -> None:
    before = channel_means(bench, cat)
    layer_delta = channel_means(bench, layer_out) - before
    average = float(layer_delta.abs().mean())
    for c in (CHANNEL, 7, 100):
        gain = float(channel_means(bench, bench.dream(f"block10:{c}", cat, f"block10:{c}"))[c] - before[c])
        print(f"channel block10:{c:<3}  gain {gain:+.3f}; layer objective: average channel "
              f"{average:.3f} ({gain / average:.1f}x), channel {c} itself {float(layer_delta[c]):+.3f}")
    picked = build(parse("block10:strong5", MODEL), bench.model, cat).name
    chans = [int(c) for c in picked.split(":")[1].split(",")]
    out = bench.dream("block10:strong5", cat, "block10:strong5")
    gain = float((channel_means(bench, out) - before)[chans].mean())
    print(f"strong5 -> {picked}: mean gain {gain:+.3f} ({gain / average:.1f}x the layer's average), "
          f"same channels under the layer objective {float(layer_delta[chans].mean()):+.3f}")


def class_figures(bench: Bench) -> None:
    coffee = bench.images["coffee"]
    p0 = bench.probs(coffee)
    logprob = Objective(lambda a: a["logits"].float().log_softmax(-1)[:, TABBY].mean(), "logprob", ("logits",))
    outs = {}
    for label, spec in (("class:tabby (logit)", "class:tabby cat"), ("log-softmax tabby", logprob),
                        ("block10 (baseline)", "block10")):
        out = outs[label] = bench.dream(label, coffee, spec)
        p = bench.probs(out)
        rank = int((p > p[TABBY]).sum()) + 1
        change = float((out - coffee).abs().mean()) * 255
        print(f"{label:<20} tabby p {float(p0[TABBY]):.2e} -> {float(p[TABBY]):.2e} "
              f"({float(p[TABBY] / p0[TABBY]):.0f}x), rank {rank}, espresso p {float(p[ESPRESSO]):.2f}, "
              f"mean abs change {change:.1f}/255")
    out = bench.dream("block10 - class:espresso", coffee, "block10 - class:espresso")
    base = bench.probs(outs["block10 (baseline)"])
    print(f"negative weight: espresso p after block10 {float(base[ESPRESSO]):.3f}, "
          f"after 'block10 - class:espresso' {float(bench.probs(out)[ESPRESSO]):.3f} (input {float(p0[ESPRESSO]):.3f})")


def guide_figures(bench: Bench, cat: torch.Tensor, layer_out: torch.Tensor) -> None:
    guide_img = bench.images["astronaut"]
    out = bench.dream("guide:astronaut", cat, f"guide:{IMAGES / 'astronaut.jpg'}")
    print(f"guide astronaut on chelsea: cosine to guide (block10, spatial mean) input "
          f"{cosine_to(bench, cat, guide_img):.3f}, layer dream {cosine_to(bench, layer_out, guide_img):.3f}, "
          f"guided dream {cosine_to(bench, out, guide_img):.3f}")


def save_sheet(frames: list[np.ndarray], path: Path) -> None:
    height = max(f.shape[0] for f in frames)
    padded = [np.pad(f, ((0, height - f.shape[0]), (0, 4), (0, 0))) for f in frames]
    Image.fromarray(np.concatenate(padded, axis=1)).save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--octaves", type=int, default=3)
    parser.add_argument("--sheet", type=Path, default=Path("bench_objectives.png"))
    args = parser.parse_args()
    torch.manual_seed(0)
    bench = Bench(args.size, DreamConfig(octaves=args.octaves, steps=args.steps))
    cat = bench.images["chelsea"]
    print(f"{MODEL}, longest side {args.size}, {args.octaves} octaves x {args.steps} steps, seed 0")
    layer_out = bench.dream("block10 (layer)", cat, "block10")
    channel_figures(bench, cat, layer_out)
    guide_figures(bench, cat, layer_out)
    class_figures(bench)
    base = bench.times["block10 (layer)"]
    print("time per still (s, and against the layer objective on chelsea):")
    for label, seconds in bench.times.items():
        print(f"  {label:<26} {seconds:6.2f}  {seconds / base:.2f}x")
    save_sheet(bench.sheet, args.sheet)
    print(f"sheet: {args.sheet}")


if __name__ == "__main__":
    main()
