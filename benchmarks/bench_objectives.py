"""Does each objective term do what it says? Figures per term, the layer objective as baseline.

One process, the bundled EfficientNet-Lite0, the sample images, one seed:

- layer (block10) on chelsea: the baseline dream; its time per still is the reference;
- channel: block10:C raises channel C's mean activation; gain against the average
  channel's gain (mean |delta|) under the layer objective, and against C's own;
- strong5: the 5 channels most active on the input, their gain against the layer's;
- class tabby on coffee: softmax probability before/after, fold, rank, mean abs change;
  the log-probability objective is run too, for comparison with the logit;
- guide (astronaut guiding chelsea): cosine similarity of spatially averaged block10
  activations to the guide's, input vs layer dream vs guided dream;
- negative weights: block10 - 2*block10:42, and class:tabby - class:tiger cat on coffee.

    python benchmarks/bench_objectives.py [--size 256] [--steps 10] [--octaves 3] [--sheet out.png]
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
from harness import parser, sheet, start

from dreamvideo.core.dream import DreamConfig, Dreamer
from dreamvideo.core.objective_spec import parse
from dreamvideo.core.objective_terms import build, term_layers
from dreamvideo.core.objectives import Objective
from dreamvideo.core.transforms import resize, to_tensor, to_uint8
from dreamvideo.media.sources import load_image
from dreamvideo.models import get_model

IMAGES = Path(__file__).resolve().parent.parent / "Images"
MODEL = "efficientnet-lite0"
TABBY, TIGER, CHANNEL = 281, 282, 42


class Bench:
    def __init__(self, size: int, config: DreamConfig) -> None:
        self.model = get_model(MODEL, ["block5", "block10", "logits"])
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
    def probs(self, image: torch.Tensor, native: bool = False) -> torch.Tensor:
        """Softmax at ImageNet's 224x224 (a fair second look), or at the size that was dreamed."""
        return self.model(image if native else resize(image, (224, 224)))["logits"].softmax(-1)[0]


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
    steered = bench.dream("block10 - 2*block10:42", cat, "block10 - 2*block10:42")
    print(f"negative weight: channel 42 mean {float(before[CHANNEL]):+.3f} on the input, "
          f"{float(before[CHANNEL] + layer_delta[CHANNEL]):+.3f} after block10, "
          f"{float(channel_means(bench, steered)[CHANNEL]):+.3f} after 'block10 - 2*block10:42'")
    print(f"strong5 -> {picked}: mean gain {gain:+.3f} ({gain / average:.1f}x the layer's average), "
          f"same channels under the layer objective {float(layer_delta[chans].mean()):+.3f}")


def class_figures(bench: Bench) -> None:
    coffee = bench.images["coffee"]
    p0, n0 = bench.probs(coffee), bench.probs(coffee, native=True)
    logprob = Objective(lambda a: a["logits"].float().log_softmax(-1)[:, TABBY].mean(), "logprob", ("logits",))
    outs = {}
    for label, spec in (("class:tabby (logit)", "class:tabby cat"), ("log-softmax tabby", logprob),
                        ("block10 (baseline)", "block10"), ("tabby - tiger cat", "class:tabby - class:tiger cat")):
        out = outs[label] = bench.dream(label, coffee, spec)
        p, n = bench.probs(out), bench.probs(out, native=True)
        rank = int((p > p[TABBY]).sum()) + 1
        change = float((out - coffee).abs().mean()) * 255
        print(f"{label:<20} tabby p at 224 {float(p0[TABBY]):.1e} -> {float(p[TABBY]):.1e} "
              f"({float(p[TABBY] / p0[TABBY]):.0f}x, rank {rank}); at dream size {float(n0[TABBY]):.1e} -> "
              f"{float(n[TABBY]):.1e} ({float(n[TABBY] / n0[TABBY]):.0f}x); tiger cat {float(p[TIGER]):.3f}; "
              f"mean abs change {change:.1f}/255")


def best_match(bench: Bench, image: torch.Tensor, guide: torch.Tensor) -> float:
    """Mean over positions of the cosine to the most similar guide position."""
    x, y = bench.acts(image).flatten(1), bench.acts(guide).flatten(1)
    x, y = x / x.norm(dim=0), y / y.norm(dim=0)
    return float((x.t() @ y).max(dim=1).values.mean())


