"""``dreamvideo batch JOBS.yaml``: many renders at once, each a Ray task on its own GPU or cores.

The whole file is checked before anything runs (``jobs.py``: every problem as
``file: item N: field: message``), so a typo or an output that would overwrite
an input does not surface hours in. Once running, a job that fails is reported
and the others carry on. A zoom is sequential, so a batch is how zooms use many
GPUs: several looks at once.
Outputs come back through Ray's object store when the workers are on other
machines, so no shared file system is needed (an image sequence: its frames, audio and
sidecar, staged and moved into place whole, as a render publishes one).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DreamError, first_line
from ..media.encode import atomic
from ..media.formats import frame_regex, is_sequence
from ..media.sequence_output import Staging, sidecar_path
from ..progress import Reporter, Silent
from ..render.engine import RunOptions
from ..settings.kinds import KINDS
from . import ray_backend
from .backend import RETRIES
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
    files it wrote (sidecar first, output last; a sequence's every file) as bytes, for the driver to write.
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
            return True, time.perf_counter() - started, _written(output)
    except (DreamError, OSError) as exc:
        return False, time.perf_counter() - started, first_line(exc)


Sent = list[tuple[str, bytes]]  # (file name, contents): what a remote job wrote, in the order to write it


def _written(output: Path) -> Sent:
    """The files a render into a temporary folder wrote: its sidecar and output; a sequence's every
    file (the hidden work folder is gone by then)."""
    if is_sequence(output):
        return [(p.name, p.read_bytes()) for p in sorted(output.parent.iterdir())
                if p.is_file() and not p.name.startswith(".")]
    return [(p.name, p.read_bytes()) for p in (sidecar_path(output), output)]


def _publish(job: Job, files: Sent | None) -> None:
    """Write what a remote worker sent back: sidecar first, output last, each atomically; a sequence
    staged and moved into place whole (its earlier, longer frames go, nothing else in the folder)."""
    if files is None:
        return
    if not is_sequence(job.output):
        for name, data in files:
            with atomic(job.output.with_name(name)) as tmp:
                tmp.write_bytes(data)
        return
    staging = Staging(job.output)
    stage = staging.open().parent
    try:
        for name, data in files:
            (stage / name).write_bytes(data)
        staging.publish(sum(bool(frame_regex(job.output).fullmatch(name)) for name, _ in files))
    finally:
        staging.discard()


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
        remote = ray.remote(max_retries=RETRIES)(run_job).options(**cluster.task_options)
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
    except DreamError as exc:
        return Result(job, False, seconds, first_line(exc))
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
