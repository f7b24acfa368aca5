"""``dreamvideo batch JOBS.yaml``: many renders at once, each a Ray task on its own GPU or cores.

The whole file is checked before anything runs (every problem as
``file: item N: field: message``), so a typo does not surface hours in. Once
running, a job that fails is reported and the others carry on. A zoom is
sequential, so a batch is how zooms use many GPUs: several looks at once.
Outputs come back through Ray's object store when the workers are on other
machines, so no shared file system is needed.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import DreamError, SettingsError, first_line
from ..media.encode import IMAGE_SUFFIXES, VIDEO_SUFFIXES, atomic
from ..progress import Reporter, Silent
from ..render.engine import RunOptions
from ..settings import Settings
from ..settings.presets import format_errors, read_preset
from . import ray_backend

SUFFIXES = {"dream": IMAGE_SUFFIXES, "zoom": VIDEO_SUFFIXES, "video": VIDEO_SUFFIXES}


class JobEntry(BaseModel):
    """One item of a batch file, as written."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["dream", "zoom", "video"] = Field(description="dream, zoom or video")
    output: str = Field(min_length=1)
    input: Optional[str] = Field(None, description="image or clip; a zoom's start image (default: noise)")
    preset: Optional[str] = None
    options: dict[str, Any] = Field(default_factory=dict, description="settings, as in a preset")


@dataclass(frozen=True)
class Job:
    """A checked job: resolved settings and absolute paths."""

    number: int
    kind: str
    settings: Settings
    input: Path | None
    output: Path

    @property
    def name(self) -> str:
        return f"{self.number} {self.kind}"


@dataclass(frozen=True)
class Result:
    job: Job
    ok: bool
    seconds: float
    message: str  # the output path, or the one-line reason it failed


def _check_item(where: str, item: Any, folder: Path) -> tuple[Job | None, list[str]]:
    """One item: entry fields, then preset and options together, then paths."""
    try:
        entry = JobEntry.model_validate(item)
    except ValidationError as exc:
        return None, format_errors(where, exc, item if isinstance(item, dict) else {}).splitlines()
    try:
        _, data = read_preset(entry.preset) if entry.preset else ("", {})
    except DreamError as exc:
        return None, [f"{where}: preset: {first_line(exc)}"]
    data = {**{k: v for k, v in data.items() if k != "meta"}, **entry.options}
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        return None, [f"{where}: options.{line[len(where) + 2:]}"
                      for line in format_errors(where, exc, data).splitlines()]
    errors = []
    output = (folder / entry.output).resolve()
    if output.suffix.lower() not in SUFFIXES[entry.kind]:
        errors.append(f"{where}: output: a {entry.kind} writes one of {', '.join(SUFFIXES[entry.kind])}")
    elif not output.parent.is_dir():
        errors.append(f"{where}: output: folder does not exist: {output.parent}")
    source = (folder / entry.input).resolve() if entry.input and entry.input != "noise" else None
    if entry.kind != "zoom" and not entry.input:
        errors.append(f"{where}: input: a {entry.kind} job needs an input file")
    elif source and not source.is_file():
        errors.append(f"{where}: input: file not found: {source}")
    return Job(0, entry.kind, settings, source, output), errors


def load_jobs(path: Path) -> list[Job]:
    """Read and check a batch file; every problem at once, as ``file: item N: field: message``."""
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DreamError(f"batch file not found: {path}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SettingsError(f"{path}: cannot read: {first_line(exc)}") from None
    if not isinstance(items, list) or not items:
        raise SettingsError(f"{path}: a batch file is a YAML list of jobs (kind, input, output, preset, options)")
    jobs, errors = [], []
    for number, item in enumerate(items, 1):
        job, problems = _check_item(f"{path}: item {number}", item, path.parent)
        errors += problems
        if job is not None:
            jobs.append(Job(number, job.kind, job.settings, job.input, job.output))
    outputs = [job.output for job in jobs]
    errors += [f"{path}: item {job.number}: output: also the output of an earlier item"
               for k, job in enumerate(jobs) if job.output in outputs[:k]]
    if errors:
        raise SettingsError("\n".join(errors))
    return jobs


def _render(job: Job, source: Path | None, output: Path, device: str | None) -> None:
    from ..render import render_image, render_video, render_zoom

    options = RunOptions(device=device)
    if job.kind == "dream":
        render_image(job.settings, source, output, options)
    elif job.kind == "zoom":
        render_zoom(job.settings, str(source) if source else "noise", output, options)
    else:
        render_video(job.settings, source, output, options)


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
    """Without --workers: every GPU here (or every core), or all of a cluster's."""
    if address:
        return 0
    import os

    import torch

    return torch.cuda.device_count() or os.cpu_count() or 1


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
