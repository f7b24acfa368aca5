"""Render jobs: queue, list, cancel (SIGINT, frames kept), resume, and the latest frame (events: .events)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel

from ...errors import DreamError
from ...media.inputs import ANIMATED, SEQUENCE, STILL, SUFFIXES, VIDEO, kind_of
from ...render import layout
from ...settings import Settings
from ...settings.kinds import RENDERS as KINDS
from ..child import Watch
from ..forms import KindName, refuse, validate
from ..jobs import ACTIVE, Busy, Full, Job, JobQueue
from ..paths import hidden, inside, open_inside, relative, taken
from ..renders import OUTPUTS
from .base import OneLineRoute, folder
from .presets import remember_last

router = APIRouter(route_class=OneLineRoute)


class JobBody(BaseModel):
    kind: KindName
    input: str = "noise"
    output: str | None = None
    suffix: str | None = None  # the format of an automatic name (the page's format select); the default's else
    settings: dict[str, Any] = {}
    preset: str | None = None
    replace: bool = False


def queue(request: Request) -> JobQueue:
    return request.app.state.jobs


def source_path(root: Path, kind: str, source: str) -> Path | None:
    """The input file inside the folder (None: a zoom from noise); 422 naming ``input`` otherwise."""
    if KINDS[kind].takes_noise and source in ("", "noise"):
        return None
    if not source or source == "noise":
        raise refuse("input", f"a {kind} needs an input file (upload one or pick one in the folder)")
    try:
        path = inside(root, source, must_exist=True)
    except HTTPException as exc:
        raise refuse("input", str(exc.detail), exc.status_code) from None
    if not path.is_file():
        raise refuse("input", f"not a file: {source}")
    fits(kind, path, source)
    return path


# An input as the refusals name it, by what media.inputs reads the file as.
CALLED = {STILL: "a picture", VIDEO: "a clip", ANIMATED: "an animated image", SEQUENCE: "an image sequence"}


def fits(kind: str, path: Path, shown: str) -> None:
    """Refuse, on ``input``, a file its kind cannot render (a video of a JPEG, a zoom from a clip),
    by the kind table's ``accepts``; a file that cannot be read is left for the render to name."""
    try:
        found = kind_of(path)
    except DreamError:
        return
    if found in KINDS[kind].accepts or (found == VIDEO and not path.name.lower().endswith(SUFFIXES[VIDEO])):
        return  # (a picture's name that no image reader opens is "a video" to kind_of: the render says more)
    takes = " or ".join([CALLED[name] for name in KINDS[kind].accepts] + (["noise"] if KINDS[kind].takes_noise else []))
    others = [name for name, other in KINDS.items() if found in other.accepts]
    hint = f"; render it as a {' or a '.join(others)}" if others else ""
    raise refuse("input", f"a {kind} is made from {takes}, and {shown} is {CALLED.get(found, found)}{hint}")


def automatic_suffix(body: JobBody) -> str:
    """The format of an automatic name: the page's choice if the kind writes it, else the kind's default."""
    suffix = (body.suffix or OUTPUTS[body.kind][0]).lower()
    if suffix not in OUTPUTS[body.kind]:
        raise refuse("output", f"a {body.kind} is written as {' or '.join(OUTPUTS[body.kind])}, not {suffix}")
    return suffix


def output_path(request: Request, body: JobBody, source: Path | None, settings: Settings) -> Path | None:
    """Where the job writes: the given name, checked (None: an automatic name the queue picks and reserves)."""
    root = folder(request)
    if not body.output:  # its suffix is checked where the queue is handed it (submit's automatic_suffix)
        return None
    try:
        path = inside(root, body.output)
    except HTTPException as exc:
        raise refuse("output", str(exc.detail), exc.status_code) from None
    if not path.name.lower().endswith(OUTPUTS[body.kind]):
        raise refuse("output", f"a {body.kind} is written as {' or '.join(OUTPUTS[body.kind])}")
    if hidden(relative(root, path)):
        # hidden folders hold work frames and the studio's own jobs; a render there is lost to the gallery
        raise refuse("output", "an output may not be hidden or inside a hidden folder (such as .studio)")
    if (path.exists() or path.is_symlink()) and not path.is_file():
        raise refuse("output", f"{body.output} is a folder or a special file, not a render", 409)
    if line := overwritten(root, body.kind, path, source, settings, body.output):
        raise refuse("output", line, 409)
    if relative(root, path) in queue(request).active_outputs():
        raise refuse("output", f"another job is writing {body.output}", 409)
    if taken(path) and not body.replace:
        raise refuse("output", f"{body.output} exists (or holds another render's frames); "
                               "choose another name or set replace", 409)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def overwritten(root: Path, kind: str, output: Path, source: Path | None, settings: Settings,
                shown: str) -> str | None:
    """The render's own check, asked before queueing (the child runs it again): the line refusing an
    output, or its sidecar, that is a file the render reads; paths in the settings are relative to the folder."""
    from ...render.reads import overwrite_line, render_reads

    reads = render_reads(settings, kind, source)
    return overwrite_line(output, tuple((role, root / path) for role, path in reads), shown)


