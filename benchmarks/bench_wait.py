"""How torch's OpenMP threads should wait: spinning (OpenMP's default) or sleeping (``OMP_WAIT_POLICY=PASSIVE``).

Runs the README's first quick-start command (a zoom from noise, here ``--frames F --size S``) as a fresh process with
2 threads, alternating the two wait policies, on a quiet machine and beside a competing busy process (an
artist's laptop playing music or exporting in another app: one core kept busy). Prints seconds per run
and the passive/default ratio in each condition. dreamvideo sets PASSIVE itself unless the user set
``OMP_WAIT_POLICY``; this benchmark sets the variable explicitly for both arms.
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


def one_run(policy: str, frames: int, size: int, out: Path) -> float:
    env = {**os.environ, "OMP_WAIT_POLICY": policy, "OMP_NUM_THREADS": "2", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "dreamvideo", "zoom", "--frames", str(frames), "--size", f"{size}x{size}",
               "-o", str(out), "--precision", "fp32"]
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def condition(label: str, args, busy: bool) -> None:
    helper = subprocess.Popen([sys.executable, "-c", BUSY]) if busy else None
    times: dict[str, list[float]] = {"ACTIVE": [], "PASSIVE": []}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for run in range(args.repeats):
                for policy in times:  # a new output each run: an existing one would resume, not render
                    out = Path(tmp) / f"dive-{policy}-{run}.mp4"
                    times[policy].append(one_run(policy, args.frames, args.size, out))
    finally:
        if helper is not None:
            helper.kill()
    active, passive = (statistics.median(times[p]) for p in ("ACTIVE", "PASSIVE"))
    print(f"{label:28} spin (ACTIVE) {active:7.1f} s   sleep (PASSIVE) {passive:7.1f} s   "
          f"speed-up {active / passive:5.2f}x   runs {times}", flush=True)


def main() -> None:
    made = parser(__doc__)
    made.add_argument("--frames", type=int, default=24)
    made.add_argument("--size", type=int, default=256)
    made.add_argument("--repeats", type=int, default=2)
    args = made.parse_args()
    print(f"load before: {os.getloadavg()[0]:.1f}; zoom {args.frames} frames at {args.size} px, 2 threads, fp32")
    condition("quiet machine", args, busy=False)
    condition("one core busy elsewhere", args, busy=True)


if __name__ == "__main__":
    main()
