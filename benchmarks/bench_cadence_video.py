"""Video cadence on real footage: cadence 1, 2 and 3 through the render's own video plan, one run.

For each clip and step count the three cadences run back to back on the same frames in one
process (the ratios to cadence 1 are what count; absolute times depend on the shared CPU):

- s/frame and speed-up over cadence 1: CPU seconds of this process (the plan's whole cost: dreams,
  flows, warps, the meter). On a CPU shared with other jobs wall time swings by 1.5x between
  back-to-back runs; with one torch thread CPU time is the work done.
- flicker: mean |out[t] - out[t-1]| / mean |in[t] - in[t-1]|, and its ratio to cadence 1's
- warp err: Lai et al.'s masked warping error (x1000), which does not count texture that
  correctly moves with the scene as change
- strength: the dreamed layers' activation gain over the input, and its ratio to cadence 1's

A frame sheet per clip and step count (input, cadence 1, 2, 3; 6 consecutive frames) goes to
--sheets.

    python benchmarks/bench_cadence_video.py [--threads 1] [--steps 3 10] [--frames 24] [--clips ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import clip_path, clips, parser, ratios, sheet, start  # noqa: E402
import measures  # noqa: E402
from dreamvideo.motion import flow, metrics  # noqa: E402
from dreamvideo.render import Engine, RunOptions  # noqa: E402
from dreamvideo.render.store import FrameStore  # noqa: E402
from dreamvideo.render.video_plan import VideoPlan  # noqa: E402
from dreamvideo.settings import Settings, resolve  # noqa: E402


def render(engine: Engine, settings: Settings, inputs: list[np.ndarray]) -> tuple[list[np.ndarray], float]:
    """The clip through the video plan (as `render_video` runs it, less decoding and PNGs); CPU s/frame."""
    with tempfile.TemporaryDirectory() as scratch:
        plan = VideoPlan(engine, settings, iter(inputs), len(inputs), FrameStore(Path(scratch), {"kind": "bench"}))
        start = time.process_time()
        outputs = [plan.make(index, lambda _: None) for index in plan.indices()]
        return outputs, (time.process_time() - start) / len(inputs)


def flow_check(inputs: list[np.ndarray], span: int) -> tuple[float, float]:
    """How well one flow over ``span`` frames moves frame k onto frame k + span, against chaining
    ``span`` one-frame flows: masked mean |warped - target| in grey levels (lower is better)."""
    direct, chained = [], []
    for k in range(0, len(inputs) - span, span):
        target = inputs[k + span]
        back, mask = flow.trusted_pair(target, inputs[k])
        field = np.zeros_like(back)   # compose target -> k+span-1 -> ... -> k
        for step in range(span):
            one, _ = flow.flow_pair(inputs[k + span - step], inputs[k + span - step - 1])
            field = field + flow.warp(one, field)
        for out, f in ((direct, back), (chained, field)):
            error = np.abs(flow.warp(inputs[k], f).astype(np.float32) - target).mean(-1)
            out.append(float((error * mask).sum() / max(mask.sum(), 1.0)))
    return float(np.mean(direct)), float(np.mean(chained))


def energy_of(engine: Engine, frame: np.ndarray):
    return metrics.activation_energy(engine.model, engine.dreamer.objective(engine.objective_at(0, frame)))


def compare(engine: Engine, settings: Settings, inputs: list[np.ndarray], cadences: list[int],
            energy) -> tuple[dict[str, dict[str, float]], list[list[np.ndarray]]]:
    """Every cadence on the same frames; cadence 1 is timed again after the others and averaged,
    so a load that drifts during the run does not favour either side."""
    runs = {c: render(engine, settings.model_copy(update={"cadence": c}), inputs) for c in cadences}
    again = render(engine, settings, inputs)
    assert all(np.array_equal(a, b) for a, b in zip(runs[1][0], again[0]))
    runs[1] = (again[0], (runs[1][1] + again[1]) / 2)
    figures = {f"cadence {c}": {"s/frame": seconds, "flicker": measures.flicker_ratio(inputs, outputs),
                                "warp err": measures.warp_error(inputs, outputs),
                                "strength": measures.strength(inputs, outputs, energy)}
               for c, (outputs, seconds) in runs.items()}
    return figures, [inputs, *(outputs for outputs, _ in runs.values())]


def main() -> int:
    args = parser(__doc__)
    args.add_argument("--clips", nargs="+", default=list(clips.CLIPS))
    args.add_argument("--steps", nargs="+", type=int, default=[3, 10])
    args.add_argument("--frames", type=int, default=24)
    args.add_argument("--size", type=int, default=320)
    args.add_argument("--cadences", nargs="+", type=int, default=[1, 2, 3])
    args.add_argument("--sheets", type=Path, default=Path("bench-sheets"))
    args = args.parse_args()
    start(args)
    for name in args.clips:
        inputs = clips.frames(clip_path(name), args.frames, args.size)
        h, w = inputs[0].shape[:2]
        print(f"\n{name}: {len(inputs)} frames {w}x{h}; input warp error {measures.warp_error(inputs, inputs):.2f}")
        for span in (2, 3):
            print("  flow over %d frames, masked error in grey levels: one flow %.2f, chained %.2f"
                  % (span, *flow_check(inputs, span)))
        for steps in args.steps:
            settings = resolve(None, {"steps": steps, "seed": 0})
            engine = Engine(settings, RunOptions(device="cpu"))
            render(engine, settings, inputs[:2])   # warm-up: the first frames of a process are slower
            figures, rows = compare(engine, settings, inputs, args.cadences, energy_of(engine, inputs[0]))
            print(f"  steps {steps} (CPU s/frame)\n{ratios(figures, 'cadence 1')}", flush=True)
            sheet(args.sheets / f"cadence-{name}-steps{steps}.png", [r[3:9] for r in rows],
                  labels=["input", *figures], columns=[f"frame {i}" for i in range(3, 9)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
