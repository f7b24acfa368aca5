"""``dreamvideo batch JOBS.yaml``: many renders at once, each a Ray task on its own GPU or cores.

The whole file is checked before anything runs (``jobs.py``: every problem as
``file: item N: field: message``), so a typo or an output that would overwrite
an input does not surface hours in. Once running, a job that fails is reported
and the others carry on. A zoom is sequential, so a batch is how zooms use many
GPUs: several looks at once.
Outputs come back through Ray's object store when the workers are on other
machines, so no shared file system is needed.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DreamError, first_line
from ..media.encode import atomic
from ..progress import Reporter, Silent
from ..render.engine import RunOptions
from ..settings.kinds import KINDS
from . import ray_backend
from .jobs import Job, load_jobs

__all__ = ["Job", "Result", "default_workers", "load_jobs", "run_batch", "run_job", "summary"]

@dataclass(frozen=True)
class Result:
    job: Job
    ok: bool
    seconds: float
    message: str  # the output path, or the one-line reason it failed


def _render(job: Job, source: Path | None, output: Path, device: str | None) -> None:
    from ..render import renderer

    given: Path | str | None = source
    if KINDS[job.kind].takes_noise:  # a zoom's origin: its start image, or noise
        given = str(source) if source else "noise"
    options = RunOptions(device=device, preset=str(job.preset) if job.preset else None)
    renderer(job.kind)(job.settings, given, output, options)


def run_job(job: Job, source: Any, local: bool, device: str | None) -> tuple[bool, float, Any]:
    """Worker side: render one job; a user error is a result, not a crash.

    On a local runtime the job writes its output in place (published atomically by
    the render); on a cluster it renders into a temporary folder and returns the
    output and sidecar as bytes, for the driver to write.
    """
    started = time.perf_counter()
    path = ray_backend.materialise(source) if source is not None else None
    try:
        if local:
            _render(job, path, job.output, device)
            return True, time.perf_counter() - started, None
        with tempfile.TemporaryDirectory(prefix="dreamvideo-job-") as tmp:
            output = Path(tmp) / job.output.name
            _render(job, path, output, device)
            sidecar = output.with_name(output.name + ".yaml")
            return True, time.perf_counter() - started, (output.read_bytes(), sidecar.read_bytes())
    except (DreamError, OSError) as exc:
        return False, time.perf_counter() - started, first_line(exc)


def _publish(job: Job, files: tuple[bytes, bytes] | None) -> None:
    """Write what a remote worker sent back: sidecar first, output last, each atomically."""
    if files is None:
        return
    output, sidecar = files
    for path, data in ((job.output.with_name(job.output.name + ".yaml"), sidecar), (job.output, output)):
        with atomic(path) as tmp:
            tmp.write_bytes(data)


def default_workers(address: str | None) -> int:
    """Without --workers: every GPU here (MPS counts as one), else every usable core; or all of a cluster's."""
    if address:
        return 0
    from ..render.hardware import local_gpus, usable_cpus

    return local_gpus() or usable_cpus()


def run_batch(jobs: list[Job], workers: int, address: str | None = None, device: str | None = None,
              progress: Reporter = Silent()) -> list[Result]:
    """Every job as a Ray task, all at once; results in job order, failures included."""
    ray = ray_backend.ray_module()
    advance = progress.task("jobs", len(jobs))
    results: dict[int, Result] = {}
    started = time.perf_counter()
    with ray_backend.connect(workers, address) as cluster:
        remote = ray.remote(max_retries=ray_backend.RETRIES)(run_job).options(**cluster.task_options)
        refs = {remote.remote(job, ray_backend.ship(job.input, cluster) if job.input else None,
                              cluster.local, device): job for job in jobs}
        pending = list(refs)
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            job = refs[ready[0]]
            results[job.number] = _result(ray, job, ready[0], started)
            advance(1)
    return [results[job.number] for job in jobs]


def _result(ray: Any, job: Job, ref: Any, started: float) -> Result:
    try:
        ok, seconds, payload = ray.get(ref)
    except Exception as exc:  # the worker died for good, or Ray itself failed
        return Result(job, False, time.perf_counter() - started, ray_backend.cause(exc))
    if not ok:
        return Result(job, False, seconds, payload)
    try:
        _publish(job, payload)
    except OSError as exc:
        return Result(job, False, seconds, f"cannot write {job.output}: {exc.strerror or exc}")
    return Result(job, True, seconds, str(job.output))


def summary(results: list[Result]) -> Any:
    """The table printed at the end: job, status, time, output (or why it failed)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="batch", title_justify="left")
    for column in ("job", "status", "time", "output"):
        table.add_column(column, justify="right" if column == "time" else "left")
    for r in results:
        table.add_row(r.job.name, Text("ok") if r.ok else Text("failed", style="red"), f"{r.seconds:.1f} s",
                      Text(r.message if r.ok else f"{r.job.output.name}: {r.message}"))
    return table
