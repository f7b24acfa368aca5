"""Where shown frames go: a recording, memory (tests, benchmarks), the studio's stream, a window, a virtual camera.

A sink takes each shown frame with the captured frame it was made from, and is
finished once when the run ends (:meth:`finish`, with the run's summary line) or
dropped (:meth:`abort`) when the run failed before anything was worth keeping.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Protocol

import cv2
import numpy as np

from ..errors import DreamError, first_line
from ..media.encode import VideoWriter, check_video_output
from ..media.files import atomic
from ..media.mux import Audio, audio_span, write_looped
from ..media.sequence_output import sidecar_path
from ..render.assemble import say_fit
from .slots import Latest, Stamped
from .sources import SourceAudio

Sidecar = Callable[..., str]  # (summary line, frames written, **more facts) -> the sidecar's YAML


class Sink(Protocol):
    def write(self, shown: np.ndarray, source: Stamped) -> None: ...

    def finish(self, summary: str) -> None: ...

    def abort(self) -> None: ...


class MemorySink:
    """Keeps (shown, source) pairs in memory, the first ``limit`` of them: tests and benchmarks look at them."""

    def __init__(self, limit: int = 3000) -> None:
        self.limit = limit
        self.frames: list[tuple[np.ndarray, Stamped]] = []
        self.summary: str | None = None

    def write(self, shown: np.ndarray, source: Stamped) -> None:
        if len(self.frames) < self.limit:
            self.frames.append((shown, source))

    def finish(self, summary: str) -> None:
        self.summary = summary

    def abort(self) -> None:
        pass


class JpegSink:
    """The newest shown frame as JPEG, for the studio's MJPEG stream.

    :meth:`write` only keeps the frame (the display never waits for an encoder); a viewer's
    :meth:`jpeg` encodes it, once per shown frame however many watch, and only frames someone
    asks for: nobody watching costs nothing, and a slow viewer skips frames, never queues them.
    """

    def __init__(self, quality: int = 80) -> None:
        self.quality = quality
        self.frames: Latest[np.ndarray] = Latest()
        self._lock = threading.Lock()
        self._encoded: tuple[int, bytes] | None = None

    def write(self, shown: np.ndarray, source: Stamped) -> None:
        self.frames.put(shown)

    def jpeg(self) -> tuple[int, bytes] | None:
        """(frames shown so far, the newest as JPEG); None before the first."""
        count, frame = self.frames.peek()
        if frame is None:
            return None
        with self._lock:
            if self._encoded is None or self._encoded[0] != count:
                bgr = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
                _, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
                self._encoded = (count, data.tobytes())
            return self._encoded

    @property
    def ended(self) -> bool:
        return self.frames.closed

    def finish(self, summary: str) -> None:
        self.frames.close()

    def abort(self) -> None:
        self.frames.close()


class RecordSink:
    """What was shown, in any output format, in real time: a frame the display skipped repeats the one before.

    The file appears only when :meth:`finish` has encoded, read it back and verified it
    (:class:`~..media.encode.VideoWriter`); its sidecar holds the settings and the summary line.
    With ``audio`` (a file source's track) the recording carries the source's audio from its
    first recorded frame to its last, on the source's clock (looped with the frames).
    """

    def __init__(self, path: Path, fps: float, crf: int, sidecar: Sidecar,
                 note: Callable[[str], None] = lambda text: None, *, size: tuple[int, int],
                 codec: str | None = None, bit_depth: int = 8, audio: SourceAudio | None = None) -> None:
        self.path, self.sidecar, self.note = path, sidecar, note
        fmt = check_video_output(path, codec, bit_depth)
        say_fit(fmt, *size, note)  # said, or refused, before the first dream
        span = (audio.path, 0.0, 0.0) if audio else None  # the real span is known on stop
        self.writer = VideoWriter(path, fps, crf, span, format=fmt, note=note, size_noted=True)
        self.writer.__enter__()  # a format without audio says so now
        self.audio = audio if self.writer.audio else None
        self.first: int | None = None  # the capture number of the first frame recorded
        self.last: tuple[np.ndarray, int] | None = None

    def write(self, shown: np.ndarray, source: Stamped) -> None:
        if self.last is not None:
            previous, seq = self.last
            for _ in range(min(source.seq - seq - 1, 250)):  # skipped frames keep the clock; a stall is cut short
                self.writer.write(previous)
        self.writer.write(shown)
        self.first = source.seq if self.first is None else self.first
        self.last = (shown, source.seq)

    def finish(self, summary: str) -> None:
        with tempfile.TemporaryDirectory(prefix="dreamvideo-live-") as folder:
            facts = self._take_audio(Path(folder))
            self.writer.__exit__(None, None, None)
        with atomic(sidecar_path(self.path)) as tmp:
            tmp.write_text(self.sidecar(summary, self.writer.frames, **facts))

    def _take_audio(self, folder: Path) -> dict[str, Any]:
        """Give the writer the source's audio under the recorded frames; the sidecar's fact about it."""
        if self.audio is None or self.first is None:
            return {}
        start, seconds = self.first / float(self.writer.fps), float(self.writer.frames / self.writer.fps)
        span: Audio = (self.audio.path, start, seconds)
        if self.audio.loop:
            write_looped(self.audio.path, start, seconds, folder / "audio.wav")
            span = (folder / "audio.wav", 0.0, seconds)
        length = audio_span(span)  # ffmpeg probes the file: once
        if length < 1 / float(self.writer.fps):
            self.note(f"{self.audio.path.name}'s audio ends before the recorded span: the recording has none")
            self.writer.audio = None
            return {}
        self.writer.audio = span
        return {"audio": {"from": str(self.audio.path), "start_s": round(start, 3),
                          "seconds": round(length, 3), "looped": self.audio.loop}}

    def abort(self) -> None:
        error = DreamError("live run failed")
        self.writer.__exit__(DreamError, error, None)


class WindowSink:
    """An OpenCV window, where a display and a GUI build of OpenCV exist; Esc or q in it stops the run."""

    def __init__(self, title: str, stop: Callable[[], None]) -> None:
        if "GUI:                           NONE" in cv2.getBuildInformation():
            raise DreamError("`window` needs OpenCV with a GUI (pip install opencv-python); this one is headless")
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise DreamError("`window` needs a display; none is here (DISPLAY is not set)")
        self.title, self.stop = title, stop

    def write(self, shown: np.ndarray, source: Stamped) -> None:
        cv2.imshow(self.title, cv2.cvtColor(shown, cv2.COLOR_RGB2BGR))
        if cv2.waitKey(1) & 0xFF in (27, ord("q")):
            self.stop()

    def finish(self, summary: str) -> None:
        cv2.destroyWindow(self.title)

    def abort(self) -> None:
        self.finish("")


class VirtualCamSink:
    """A virtual camera other programs (OBS, video calls, VJ tools) open, through the optional pyvirtualcam."""

    def __init__(self, size: tuple[int, int], fps: float) -> None:
        try:
            import pyvirtualcam  # GPL-2: an optional extra, never a dependency
        except ImportError:
            raise DreamError("`virtual_cam` needs pyvirtualcam, an optional extra under the GPL-2: "
                             "pip install 'dreamvideo[virtualcam]'") from None
        try:
            self.camera = pyvirtualcam.Camera(size[0], size[1], fps, fmt=pyvirtualcam.PixelFormat.RGB)
        except (RuntimeError, ValueError) as exc:
            raise DreamError(f"`virtual_cam` does not open: {first_line(exc)}") from None

    def write(self, shown: np.ndarray, source: Stamped) -> None:
        self.camera.send(np.ascontiguousarray(shown))

    def finish(self, summary: str) -> None:
        self.camera.close()

    def abort(self) -> None:
        self.camera.close()
