"""Zoom cadence: dream every N-th frame, move and cross-fade between. Speed, strength, sharpness.

The zoom part (this file's ``zoom_*`` functions; a video part may sit beside them)
runs the real zoom plan (:class:`dreamvideo.render.zoom_plan.ZoomPlan`) for cadence
1, 2, 3, 4, and cadence 3 with the in-between frames made by *chaining* one
resample per frame instead of one composed resample from the keyframe. All share
one model and frame 0 (the full dream of seeded noise); later frames are made
interleaved, frame by frame, so machine load hits every variant alike. Default
settings, bundled model at its default layer, zoom 1.04 per frame.

- seconds per output frame (all frames, the first's full dream included) and the speed-up;
- strength: mean squared activation at the dreamed layer over output frames 10
  onward, and its ratio to cadence 1's;
- texture (``measures.texture``, mean |x - blur(x)|) of keyframes and of
  in-between frames, frames 10 onward: how much the in-betweens soften;
- the motion preview of the same zoom (``render_zoom`` with ``preview``): seconds per
  frame and how many times faster than cadence 1's dreamed frames;
- a frame sheet: every variant at frames 60-64 (keyframes and in-betweens) and the last.

    python benchmarks/bench_cadence.py [--size 256] [--frames 120] [--threads 1] [--sheet Images/examples/zoom-cadence.jpg]
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import wave
from pathlib import Path

import harness
import numpy as np
import torch
from measures import texture
from PIL import Image, ImageDraw

from dreamvideo.core.transforms import to_tensor, to_uint8, warp_affine, zoom
from dreamvideo.media.sources import noise
from dreamvideo.motion.camera import Camera
from dreamvideo.render import Engine, RunOptions, render_zoom
from dreamvideo.render.zoom_plan import ZoomPlan, detail_crossfade
from dreamvideo.render.store import FrameStore
from dreamvideo.render.zoom import KEY_STEP, engine_dream, timeline
from dreamvideo.settings import resolve

SHEET = (60, 61, 62, 63, 64)


def crossfade(a: np.ndarray, b: np.ndarray, weight: float | np.ndarray) -> np.ndarray:
    """The plain fade measured against the plan's detail-keeping one: ``(1 - weight) * a + weight * b``."""
    if np.isscalar(weight) and weight >= 1:
        return b
    mixed = a.astype(np.float32) * (1 - weight) + b.astype(np.float32) * weight
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