def guide_figures(bench: Bench, cat: torch.Tensor, layer_out: torch.Tensor) -> None:
    guide = bench.images["astronaut"]
    out = bench.dream("guide:astronaut", cat, f"guide:{IMAGES / 'astronaut.jpg'}")
    for name, metric in (("spatial-mean cosine", cosine_to), ("best-match cosine", best_match)):
        print(f"guide astronaut on chelsea, block10 {name} to the guide: input {metric(bench, cat, guide):.3f}, "
              f"layer dream {metric(bench, layer_out, guide):.3f}, guided dream {metric(bench, out, guide):.3f}")


def gradient_sizes(bench: Bench, cat: torch.Tensor) -> None:
    """Mean |gradient| on the image per term, relative to block10: how to weigh terms in a sum."""
    specs = ["block10", "block5", "block10:42", "block10:strong5", "class:tabby", f"guide:{IMAGES / 'astronaut.jpg'}"]
    sizes = {}
    for spec in specs:
        objective = build(parse(spec, MODEL), bench.model, cat, {str(IMAGES / "astronaut.jpg"): bench.images["astronaut"]})
        sizes[spec] = float(bench.dreamer.gradient(cat, objective).abs().mean())
    print("gradient size on chelsea relative to block10 (weigh side terms by its inverse): " + ", ".join(
        f"{spec.split('/')[-1]} {size / sizes['block10']:.2g}" for spec, size in sizes.items()))


def timing(size: int, config: DreamConfig, repeats: int) -> None:
    """CPU seconds per still on chelsea, each term on a model built as a render builds it.

    A render builds the model up to the deepest layer its terms read, so a class term
    pays for the rest of the network. Process CPU time, best of ``repeats``: wall time
    on a shared machine measures the neighbours.
    """
    cat = to_tensor(load_image(IMAGES / "chelsea.jpg", size=size))
    guides = {str(IMAGES / "astronaut.jpg"): to_tensor(load_image(IMAGES / "astronaut.jpg", size=size))}
    specs = ["block10", "block10:42", "block10:strong5", f"guide:{IMAGES / 'astronaut.jpg'}", "class:tabby",
             "block10 + 0.5*block5:42 - 0.2*class:espresso"]
    models = {spec: get_model(MODEL, term_layers(parse(spec, MODEL))) for spec in specs}
    best: dict[str, float] = {}
    for _ in range(repeats):             # round-robin, so a busy spell hits every term alike
        for spec, model in models.items():
            start = time.process_time()
            Dreamer(model).dream(cat, config, build(parse(spec, MODEL), model, cat, guides), seed=0)
            best[spec] = min(best.get(spec, float("inf")), time.process_time() - start)
    print(f"CPU time per still on chelsea ({torch.get_num_threads()} threads), best of {repeats}, "
          "model built with the layers the objective reads:")
    for spec in specs:
        label = "guide:astronaut" if spec in (specs[3],) else spec
        print(f"  {label:<46} {best[spec]:6.2f} s  {best[spec] / best['block10']:.2f}x the layer objective")


def main() -> None:
    args_in = parser(__doc__)
    args_in.set_defaults(threads=0)
    args_in.add_argument("--size", type=int, default=256)
    args_in.add_argument("--steps", type=int, default=10)
    args_in.add_argument("--octaves", type=int, default=3)
    args_in.add_argument("--repeats", type=int, default=3)
    args_in.add_argument("--timing-only", action="store_true", help="only the CPU time per still")
    args_in.add_argument("--sheet", type=Path, default=Path("bench_objectives.png"))
    args = args_in.parse_args()
    start(args)
    torch.manual_seed(0)
    if args.timing_only:
        timing(args.size, DreamConfig(octaves=args.octaves, steps=args.steps), args.repeats)
        return
    bench = Bench(args.size, DreamConfig(octaves=args.octaves, steps=args.steps))
    cat = bench.images["chelsea"]
    print(f"{MODEL}, {torch.get_num_threads()} threads, longest side {args.size}, {args.octaves} octaves x {args.steps} steps, seed 0")
    gradient_sizes(bench, cat)
    layer_out = bench.dream("block10 (layer)", cat, "block10")
    channel_figures(bench, cat, layer_out)
    guide_figures(bench, cat, layer_out)
    class_figures(bench)
    timing(args.size, bench.config, args.repeats)
    sheet(args.sheet, [bench.sheet[i:i + 5] for i in range(0, len(bench.sheet), 5)])


if __name__ == "__main__":
    main()
