"""Studio speed, as the page sees it: a real `dreamvideo studio` process asked over HTTP.

One studio is started on a temporary folder holding a photo (Images/chelsea.jpg), with
torch limited to ``--threads`` (OMP_NUM_THREADS; the studio lowers torch's threads to it):

- first preview: from launching the process until the first preview (256 px) comes back,
  torch's import and the model's build included
- preview: the same preview again, the model warm (median of ``--repeat``)
- atlas: the default 6 layers of the bundled model at 160 px (a new seed each time, so
  nothing comes from the atlas cache; median of ``--repeat``)
- grid: 3x3 at 160 px, layers x step size (a new seed each time; median of ``--repeat``)

Every dream uses the form's defaults (4 octaves, 10 steps) unless ``--settings`` says
otherwise. Goals (issue 29), 2 CPU cores, bundled model: preview <= 1.5 s, atlas <= 8 s,
grid <= 12 s, first preview <= 10 s. The last atlas and grid go to --sheets as PNG sheets,
to look at before believing a number.

dreamvideo lets torch's threads spin only briefly before they sleep (GOMP_SPINCOUNT=10000 unless
OMP_WAIT_POLICY or GOMP_SPINCOUNT is set; see bench_wait.py); ``--omp-wait-policy`` measures
OpenMP's own policies instead.

    python benchmarks/bench_studio.py [--threads 2] [--repeat 3] [--settings '{"octaves": 2}']
        [--omp-wait-policy active|passive]
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, parser, sheet, start  # noqa: E402

GOALS = {"first preview": 10.0, "preview": 1.5, "atlas": 8.0, "grid": 12.0}
GRID = {"x": {"field": "layers", "values": ["block3", "block6", "block10"]},
        "y": {"field": "step_size", "values": [0.03, 0.06, 0.12]}}


class Studio:
    """A `dreamvideo studio` child on a free port, asked over HTTP with its token."""

    def __init__(self, folder: Path, threads: int, wait_policy: str | None = None) -> None:
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONPATH": str(ROOT),
               **({"OMP_WAIT_POLICY": wait_policy} if wait_policy else {})}
        self.started = time.perf_counter()
        self.process = subprocess.Popen([sys.executable, "-m", "dreamvideo", "studio", str(folder), "--port", "0",
                                         "--no-browser"], stdout=subprocess.PIPE, env=env, text=True)
        line = self.process.stdout.readline()
        found = re.search(r"http://([\d.]+:\d+)/\?token=(\S+)", line)
        if not found:
            self.process.kill()
            raise SystemExit(f"the studio did not print its URL: {line!r}")
        self.base, self.token = f"http://{found[1]}", found[2]

    def ask(self, path: str, body: dict | None = None) -> bytes:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data, {"x-studio-token": self.token,
                                                                 "content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.read()

    def picture(self, url: str) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(self.ask(url))).convert("RGB"))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def timed_ask(studio: Studio, path: str, body: dict) -> tuple[bytes, float]:
    began = time.perf_counter()
    answer = studio.ask(path, body)
    return answer, time.perf_counter() - began


def measure(studio: Studio, settings: dict, repeat: int) -> tuple[dict[str, float], dict, dict]:
    """Median seconds of each warm measure, and the last atlas and grid answers."""
    preview = {"kind": "still", "input": "cat.jpg", "settings": settings}
    times: dict[str, list[float]] = {"preview": [], "atlas": [], "grid": []}
    atlas = grid = {}
    for seed in range(1, repeat + 1):
        times["preview"].append(timed_ask(studio, "/api/preview", preview)[1])
        answer, seconds = timed_ask(studio, "/api/atlas", {"input": "cat.jpg", "size": 160,
                                                           "settings": {**settings, "seed": seed}})
        atlas = json.loads(answer)
        times["atlas"].append(seconds)
        answer, seconds = timed_ask(studio, "/api/grid", {"input": "cat.jpg", "size": 160, **GRID,
                                                          "settings": {**settings, "seed": seed}})
        grid = json.loads(answer)
        times["grid"].append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}, atlas, grid


def sheets(studio: Studio, atlas: dict, grid: dict, folder: Path) -> None:
    row = [studio.picture(entry["image"]) for entry in atlas["layers"]]
    sheet(folder / "atlas.png", [row], ["chelsea"], [entry["layer"] for entry in atlas["layers"]])
    cells = [studio.picture(cell["image"]) for cell in grid["cells"]]
    rows = [cells[i:i + 3] for i in range(0, len(cells), 3)]
    labels = [f"step {cell['y']}" for cell in grid["cells"][::3]]
    sheet(folder / "grid.png", rows, labels, [str(cell["x"]) for cell in grid["cells"][:3]])


def main() -> None:
    made = parser(__doc__)
    made.set_defaults(threads=2)
    made.add_argument("--repeat", type=int, default=3)
    made.add_argument("--settings", type=json.loads, default={}, help="settings for every dream, as JSON")
    made.add_argument("--sheets", type=Path, default=Path("/tmp/bench_studio"))
    made.add_argument("--omp-wait-policy", choices=("active", "passive"),
                      help="the studio's OMP_WAIT_POLICY (default: unset, so dreamvideo's brief spinning applies)")
    args = made.parse_args()
    start(args)
    folder = Path(tempfile.mkdtemp(prefix="bench-studio-"))
    shutil.copy(ROOT / "Images" / "chelsea.jpg", folder / "cat.jpg")
    studio = Studio(folder, args.threads, args.omp_wait_policy)
    try:
        studio.ask("/api/preview", {"kind": "still", "input": "cat.jpg", "settings": args.settings})
        figures = {"first preview": time.perf_counter() - studio.started}
        warm, atlas, grid = measure(studio, args.settings, args.repeat)
        sheets(studio, atlas, grid, args.sheets)
    finally:
        studio.stop()
        shutil.rmtree(folder, ignore_errors=True)
    for name, seconds in {**figures, **warm}.items():
        verdict = "met" if seconds <= GOALS[name] else "MISSED"
        print(f"{name:14} {seconds:6.2f} s   goal <= {GOALS[name]:4.1f} s   {verdict}", flush=True)


if __name__ == "__main__":
    main()
