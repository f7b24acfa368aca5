"""One render job as the queue keeps it (``job.json``) and as the page sees it (:meth:`Job.public`).

Its times add up over resumes (``run_s``, ``made``), so a finished job reports the rate of the
whole render, not of its first frame; its lines are the page's (a cancelled job says what Resume does).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..settings.kinds import KINDS

PUBLIC = ("id", "kind", "input", "output", "state", "frames_done", "frames_total", "eta_s", "s_per_frame",
          "latest", "error", "created", "started", "finished")


@dataclass
class Job:
    """One render request and where it stands; ``output`` and ``input`` are relative to FOLDER."""

    id: str
    kind: str
    input: str
    output: str
    settings: dict[str, Any]
    state: str = "queued"
    frames_done: int = 0
    frames_total: int | None = None
    eta_s: float | None = None
    s_per_frame: float | None = None
    latest: int | None = None
    error: str | None = None
    restart: bool = False  # the first run replaces an earlier render's frames (replace: true)
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    run_s: float = 0.0  # seconds of its finished runs (a resumed render adds up)
    made: int = 0  # frames its finished runs made
    first: int = 0  # frames already there when the current run began

    def public(self) -> dict[str, Any]:
        """Today's fields plus the contract's: ``done``/``total``, ``rate`` (s/frame over the whole render
        so far), ``elapsed``, ``eta``, ``preview`` (a motion preview) and a plain ``title``."""
        elapsed, made = self.timing()
        return {**{name: getattr(self, name) for name in PUBLIC}, "done": self.frames_done,
                "total": self.frames_total, "eta": self.eta_s, "elapsed": round(elapsed, 1),
                "rate": round(elapsed / made, 2) if made else None, "preview": self.preview, "title": self.title}

    def timing(self) -> tuple[float, int]:
        """Seconds rendering and frames made, over every run (the current one so far)."""
        if self.state != "running" or self.started is None:
            return self.run_s, self.made
        return self.run_s + time.time() - self.started, self.made + max(self.frames_done - self.first, 0)

    @property
    def preview(self) -> bool:
        return bool(self.settings.get("preview"))

    @property
    def title(self) -> str:
        """What the job is, in plain words: "Zoom from noise", "Motion preview of a video of clip.mp4"."""
        source = "noise" if self.input in ("", "noise") else self.input.rsplit("/", 1)[-1]
        what = f"{self.kind.capitalize()} {'from' if KINDS[self.kind].takes_noise else 'of'} {source}"
        return f"Motion preview: {what[0].lower()}{what[1:]}" if self.preview else what


def cancelled(job: Job) -> str:
    """A cancelled job's line: what is kept and what Resume does (never the CLI's "run the same command")."""
    if not job.frames_done:
        return "Cancelled before its first frame; Resume starts it"
    of = f" of {job.frames_total}" if job.frames_total else ""
    return f"Cancelled with {job.frames_done}{of} frames finished; Resume carries on from frame {job.frames_done + 1}"
