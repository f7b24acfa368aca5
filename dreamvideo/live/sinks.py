"""Where shown frames go: a recording, memory (tests, benchmarks), the studio's stream, a window, a virtual camera.

A sink takes each shown frame with the captured frame it was made from, and is
finished once when the run ends (:meth:`finish`, with the run's summary line) or
dropped (:meth:`abort`) when the run failed before anything was worth keeping.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Callable, Protocol

import cv2
import numpy as np

from ..errors import DreamError, first_line
from ..media.encode import VideoWriter, check_video_output
from ..media.files import atomic
from ..render.assemble import say_fit
from ..render.sidecar import sidecar_path
from .slots import Latest, Stamped

Sidecar = Callable[[str, int], str]  # (summary line, frames written) -> the sidecar's YAML


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
    """

    def __init__(self, path: Path, fps: float, crf: int, sidecar: Sidecar,
                 note: Callable[[str], None] = lambda text: None, *, size: tuple[int, int],
                 codec: str | None = None, bit_depth: int = 8) -> None:
        self.path, self.sidecar = path, sidecar
        fmt = check_video_output(path, codec, bit_depth)
        say_fit(fmt, *size, note)  # said, or refused, before the first dream
        self.writer = VideoWriter(path, fps, crf, format=fmt, note=note, size_noted=True)
        self.writer.__enter__()
        self.last: tuple[np.ndarray, int] | None = None

    def write(self, shown: np.ndarray, source: Stamped) -> None:
        if self.last is not None:
            previous, seq = self.last
            for _ in range(min(source.seq - seq - 1, 250)):  # skipped frames keep the clock; a stall is cut short
                self.writer.write(previous)
        self.writer.write(shown)
        self.last = (shown, source.seq)

    def finish(self, summary: str) -> None:
        self.writer.__exit__(None, None, None)
        with atomic(sidecar_path(self.path)) as tmp:
            tmp.write_text(self.sidecar(summary, self.writer.frames))

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
