"""`precision` auto against fp32 on this CPU: the goal table of issue 27, in one run.

Each case renders the same thing with `precision: fp32` and with `precision: auto`, and, where
the model is EfficientNet-Lite, with fp32 through autograd as before the hand-written gradient
(``models/lite_gradient.py``): "before", the issue's "today's fp32" and the goal's baseline.
Runs alternate (before, fp32, auto, before ...; load on a shared machine hits all alike),
``--repeats`` times, and the fastest run of each is kept:

- zoom:  the README's command 1 (bundled model, default settings, 256x256), ``--zoom-frames`` frames
- vgg19: the same zoom with ``--model vgg19`` at 224x224, random weights (speed does not depend
         on them; both precisions get the same ones), ``--vgg-frames`` frames
- video: the default ``video`` (pyramid coherence) of bigbuckbunny at 320 px, ``--video-frames`` frames
- avx2:  the zoom again in a child process with ``ONEDNN_MAX_CPU_ISA=AVX2`` (oneDNN then emulates
         bf16) and the capability check patched to "no native bf16": auto must stay fp32, no slower

Printed per case: frames/s of each (the whole render: model, probe, dream, encode), the
speed-up of auto over "before" against the issue's goal, auto over today's fp32, what auto chose, and the strength ratio
auto / fp32 (zoom: the dreamed layer's activation gain over the zoomed previous frame, as
bench_zoom.py measures it; video: the render's own strength figure), which must stay within
+-10%. A PNG sheet shows fp32 and auto frames of every case one above the other.

The probe's cache is a fresh temporary folder: the first auto run of a case pays for its
probe (printed as "first auto"), later ones read the cache, as a user's next render does.

    python benchmarks/bench_precision.py                        # the full table, about 5-8 min on a quiet CPU
    python benchmarks/bench_precision.py --cases zoom --zoom-frames 4 --zoom-size 128 --repeats 1  # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from harness import clip_path, parser, sheet, start

from dreamvideo.core.transforms import to_tensor, to_uint8, zoom
from dreamvideo.media.sources import load_image
from dreamvideo.models import get_model, lite_gradient
from dreamvideo.motion.metrics import activation_energy
from dreamvideo.core.objectives import mean_square
from dreamvideo.core.precision import NATIVE_BF16
from dreamvideo.progress import Notes
from dreamvideo.render import RunOptions, layout, render_video, render_zoom
from dreamvideo.media.sequence_output import sidecar_path
from dreamvideo.settings import resolve

GOALS = {"zoom": 1.4, "vgg19": 1.8, "video": 1.3, "avx2": 1.0}
BY_HAND = lite_gradient.supports
SHEET_FRAMES = 4


def case_settings(case: str, args: Any) -> dict[str, Any]:
    if case in ("zoom", "avx2"):
        return {"size": f"{args.zoom_size}x{args.zoom_size}", "frames": args.zoom_frames}
    if case == "vgg19":
        return {"size": f"{args.vgg_size}x{args.vgg_size}", "frames": args.vgg_frames, "model": "vgg19",
                "weights": "random"}
    return {"size": args.video_size, "max_frames": args.video_frames}


def render(case: str, args: Any, run: str, work: Path) -> dict[str, Any]:
    """One render from scratch (its own folder: nothing to resume); its seconds, frames, strength, auto's note.

    ``run`` is a precision, or "before": fp32 with EfficientNet-Lite's gradient through autograd."""
    precision = "fp32" if run == "before" else run
    lite_gradient.supports = (lambda model: False) if run == "before" else BY_HAND
    settings = resolve(None, {**case_settings(case, args), "seed": 0, "precision": precision})
    work = Path(tempfile.mkdtemp(prefix=f"{case}-{run}-", dir=work))
    out, frames_dir, notes = work / "out.mp4", work / "frames", Notes()
    torch.manual_seed(0)  # random weights (vgg19): the same for every run
    started = time.perf_counter()
    if case == "video":
        render_video(settings, clip_path(args.clip), out, RunOptions(frames_dir=frames_dir), notes)
    else:
        render_zoom(settings, "noise", out, RunOptions(frames_dir=frames_dir), notes)
    seconds = time.perf_counter() - started
    frames = [load_image(frames_dir / layout.name(i)) for i in layout.indices(frames_dir)]  # not keys
    meta = yaml.safe_load(sidecar_path(out).read_text())["meta"]
    strength = meta["strength"] if case == "video" else zoom_gain(settings, frames)
    used = meta.get("precision", {}).get("used", "?")
    return {"seconds": seconds, "fps": len(frames) / seconds, "frames": frames, "strength": strength,
            "used": used, "note": next((n for n in notes.lines if "precision" in n), "")}


def zoom_gain(settings: Any, frames: list[np.ndarray]) -> float:
    """Mean activation gain of each dreamed frame over the zoomed previous frame it started from (fp32)."""
    torch.manual_seed(0)
    model = get_model(settings.model, settings.all_layers(), weights=settings.weights)
    energy = activation_energy(model, mean_square(model.requested))
    gains = [energy(after) / max(energy(to_uint8(zoom(to_tensor(before), 1.04))), 1e-12)
             for before, after in zip(frames, frames[1:])]
    return float(np.mean(gains))


