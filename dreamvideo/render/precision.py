"""`precision` auto on a CPU: bf16 where a short probe says it is faster, fp32 everywhere else.

Whether bf16 pays depends on the CPU, the model, how deep it runs and the image size
(small octaves lose: casts and kernel set-up outweigh the arithmetic). So on a CPU
with native bf16 the first render of a model and size times a few gradient steps
in fp32 and in bf16 at each octave size, largest first, and stops at the first
size where bf16 is not clearly faster: the octaves from there down stay fp32. The
figures are cached per model, deepest layer, CPU, torch version and thread count in
``$XDG_CACHE_HOME/dreamvideo/precision.json`` (``~/.cache`` by default), so later
renders start at once. Without native bf16 (emulated bf16 is far slower) no probe runs.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import torch

from ..core.dream import Dreamer
from ..core.precision import Precision, fixed, native_bf16
from ..errors import DreamError
from ..media.files import atomic
from ..models.device import memory_format

MIN_PIXELS = 64 * 64  # smaller octaves are not probed and stay fp32 (tiny frames: bf16 never pays)
MARGIN = 0.95           # bf16 must take under 95% of fp32's time: a tie is not worth the rounding
REPEATS, SLOW_STEP = 3, 2.0  # timed steps per precision and size; 1 when a step takes over SLOW_STEP s

Sizes = Sequence[tuple[int, int]]
Timings = dict[str, list[float | None]]  # "HxW": [fp32 s, bf16 s or None when bf16 failed]


def cache_file() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "dreamvideo" / "precision.json"


def cpu_name() -> str:
    """The CPU's model name (what decides bf16 speed), as the OS reports it."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cache_scope(dreamer: Dreamer) -> str:
    """What a probe's figures hold for: model and its deepest stage, CPU, torch, threads, gradient path."""
    model = dreamer.model
    return (f"{model.name}:{model.stage_names[-1]} | {cpu_name()} | torch {torch.__version__} | "
            f"{torch.get_num_threads()} thread(s) | {dreamer.gradient_path}")


def read_cache(path: Path) -> dict[str, Timings]:
    """The cache's scopes; anything unreadable or malformed reads as nothing (it is probed again)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {scope: timings for scope, timings in data.items() if isinstance(timings, dict)}


def write_cache(path: Path, scope: str, timings: Timings) -> None:
    """Merge ``timings`` into the cache; a cache that cannot be written only costs the next probe."""
    data = read_cache(path)
    data[scope] = {**data.get(scope, {}), **timings}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic(path) as tmp:
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    except (OSError, DreamError):
        pass


def _seconds(dreamers: Sequence[Dreamer], image: torch.Tensor, repeats: int) -> list[float]:
    """The fastest of ``repeats`` gradient steps of each dreamer, taken in turns (load hits all alike)."""
    best = [float("inf")] * len(dreamers)
    for _ in range(repeats):
        for i, dreamer in enumerate(dreamers):
            started = time.perf_counter()
            dreamer.gradient(image, dreamer.objective(None))
            best[i] = min(best[i], time.perf_counter() - started)
    return best


def measure(dreamer: Dreamer, size: tuple[int, int]) -> list[float | None]:
    """Seconds per gradient step at ``size``: [fp32, bf16], bf16 None where it fails on this CPU."""
    image = torch.rand(1, 3, *size, generator=torch.Generator().manual_seed(0))
    image = image.to(dreamer.device).contiguous(memory_format=memory_format(dreamer.device))
    fp32, bf16 = (Dreamer(dreamer.model, Precision(name), dreamer.tile) for name in ("fp32", "bf16"))
    warm = _seconds([fp32], image, 1)[0]  # also builds oneDNN's kernels for this shape
    try:
        _seconds([bf16], image, 1)
    except RuntimeError:  # "DNNL does not support bf16/f16 backward" on some CPUs (torch #148861)
        return [round(warm, 4), None]
    figures = _seconds([fp32, bf16], image, 1 if warm > SLOW_STEP else REPEATS)
    return [round(x, 4) for x in figures]


def probe(dreamer: Dreamer, sizes: Sizes, cache: Path) -> tuple[Precision, Timings, bool]:
    """The precision the figures support, the figures, and whether they all came from ``cache``."""
    scope = cache_scope(dreamer)
    known = read_cache(cache).get(scope, {})
    timings: Timings = {}
    min_pixels = 0
    for h, w in sizes:
        key = f"{w}x{h}"
        figures = known.get(key)
        timings[key] = figures if _valid(figures) else measure(dreamer, (h, w))
        fp32, bf16 = timings[key]
        if bf16 is None or bf16 >= MARGIN * fp32:
            break
        min_pixels = h * w
    fresh = {k: v for k, v in timings.items() if known.get(k) != v}
    if fresh:
        write_cache(cache, scope, fresh)
    return Precision("bf16", min_pixels) if min_pixels else Precision("fp32"), timings, not fresh


def _valid(figures: Any) -> bool:
    return (isinstance(figures, list) and len(figures) == 2 and isinstance(figures[0], (int, float))
            and (figures[1] is None or isinstance(figures[1], (int, float))))


def candidate_sizes(sizes: Sizes, tile: int) -> list[tuple[int, int]]:
    """The octave sizes worth probing, largest first: as the gradient sees them (tiles), big enough."""
    seen = {(min(h, tile) if tile else h, min(w, tile) if tile else w) for h, w in sizes}
    return sorted((s for s in seen if s[0] * s[1] >= MIN_PIXELS), key=lambda s: -s[0] * s[1])


def choose(asked: str, dreamer: Dreamer, sizes: Sizes, note: Callable[[str], None]) -> tuple[Precision, dict]:
    """The precision a render's octaves (``sizes``) run in, and what the sidecar records of it."""
    on_cpu = dreamer.device.type == "cpu"
    if asked != "auto" or not on_cpu:
        plan = fixed(asked, dreamer.device)
        if on_cpu and plan.name == "bf16" and not native_bf16():
            note("`precision` bf16 on a CPU without native bf16: it is emulated, usually slower than fp32")
        return plan, {"used": plan.name}
    if not native_bf16():
        return Precision("fp32"), {"used": "fp32", "why": "this CPU has no native bf16"}
    wanted = candidate_sizes(sizes, dreamer.tile)
    if not wanted:
        return Precision("fp32"), {"used": "fp32", "why": "frames too small for bf16 to pay"}
    plan, timings, cached = probe(dreamer, wanted, cache_file())
    record: dict[str, Any] = {"used": plan.name, "probe_cached": cached,
                              "probe": {k: {"fp32_s": v[0], "bf16_s": v[1]} for k, v in timings.items()}}
    if plan.min_pixels and any(h * w < plan.min_pixels for h, w in sizes):
        record["bf16_from_pixels"] = plan.min_pixels
    note(describe(record))
    return plan, record


def describe(record: dict[str, Any]) -> str:
    """One line: what auto chose and the probe's figures behind it."""
    speeds = ", ".join(f"{size} {f['fp32_s'] / f['bf16_s']:.2f}x" if f["bf16_s"] else f"{size} bf16 failed"
                       for size, f in record["probe"].items())
    smaller = " (octaves under {} px in fp32)".format(record["bf16_from_pixels"]) if "bf16_from_pixels" in record else ""
    where = "cached probe" if record["probe_cached"] else "probe"
    return f"`precision` auto: {record['used']}{smaller}; bf16 speed over fp32 per step ({where}): {speeds}"
