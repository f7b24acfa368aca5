"""One job's child process: the same CLI command a user would type, and its progress read from disk.

A job runs ``python -m dreamvideo KIND INPUT -o OUTPUT --preset job.yaml`` so the
studio renders exactly as the command line does (same resume, same sidecar, same
errors), and a crash or a leak in a render cannot take the server down. Progress
is read from the CLI's work folder beside the output (``.OUT.frames``, its frames named
and listed by ``render.layout``, written atomically, so a listed frame is a whole one).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..render import layout
from ..settings.kinds import KINDS
from . import lifeline

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SILENT = "the render stopped without a message"


def command(kind: str, source: str, output: str, preset: Path, restart: bool = False) -> list[str]:
    """The CLI command for a job; paths are relative to the studio folder (the child's cwd)."""
    args = [sys.executable, "-m", "dreamvideo", KINDS[kind].command]
    # the command that can start from noise takes its start image as --from
    args += ["--from", plain(source or "noise")] if KINDS[kind].takes_noise else [plain(source)]
    return args + ["-o", plain(output), "--preset", str(preset)] + (["--restart"] if restart else [])


def plain(path: str) -> str:
    """A folder path the CLI reads as a path, never as an option (a file named ``--restart.png``)."""
    return f"./{path}" if path.startswith("-") else path


def start(args: list[str], folder: Path, log: Path) -> subprocess.Popen:
    """Start the child in its own session, so only the studio decides when it gets SIGINT, holding a
    :mod:`.lifeline`: it stops, too, when the studio dies (call ``lifeline.release`` once it has ended)."""
    options = lifeline.child_options()
    env = {k: v for k, v in os.environ.items() if k != "DREAMVIDEO_DEBUG"}
    env.update(PYTHONUNBUFFERED="1", COLUMNS="100", NO_COLOR="1", **options.pop("env"))
    with open(log, "ab") as sink:
        return subprocess.Popen(args, cwd=folder, stdout=sink, stderr=sink, env=env, start_new_session=True,
                                **options)


def interrupt(process: subprocess.Popen, wait_s: float = 30.0) -> None:
    """SIGINT, as Ctrl-C stops a CLI render (finished frames stay); SIGKILL only if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(wait_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def last_line(log: Path) -> str:
    """The child's last words: its one-line error (``error: ...``) when there is one.

    The log's first line is the command the studio wrote there, never the child's answer: a render
    stopped before it said anything reports that, not its own command line.
    """
    try:
        text = ANSI.sub("", log.read_text(errors="replace"))
    except OSError:
        return SILENT
    lines = [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()][1:]  # [0]: the command
    errors = [line for line in lines if line.startswith(("error", "preset", "interrupted"))]
    return (errors or lines or [SILENT])[-1][:300]


@dataclass
class Watch:
    """Frames done, seconds per frame and the newest frame, from the work folder alone.

    The rate is measured between frames this run made (the first one also pays for the
    child's start-up), and changes only when a frame arrives, so the page hears news once
    per frame, not on every poll. The count never goes down: once every frame is made, the
    render assembles the output and removes its work folder, which would otherwise read as
    0 frames done (and an ETA of a whole render) just before the job is done.
    """

    output: Path
    total: int | None
    preview: bool = False  # a motion preview's frames are in its own work folder
    started: float = field(default_factory=time.monotonic)
    first: int | None = None  # frames already there when this run began (a resume)
    mark: tuple[float, int] | None = None  # when this run's first frame(s) were seen, and the count then
    seen: dict = field(default_factory=dict)

    def poll(self) -> dict:
        indices, now = self.indices(), time.monotonic()
        done = len(indices)
        if self.first is None:
            self.first = done
        if done <= self.seen.get("frames_done", -1):  # the same, or the work folder going away
            return self.seen
        if self.mark is None and done > self.first:
            self.mark = (now, done)
        rate = None
        if self.mark and done > self.mark[1]:  # frames made since the first: the steady rate
            rate = (now - self.mark[0]) / (done - self.mark[1])
        elif self.mark:  # only the first frame(s) so far: their time includes the child's start-up
            rate = (self.mark[0] - self.started) / (self.mark[1] - self.first)
        left = (self.total - done) if self.total else None
        self.seen = {"frames_done": done, "latest": max(indices) if indices else None,
                     "s_per_frame": round(rate, 2) if rate is not None else None,
                     "eta_s": round(rate * max(left, 0), 1) if rate is not None and left is not None else None}
        return self.seen

    def folder(self) -> Path:
        """The work folder the child's frames go to."""
        return layout.work_folder(self.output, self.preview)

    def indices(self) -> list[int]:
        return layout.indices(self.folder())


def frames_total(kind: str, settings: dict, source: Path | None) -> int | None:
    """Frames the render will make: 1 for a still, ``frames`` for a zoom, the clip's span for a video."""
    if kind == "still":
        return 1
    if kind == "zoom":
        return settings.get("frames") or (None if settings.get("audio") else 60)
    try:
        from ..media import inputs, sources

        info = inputs.open_input(source, settings.get("fps") or 24.0).info
        return sources.expected_frames(info, settings.get("start") or 0.0, settings.get("end"),
                                       settings.get("max_frames")) or None
    except Exception:  # noqa: BLE001 - an unreadable clip fails in the child with the CLI's own message
        return None