def run_case(case: str, args: Any, work: Path) -> dict[str, Any]:
    lite = case_settings(case, args).get("model", "efficientnet-lite0").startswith("efficientnet-lite")
    runs: dict[str, list[dict[str, Any]]] = {**({"before": []} if lite else {}), "fp32": [], "auto": []}
    for _ in range(args.repeats):
        for precision in runs:
            runs[precision].append(render(case, args, precision, work))
            print(f"  {case} {precision}: {runs[precision][-1]['seconds']:.1f} s", flush=True)
    best = {p: max(r, key=lambda x: x["fps"]) for p, r in runs.items()}
    return {"before_fps": best.get("before", best["fp32"])["fps"], "fp32_fps": best["fp32"]["fps"],
            "auto_fps": best["auto"]["fps"],
            "first_auto_s": runs["auto"][0]["seconds"], "used": best["auto"]["used"],
            "strength": best["auto"]["strength"] / best["fp32"]["strength"], "note": best["auto"]["note"],
            "strength_before": best["auto"]["strength"] / best.get("before", best["fp32"])["strength"],
            "frames": {p: best[p]["frames"] for p in best}}


def avx2_child(args: Any) -> dict[str, Any]:
    """The zoom case in a child whose oneDNN stops at AVX2 and whose CPU says it has no native bf16."""
    command = [sys.executable, __file__, "--avx2-child", "--threads", str(args.threads), "--repeats",
               str(args.repeats), "--zoom-size", str(args.zoom_size), "--zoom-frames", str(args.avx2_frames)]
    done = subprocess.run(command, env={**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2"}, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise SystemExit(f"the AVX2 child failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(lines[-1][len("RESULT "):])


def as_child(args: Any, work: Path) -> None:
    capabilities = torch.cpu.get_capabilities()
    no_bf16 = {k: (False if k in NATIVE_BF16 else v) for k, v in capabilities.items()}
    torch.cpu.get_capabilities = lambda: no_bf16  # what a CPU without native bf16 reports
    result = run_case("avx2", args, work)
    result["frames"] = {}
    print("RESULT " + json.dumps(result), flush=True)


def report(results: dict[str, dict[str, Any]]) -> None:
    print(f"\n{'case':8} {'before f/s':>10} {'fp32 f/s':>9} {'auto f/s':>9} {'auto/before':>11} {'goal':>6} "
          f"{'auto/fp32':>9} {'strength':>9} {'auto used':>10} {'first auto s':>13}")
    for case, r in results.items():
        speed = r["auto_fps"] / r["before_fps"]
        flag = "ok" if speed >= GOALS[case] * (0.97 if case == "avx2" else 1) else "MISSED"
        strength_flag = "" if abs(r["strength"] - 1) <= 0.10 and abs(r["strength_before"] - 1) <= 0.10 else " OUT"
        print(f"{case:8} {r['before_fps']:10.3f} {r['fp32_fps']:9.3f} {r['auto_fps']:9.3f} {speed:10.2f}x "
              f"{GOALS[case]:5.1f}x {r['auto_fps'] / r['fp32_fps']:8.2f}x {r['strength']:8.3f}{strength_flag} "
              f"{r['used']:>10} {r['first_auto_s']:13.1f}  {flag}")
    for case, r in results.items():
        if r["note"]:
            print(f"  {case}: {r['note']}")


def frame_sheet(results: dict[str, dict[str, Any]], path: Path) -> None:
    rows, labels = [], []
    for case, r in results.items():
        for precision, frames in r["frames"].items():
            picks = np.linspace(0, len(frames) - 1, min(SHEET_FRAMES, len(frames))).round().astype(int)
            rows.append([frames[i] for i in picks])
            labels.append(f"{case} {precision}")
    if rows:
        sheet(path, rows, labels, cell=160)


def main() -> int:
    args_in = parser(__doc__)
    args_in.add_argument("--cases", nargs="+", default=list(GOALS), choices=list(GOALS))
    args_in.add_argument("--repeats", type=int, default=2, help="alternating fp32/auto runs per case")
    args_in.add_argument("--zoom-size", type=int, default=256)
    args_in.add_argument("--zoom-frames", type=int, default=24)
    args_in.add_argument("--vgg-size", type=int, default=224)
    args_in.add_argument("--vgg-frames", type=int, default=6)
    args_in.add_argument("--video-size", type=int, default=320)
    args_in.add_argument("--video-frames", type=int, default=12)
    args_in.add_argument("--avx2-frames", type=int, default=12)
    args_in.add_argument("--clip", default="bigbuckbunny")
    args_in.add_argument("--sheet", type=Path, default=Path("precision_sheet.png"))
    args_in.add_argument("--avx2-child", action="store_true", help=argparse.SUPPRESS)
    args = args_in.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-precision-") as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")  # a cold probe cache, inherited by the child
        start(args)
        if args.avx2_child:
            as_child(args, Path(tmp))
            return 0
        results = {}
        for case in args.cases:
            print(f"{case}:", flush=True)
            results[case] = avx2_child(args) if case == "avx2" else run_case(case, args, Path(tmp))
        report(results)
        frame_sheet(results, args.sheet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