class ChainedCamera:
    """The camera with in-betweens made by one resample per frame (the alternative measured)."""

    def __init__(self, camera: Camera) -> None:
        self.camera = camera

    def moved(self, frame: np.ndarray, first: int, last: int) -> np.ndarray:
        for index in range(first, last + 1):
            move = self.camera.at(index)
            frame = to_uint8(zoom(to_tensor(frame), move["factor"], move["rotate"], move["translate"],
                                  move["center"]))
        return frame

    def moved_back(self, frame: np.ndarray, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        cover = np.ones(frame.shape[:2] + (1,), np.float32)
        for index in range(last, first - 1, -1):
            frame, step_cover = self.camera.moved_back(frame, index, index)
            cover = cover * step_cover  # close enough for a comparison of sharpness
        return frame, cover


class ResampledCamera:
    """The camera's composed moves, resampled with another ``mode`` (e.g. bicubic) than the plan's bilinear."""

    def __init__(self, camera: Camera, mode: str) -> None:
        self.camera, self.mode = camera, mode

    def moved(self, frame: np.ndarray, first: int, last: int) -> np.ndarray:
        if first > last:
            return frame
        matrix = self.camera.matrix(first, last, *frame.shape[:2])
        return to_uint8(warp_affine(to_tensor(frame), matrix, mode=self.mode))

    def moved_back(self, frame: np.ndarray, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        if first > last:
            return self.camera.moved_back(frame, first, last)
        height, width = frame.shape[:2]
        inverse = np.linalg.inv(self.camera.matrix(first, last, height, width))
        cover = warp_affine(torch.ones(1, 1, height, width), inverse, padding="zeros")[0].permute(1, 2, 0).numpy()
        return to_uint8(warp_affine(to_tensor(frame), inverse, mode=self.mode)), cover


class BenchPlan(ZoomPlan):
    """The zoom plan with the variants measured against it: lagged keys (Deforum's turbo: the key
    dreamed for a window's first frame and moved forward, so each output is a resample of a dream)
    and another fade."""

    def __init__(self, *args, lagged: bool, fade, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lagged, self.fade = lagged, fade

    def _key(self, start: int, end: int, base: np.ndarray, advance) -> np.ndarray:
        return super()._key(start, start if self.lagged else end, base, advance)

    def _moved_key(self, index: int):
        if not self.lagged:
            return super()._moved_key(index)
        return self.camera.moved(self.key, self.start + 1, index), 1.0


class Variant:
    """One zoom plan, its timings and its kept frames."""

    def __init__(self, name: str, plan: ZoomPlan, cadence: int) -> None:
        self.name, self.plan, self.cadence = name, plan, cadence
        self.seconds: list[float] = []
        self.frames: list[np.ndarray] = []

    def make(self, index: int) -> None:
        start = time.perf_counter()
        frame = self.plan.make(index, lambda n: None)
        self.seconds.append(time.perf_counter() - start)
        self.frames.append(frame)


# name: (label, cadence, chained resamples, key frame_steps (0: the default), lagged keys, resample, fade,
#        key step-size factor)
SPECS = {"1": ("cadence 1", 1, False, 0, False, "bilinear", detail_crossfade, 1.0),
         "2": ("cadence 2", 2, False, 0, False, "bilinear", detail_crossfade, KEY_STEP),
         "3": ("cadence 3", 3, False, 0, False, "bilinear", detail_crossfade, KEY_STEP),
         "4": ("cadence 4", 4, False, 0, False, "bilinear", detail_crossfade, KEY_STEP),
         "3s1": ("cadence 3 step x1", 3, False, 0, False, "bilinear", detail_crossfade, 1.0),
         "3s2": ("cadence 3 step x2", 3, False, 0, False, "bilinear", detail_crossfade, 2.0),
         "3c": ("cadence 3 chained", 3, True, 0, False, "bilinear", detail_crossfade, KEY_STEP),
         "3l": ("cadence 3 lagged", 3, False, 0, True, "bilinear", detail_crossfade, KEY_STEP),
         "3k4": ("cadence 3 keys x4", 3, False, 4, False, "bilinear", detail_crossfade, KEY_STEP),
         "3b": ("cadence 3 bicubic", 3, False, 0, False, "bicubic", detail_crossfade, KEY_STEP),
         "3f": ("cadence 3 plain fade", 3, False, 0, False, "bilinear", crossfade, KEY_STEP)}


def zoom_variants(settings, size: int, work: Path, specs: list) -> tuple[Engine, list[Variant]]:
    engine = Engine(settings, RunOptions(device="cpu"))
    origin = noise(size, size, settings.seed)
    times, _ = timeline(settings)
    octaves = engine.check_size(size, size)
    variants = []
    for name, cadence, chained, key_steps, lagged, resample, fade, key_step in specs:
        keyed = settings.model_copy(update={"frame_steps": key_steps or settings.frame_steps})
        dream, steps = engine_dream(engine, keyed, octaves, times.frames, key_step)
        camera = Camera(settings, times)
        moves = ChainedCamera(camera) if chained else camera
        moves = moves if resample == "bilinear" or cadence == 1 else ResampledCamera(camera, resample)
        store = FrameStore(work / name.replace(" ", "_"), {"bench": name})
        plan = BenchPlan(dream, origin, moves, store, total=times.frames, steps=steps, cadence=cadence,
                         lagged=lagged, fade=fade)
        variants.append(Variant(name, plan, cadence))
    return engine, variants


def zoom_run(settings, size: int, work: Path, specs: list) -> tuple[Engine, list[Variant]]:
    """Every variant makes every frame, frame 0 included (each dreams its own first key), interleaved."""
    engine, variants = zoom_variants(settings, size, work, specs)
    for index in range(variants[0].plan.total):
        for variant in variants:
            variant.make(index)
        if index % 10 == 0:
            print(f"  frame {index}/{variants[0].plan.total - 1}, load {os.getloadavg()[0]:.1f}", flush=True)
    return engine, variants


def zoom_report(engine: Engine, variants: list[Variant]) -> float:
    """Prints the table; returns cadence 1's seconds per frame."""
    layer = engine.model.requested[0]

    def energy(frame: np.ndarray) -> float:
        with torch.no_grad():
            return float(engine.model(to_tensor(frame))[layer].float().pow(2).mean())

    base_s = statistics.mean(variants[0].seconds)
    base_e = None
    print("\nvariant             s/frame  speed-up  strength(10-)  vs c1   texture key / between")
    for v in variants:
        s = statistics.mean(v.seconds)
        e = statistics.mean(energy(f) for f in v.frames[10:])
        base_e = base_e or e
        keys = [texture(f) for i, f in enumerate(v.frames) if i >= 10 and (i + 1) % v.cadence == 0]
        between = [texture(f) for i, f in enumerate(v.frames) if i >= 10 and (i + 1) % v.cadence]
        tb = f"{statistics.mean(between):.2f}" if between else "-"
        print(f"  {v.name:<18} {s:7.3f}   {base_s / s:6.2f}x   {e:10.3f}   {e / base_e:5.2f}x   "
              f"{statistics.mean(keys):.2f} / {tb}")
    return base_s


def preview_speed(settings, work: Path, dreamed_s: float) -> None:
    """The preview of the same zoom: seconds per frame against cadence 1's dreamed frames."""
    start = time.perf_counter()
    render_zoom(settings.model_copy(update={"preview": True}), "noise", work / "preview.mp4", RunOptions())
    s = (time.perf_counter() - start) / timeline(settings)[0].frames
    print(f"\npreview: {s:.4f} s/frame (encoding included), {dreamed_s / s:.0f}x faster than dreamed frames")


def zoom_sheet(variants: list[Variant], path: Path, cell: int = 128) -> None:
    columns = [i for i in SHEET if i < len(variants[0].frames)] + [len(variants[0].frames) - 1]
    label_w = 130
    out = Image.new("RGB", (label_w + cell * len(columns), 20 + cell * len(variants)), "white")
    draw = ImageDraw.Draw(out)
    for c, index in enumerate(columns):
        draw.text((label_w + c * cell + 4, 4), f"frame {index}", fill="black")
    for r, v in enumerate(variants):
        y = 20 + r * cell
        draw.text((4, y + cell // 2 - 6), v.name, fill="black")
        for c, index in enumerate(columns):
            kind = "key" if (index + 1) % v.cadence == 0 or v.cadence == 1 else "between"
            tile = Image.fromarray(v.frames[index]).resize((cell, cell), Image.Resampling.LANCZOS)
            out.paste(tile, (label_w + c * cell, y))
            draw.text((label_w + c * cell + 3, y + cell - 12), kind, fill="white")
    out.save(path, quality=85)
    print(f"sheet: {path}")


def click_track(path: Path, seconds: float, rate: int = 22050) -> Path:
    """A WAV of clicks every 0.5 s over a quiet hum: beats for a music preset's expressions."""
    t = np.arange(int(seconds * rate)) / rate
    samples = 0.05 * np.sin(2 * np.pi * 60 * t)
    for start in np.arange(0.25, seconds, 0.5):
        i = int(start * rate)
        samples[i:i + 400] += 0.9 * np.hanning(400) * np.sign(np.sin(np.arange(400)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((samples.clip(-1, 1) * 32767).astype("<i2").tobytes())
    return path


def main() -> None:
    parser = harness.parser(__doc__)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--variants", nargs="+", default=["1", "2", "3", "4", "3s1", "3c", "3l", "3f"],
                        choices=sorted(SPECS),
                        help="cadence 1..4; cadence 3 with: 3s1/3s2 key step x1/x2, 3c chained resamples, "
                             "3l lagged keys, 3k4 4 key steps, 3b bicubic, 3f a plain cross-fade")
    parser.add_argument("--no-preview", action="store_true")
    parser.add_argument("--preset", help="a shipped preset instead of the default settings (e.g. music-dive)")
    parser.add_argument("--clicks", type=float, default=0, help="seconds of a click track as --audio")
    parser.add_argument("--sheet", type=Path, default=Path("Images/examples/zoom-cadence.jpg"))
    args = parser.parse_args()
    harness.start(args)
    overrides = {"size": f"{args.size}x{args.size}", "frames": args.frames, "seed": 0}
    with tempfile.TemporaryDirectory() as work:
        if args.clicks:  # a music preset: its expressions read the clicks' onsets and bass
            overrides["audio"] = str(click_track(Path(work) / "clicks.wav", args.clicks))
            del overrides["frames"]
        settings = resolve(args.preset, overrides if args.preset else {**overrides, "zoom": 1.04})
        print(f"zoom {timeline(settings)[0].frames} frames at {args.size}x{args.size}, "
              f"{args.preset or 'default settings, zoom 1.04'}", flush=True)
        engine, variants = zoom_run(settings, args.size, Path(work), [SPECS[v] for v in args.variants])
        zoom_sheet(variants, args.sheet)
        dreamed_s = zoom_report(engine, variants)
        if not args.no_preview:
            preview_speed(settings, Path(work), dreamed_s)
    print(f"load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
