"""How torch's OpenMP threads should wait for each other: spin, sleep, or spin a little then sleep.

Runs the README's first quick-start command (a zoom from noise, here ``--frames F --size S``) as a fresh
process with 2 threads, alternating the ``--variants`` (``default``: libgomp's own, which spins 300,000
times then sleeps; ``active``/``passive``: OMP_WAIT_POLICY; ``spin=N``: GOMP_SPINCOUNT=N), on a quiet
machine and beside a competing busy process (an artist's laptop playing music or exporting in another
app: one core kept busy). Prints the median seconds of each variant and its speed against ``default``.
Each variant's environment is set explicitly, so dreamvideo's own choice (GOMP_SPINCOUNT=10000 unless
OMP_WAIT_POLICY or GOMP_SPINCOUNT is set) does not apply.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, parser

BUSY = "import time\nwhile True:\n    sum(i * i for i in range(10000))\n"


def variant_env(variant: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env["OMP_WAIT_POLICY"] = ""  # set but empty: libgomp's default policy, and dreamvideo leaves it alone
    if variant.startswith("spin="):
        env["GOMP_SPINCOUNT"] = variant.removeprefix("spin=")
    elif variant != "default":
        env["OMP_WAIT_POLICY"] = variant.upper()
    return env


def one_run(variant: str, frames: int, size: int, out: Path, threads: int) -> float:
    env = {**variant_env(variant), "OMP_NUM_THREADS": str(threads), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "dreamvideo", "zoom", "--frames", str(frames), "--size", f"{size}x{size}",
               "-o", str(out), "--precision", "fp32"]
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def condition(label: str, args, busy: bool) -> None:
    helper = subprocess.Popen([sys.executable, "-c", BUSY]) if busy else None
    times: dict[str, list[float]] = {variant: [] for variant in args.variants}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for run in range(args.repeats):
                for policy in times:  # a new output each run: an existing one would resume, not render
                    out = Path(tmp) / f"dive-{policy}-{run}.mp4"
                    times[policy].append(one_run(policy, args.frames, args.size, out, args.threads))
    finally:
        if helper is not None:
            helper.kill()
    medians = {variant: statistics.median(runs) for variant, runs in times.items()}
    base = medians.get("default") or next(iter(medians.values()))
    print(f"{label}: " + "   ".join(f"{variant} {seconds:.1f} s ({base / seconds:.2f}x)"
                                    for variant, seconds in medians.items()), flush=True)


def main() -> None:
    made = parser(__doc__)
    made.add_argument("--frames", type=int, default=24)
    made.add_argument("--size", type=int, default=256)
    made.add_argument("--repeats", type=int, default=2)
    made.add_argument("--variants", nargs="+", default=["default", "active", "passive", "spin=10000"])
    made.set_defaults(threads=2)  # each run's OMP_NUM_THREADS: waiting only matters with several threads
    args = made.parse_args()
    print(f"load before: {os.getloadavg()[0]:.1f}; zoom {args.frames} frames at {args.size} px, "
          f"{args.threads} threads, fp32")
    condition("quiet machine", args, busy=False)
    condition("one core busy elsewhere", args, busy=True)


if __name__ == "__main__":
    main()
