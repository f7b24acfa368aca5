"""Zoom frames: the full dream schedule on every frame against a lighter schedule after the first.

A zoom's previous frame, zoomed, already holds the dream, so frames after the
first can spend fewer octaves and steps. Side by side, in one process, frame by
frame interleaved (so load on a shared machine hits both alike), with the bundled
model at its default layer, default settings, zoom 1.04, seeded noise start:

- seconds per frame (frames 1..N-1), and the speed ratio full / light;
- strength: the mean squared activation at the dreamed layer of the dreamed frame
  minus that of the zoomed previous frame it started from, averaged over frames
  10-30, and its ratio light / full (also printed as a gain ratio, after / before);
- a comparison sheet PNG: full and light rows at frames 1, 10, 20 and 30.

    python benchmarks/bench_zoom.py [--sizes 256 512] [--light 4x3 1x4] [--threads 1] [--sheet zoom_sheet.png]

The default frame schedule (frame_octaves 4, frame_steps 3) was chosen with this
script: see docs/benchmarks.md for the candidates and figures.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from harness import parser, sheet, start

from dreamvideo.core.dream import DreamConfig, Dreamer
from dreamvideo.core.transforms import to_tensor, to_uint8, zoom
from dreamvideo.media.sources import noise
from dreamvideo.models import get_model

SHEET_FRAMES = (1, 10, 20, 30)


def act(model, frame: np.ndarray, layer: str) -> float:
    with torch.no_grad():
        return float(model(to_tensor(frame))[layer].float().pow(2).mean())


class Chain:
    """One zoom run: frame 0 with the full schedule, later frames with ``config``."""

    def __init__(self, name: str, config: DreamConfig) -> None:
        self.name, self.config = name, config
        self.frame: np.ndarray | None = None
        self.seconds: list[float] = []
        self.gain: dict[int, tuple[float, float]] = {}
        self.kept: dict[int, np.ndarray] = {}

    def step(self, dreamer: Dreamer, index: int, layer: str, factor: float) -> None:
        before = to_uint8(zoom(to_tensor(self.frame), factor))
        start = time.perf_counter()
        after = to_uint8(dreamer.dream(to_tensor(before), self.config, seed=index))
        self.seconds.append(time.perf_counter() - start)
        if 10 <= index <= 30:
            self.gain[index] = (act(dreamer.model, before, layer), act(dreamer.model, after, layer))
        if index in SHEET_FRAMES:
            self.kept[index] = after
        self.frame = after

    def strength(self) -> float:
        return statistics.mean(a - b for b, a in self.gain.values())

    def gain_ratio(self) -> float:
        return statistics.mean(a / b for b, a in self.gain.values())


def parse_light(text: str) -> tuple[int, int]:
    octaves, steps = text.lower().split("x")
    return int(octaves), int(steps)


def run_size(size: int, frames: int, lights: list[tuple[int, int]], factor: float) -> list[Chain]:
    model = get_model("efficientnet-lite0", ["block10"])
    layer = model.requested[0]
    dreamer = Dreamer(model)
    full = DreamConfig()
    chains = [Chain("full", full)] + [Chain(f"light {o}x{s}", replace(full, octaves=o, steps=s)) for o, s in lights]
    first = to_uint8(dreamer.dream(to_tensor(noise(size, size, 0)), full, seed=0))
    for chain in chains:
        chain.frame = first
    for index in range(1, frames):
        for chain in chains:
            chain.step(dreamer, index, layer, factor)
        if index % 5 == 0:
            print(f"  {size}px frame {index}/{frames - 1}", flush=True)
    return chains


def report(size: int, chains: list[Chain]) -> None:
    full = chains[0]
    base_s, base_strength = statistics.mean(full.seconds), full.strength()
    last = max(full.gain)
    print(f"\n{size}x{size}: schedule   s/frame  speed-up  strength(10-{last})  vs full  gain after/before")
    for chain in chains:
        s = statistics.mean(chain.seconds)
        print(f"  {chain.name:<14} {s:7.3f}   {base_s / s:6.2f}x   {chain.strength():12.4f}   "
              f"{chain.strength() / base_strength:6.2f}x   {chain.gain_ratio():.3f}")


def zoom_sheet(results: dict[int, list[Chain]], path: Path, cell: int = 256) -> None:
    """Rows: each size's chains; columns: frames 1, 10, 20, 30 (scaled to ``cell`` px)."""
    rows = [(size, chain) for size, chains in results.items() for chain in chains]
    sheet(path, [[chain.kept[i] for i in SHEET_FRAMES if i in chain.kept] for _, chain in rows],
          [f"{size}px {chain.name}" for size, chain in rows], [f"frame {i}" for i in SHEET_FRAMES], cell)


def main() -> None:
    args_in = parser(__doc__)
    args_in.set_defaults(threads=0)
    args_in.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    args_in.add_argument("--frames", type=int, default=31, help="frames per run (strength reads 10-30)")
    args_in.add_argument("--light", nargs="+", default=["4x3"], help="lighter schedules as OCTAVESxSTEPS")
    args_in.add_argument("--zoom", type=float, default=1.04)
    args_in.add_argument("--sheet", type=Path, default=Path("zoom_sheet.png"))
    args = args_in.parse_args()
    start(args)
    print(f"zoom {args.frames} frames, efficientnet-lite0 block10, default settings (4 octaves x 10 steps) "
          "vs lighter schedules after frame 0", flush=True)  # threads and load: start() said them
    results = {}
    for size in args.sizes:
        results[size] = run_size(size, args.frames, [parse_light(x) for x in args.light], args.zoom)
        report(size, results[size])
        print(f"  load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        zoom_sheet(results, args.sheet)  # after each size, so a long run shows its frames early


if __name__ == "__main__":
    main()