def find(request: Request, job_id: str) -> Job:
    job = queue(request).jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id}")
    return job


@router.post("/api/jobs")
def submit(body: JobBody, request: Request) -> dict[str, str]:
    """Validate, then queue ``python -m dreamvideo KIND INPUT -o OUTPUT --preset settings.yaml``."""
    settings = validate(body.settings, folder(request), body.preset)
    source = source_path(folder(request), body.kind, body.input)
    if settings.preview and "preview" not in KINDS[body.kind].fields:
        raise refuse("preview", f"a {body.kind} does not move: a motion preview is for a zoom or a video")
    data = {k: v for k, v in settings.to_yaml_dict().items() if k != "meta"}
    output = output_path(request, body, source, settings)
    try:
        job = queue(request).submit(body.kind, relative(folder(request), source) if source else "noise",
                                    relative(folder(request), output) if output else None, data,
                                    restart=body.replace, suffix=automatic_suffix(body))
    except Busy as exc:
        raise refuse("output", str(exc), 409) from None
    except Full as exc:
        raise HTTPException(429, str(exc)) from None
    if not settings.preview:  # the form comes back as it was sent (a motion preview is no render to recall)
        remember_last(folder(request), body.kind, body.settings)
    return {"id": job.id, "output": job.output}


@router.get("/api/jobs")
def list_jobs(request: Request) -> list[dict[str, Any]]:
    return [job.public() for job in sorted(queue(request).jobs.values(), key=lambda j: j.created, reverse=True)]


@router.get("/api/jobs/{job_id}")
def get_job(job_id: str, request: Request) -> dict[str, Any]:
    return find(request, job_id).public()


@router.delete("/api/jobs/{job_id}")
def cancel(job_id: str, request: Request) -> dict[str, Any]:
    """Stop a job as Ctrl-C stops the CLI: its finished frames are kept for resume."""
    job = find(request, job_id)
    if job.state not in ACTIVE:
        raise HTTPException(409, f"job {job_id} is {job.state}; only a queued or running job can be cancelled")
    queue(request).cancel(job)
    return job.public()


@router.post("/api/jobs/{job_id}/resume")
def resume(job_id: str, request: Request) -> dict[str, Any]:
    """Run a cancelled or failed job's command again; the CLI picks up its kept frames."""
    job = find(request, job_id)
    if job.state not in ("cancelled", "failed"):
        raise HTTPException(409, f"job {job_id} is {job.state}; only a cancelled or failed job can be resumed")
    if job.output in queue(request).active_outputs():
        raise HTTPException(409, f"another job is writing {job.output}")
    output = folder(request) / job.output
    if output.exists() and not layout.work_folder(output, job.preview).exists():
        # another render finished there since (with replace): resuming would overwrite it unasked
        raise HTTPException(409, f"{job.output} has been rendered since this job stopped; render again instead")
    queue(request).resume(job)
    return job.public()


@router.get("/api/jobs/{job_id}/frame")
def latest_frame(job_id: str, request: Request) -> Response:
    """The newest finished frame of a job (a PNG from its work folder), for the live view.

    204 when there is none (yet, or any more: a finished render's work folder is gone), not 404,
    so a live view that asks a moment too late is not an error. The newest frame is the one the
    queue saw last (``job.latest``, polled anyway); the folder is listed only for a job never watched.
    """
    job = find(request, job_id)
    output = folder(request) / job.output
    watch = Watch(output, None, job.preview)
    latest = job.latest if job.latest is not None else max(watch.indices(), default=None)
    data = read_frame(folder(request), watch.folder() / layout.name(latest)) if latest is not None else None
    if data is None:
        return Response(status_code=204)
    return Response(data, media_type="image/png", headers={"Cache-Control": "no-store"})


def read_frame(root: Path, path: Path) -> bytes | None:
    """A frame's bytes, read now (the render may remove its work folder at any moment), through the
    same checked open as ``/files``: a link planted in a work folder is not followed out of FOLDER."""
    try:
        fd = open_inside(root, path)
    except HTTPException:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            return handle.read()
    except OSError:
        return None
