"""The render queue: jobs run one at a time, each as a child process running the CLI.

One at a time because a render already uses every core (or the GPU); a queue keeps
the page responsive and the order plain. Cancel is SIGINT, exactly Ctrl-C on the
command line: finished frames stay in the work folder, and resume runs the same
command again, which picks them up. Each job keeps its folder
``FOLDER/.studio/jobs/ID/`` (settings preset, log, job.json), so jobs survive a
restart of the studio as cancelled ones that can be resumed.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from ..errors import first_line
from ..failures import explain
from ..media.files import atomic
from . import child, lifeline
from .job import Job, cancelled  # noqa: F401  (Job: part of this module's API)
from .paths import free_name
from .words import in_words

ACTIVE = ("queued", "running")
STOPPED = "the studio stopped during this render; resume to finish it"
MAX_QUEUED = 200  # a script looping on POST /api/jobs must not fill the disk with job folders


class Busy(Exception):
    """The output is already being written by another job."""


class Full(Exception):
    """Too many jobs are waiting already."""


class JobQueue:
    """Queued jobs and the one worker thread that runs them in order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root = folder / ".studio" / "jobs"
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Condition()
        self.process: subprocess.Popen | None = None
        self.stopping = False
        self.version = 0  # bumped on every change, so the event stream sends only news
        self.stamps: dict[str, int] = {}  # each job's version when it last changed
        self.gallery = 0  # the version when the gallery last changed
        self._load()
        self.thread = threading.Thread(target=self._work, name="studio-jobs", daemon=True)
        self.thread.start()

    def _load(self) -> None:
        """Jobs of an earlier session; one that was running or queued is now cancelled (resumable)."""
        for path in sorted(self.root.glob("*/job.json")):
            try:
                job = Job(**json.loads(path.read_text()))
            except (OSError, ValueError, TypeError):
                continue
            if job.state in ACTIVE:
                job.state, job.error = "cancelled", STOPPED
            self.jobs[job.id] = job

    def submit(self, kind: str, source: str, output: str | None, settings: dict[str, Any], restart: bool,
               suffix: str = ".mp4") -> Job:
        """Queue a job; ``Busy`` when another queued or running job writes the same output.

        No ``output``: a fresh ``renders/KIND-YYYYMMDD-HHMMSS[-N]SUFFIX``, picked under the lock and
        reserved by the queued job itself, so two quick clicks (or two tabs) never get the same one.
        """
        if sum(job.state == "queued" for job in list(self.jobs.values())) >= MAX_QUEUED:
            raise Full(f"{MAX_QUEUED} jobs are waiting already; cancel some or wait for them")
        job = Job(secrets.token_hex(4), kind, source, output or "", settings, restart=restart)
        job.frames_total = child.frames_total(kind, settings, self.folder / source if source != "noise" else None)
        folder = self.root / job.id
        folder.mkdir(parents=True, exist_ok=True)
        with atomic(folder / "settings.yaml") as tmp:
            tmp.write_text(yaml.safe_dump(settings, sort_keys=False, width=1000))
        with self.lock:  # a Condition's lock is re-entrant: active_outputs may take it again
            job.output = output or self._fresh_name(kind, suffix)
            if job.output in self.active_outputs():
                shutil.rmtree(folder, ignore_errors=True)  # two requests at once: the second loses
                raise Busy(f"another job is writing {job.output}")
            self.jobs[job.id] = job
            self._changed(job)
        return job

    def _fresh_name(self, kind: str, suffix: str) -> str:
        """The first free automatic name: not on disk (output, sidecar, kept frames) nor any job's."""
        renders, active = self.folder / "renders", self.active_outputs()
        renders.mkdir(exist_ok=True)
        path = free_name(renders, f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}{suffix}",
                         lambda candidate: f"renders/{candidate.name}" in active)
        return f"renders/{path.name}"

    def active_outputs(self) -> set[str]:
        with self.lock:
            return {job.output for job in self.jobs.values() if job.state in ACTIVE}

    def cancel(self, job: Job) -> None:
        """A queued job just leaves the queue; a running one gets SIGINT and keeps its frames."""
        with self.lock:
            if job.state == "queued":
                job.state, job.finished = "cancelled", time.time()
                self._changed(job)
                return
            process = self.process if job.state == "running" else None
        if process is not None:
            child.interrupt(process)

    def resume(self, job: Job) -> None:
        """Queue the same command again: the CLI resumes from the frames kept in the work folder."""
        with self.lock:
            job.state, job.error, job.restart, job.finished = "queued", None, False, None
            self._changed(job)

    def stop(self) -> Job | None:
        """Server shutdown: stop the running render as Ctrl-C would, so its frames are kept; return it."""
        with self.lock:
            self.stopping = True
            process = self.process
            running = next((job for job in self.jobs.values() if job.state == "running"), None)
            self.lock.notify_all()
        if process is not None:
            child.interrupt(process)
        self.thread.join(timeout=35)
        return running

    def renders_changed(self) -> None:
        """The gallery changed (a render finished, was deleted or restored): the event streams say so."""
        with self.lock:
            self.version += 1
            self.gallery = self.version
            self.lock.notify_all()

    def _changed(self, job: Job) -> None:
        """Record the job (job.json) and wake the worker and the event streams. Called under the lock."""
        self.version += 1
        self.stamps[job.id] = self.version
        path = self.root / job.id / "job.json"
        if path.parent.is_dir():
            with atomic(path) as tmp:
                tmp.write_text(json.dumps(asdict(job), indent=1))
        self.lock.notify_all()

    def _next(self) -> Job | None:
        with self.lock:
            while not self.stopping:
                queued = [job for job in self.jobs.values() if job.state == "queued"]
                if queued:
                    return min(queued, key=lambda job: job.created)
                self.lock.wait(1.0)
        return None

    def _work(self) -> None:
        while (job := self._next()) is not None:
            try:
                self._run(job)
            except Exception as exc:  # noqa: BLE001 - a studio bug must not stop the queue; the job says what happened
                with self.lock:
                    job.state, job.error = "failed", first_line(explain(exc, in_words).line, 300)
                    self._changed(job)

    def _run(self, job: Job) -> None:
        folder = self.root / job.id
        args = child.command(job.kind, job.input, job.output, folder / "settings.yaml", job.restart)
        watch = child.Watch(self.folder / job.output, job.frames_total, job.preview)
        with self.lock:
            if self.stopping or job.state != "queued":
                return
            (folder / "log.txt").write_text(" ".join(args[2:]) + "\n")
            self.process = child.start(args, self.folder, folder / "log.txt")
            job.state, job.started, job.error = "running", time.time(), None
            job.eta_s = job.s_per_frame = None
            job.first = job.frames_done = len(watch.indices())
            self._changed(job)
        while self.process.poll() is None:
            self._progress(job, watch.poll())
            time.sleep(0.25)
        lifeline.release(self.process)
        self._progress(job, watch.poll())
        self._finish(job, self.process.returncode, folder / "log.txt")

    def _progress(self, job: Job, seen: dict[str, Any]) -> None:
        with self.lock:
            if any(getattr(job, key) != value for key, value in seen.items()):
                for key, value in seen.items():
                    setattr(job, key, value)
                self.version += 1
                self.stamps[job.id] = self.version
                self.lock.notify_all()

    def _finish(self, job: Job, code: int, log: Path) -> None:
        """The run's end: its time and frames added to the job's, and what happened in the page's words."""
        with self.lock:
            self.process = None
            if code == 0:
                job.frames_done = job.frames_total or job.frames_done
            job.run_s, job.made = job.timing()  # while still running: this run counts
            job.finished, job.eta_s = time.time(), None
            if code == 0:
                job.state, self.gallery = "done", self.version + 1
                job.s_per_frame = round(job.run_s / job.made, 2) if job.made else job.s_per_frame
            else:
                job.state = "cancelled" if code in (130, -2) else "failed"
                job.error = cancelled(job) if job.state == "cancelled" else in_words(child.last_line(log))
            self._changed(job)
