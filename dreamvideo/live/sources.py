"""Live sources: a camera, a video file played at its own rate, a stream URL, or ``test``.

Every source hands out uint8 RGB frames at the working size, one :meth:`read` at a
time, and ``None`` when it ends. ffmpeg decodes the test pattern (lavfi ``testsrc2``),
files and streams, scaled to the working size on its side of the pipe; OpenCV opens
cameras (an index or a device path). Opening checks the first frame within ``timeout``
seconds, so a camera that does not open or a URL that does not answer is one line, not
a hang.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from ..errors import DreamError
from ..media import ffmpeg, sources
from ..media.images import fit_longest

DEFAULT_SIDE = 256  # a live dream keeps up on a CPU at this longest side; `size` asks for another
TEST_ASPECT = (320, 240)
Size = int | tuple[int, int] | None


@dataclass(frozen=True)
class SourceAudio:
    """A source's audio track, which a recording takes again from the file: frame k is at k / fps on its clock."""

    path: Path
    loop: bool  # played with ``-stream_loop``: the audio loops with the frames


class LiveSource(Protocol):
    name: str
    size: tuple[int, int]  # (width, height) of the frames read
    fps: float  # the rate frames arrive at (what a recording plays at)
    audio: SourceAudio | None  # a file's audio track; None for the test pattern, cameras and streams

    def read(self) -> np.ndarray | None: ...

    def interrupt(self) -> None:
        """From another thread: make a blocked :meth:`read` return None soon."""

    def restart_clock(self) -> None:
        """A paced source plays on from its next frame, not from where it stood while the model loaded."""

    def reason(self) -> str:
        """Why the source ended, in a few words."""

    def close(self) -> None: ...


def working_size(width: int, height: int, size: Size) -> tuple[int, int]:
    """``size`` WxH as given; N as the longest side; none: at most :data:`DEFAULT_SIDE` (even sides)."""
    if isinstance(size, tuple):
        return size
    return fit_longest(width, height, size or min(DEFAULT_SIDE, max(width, height)), even=True)


class FfmpegSource:
    """Frames ffmpeg decodes and scales, read from its stdout; ``paced``: handed out at ``fps``, as they play."""

    audio: SourceAudio | None = None

    def __init__(self, name: str, input_args: list[str], size: tuple[int, int], fps: float, paced: bool,
                 rate_filter: str = "") -> None:
        self.name, self.size, self.fps, self.paced = name, size, fps, paced
        self._bytes = size[0] * size[1] * 3
        self._log = tempfile.TemporaryFile()
        scale = f"{rate_filter}scale={size[0]}:{size[1]}:flags=bicubic,setsar=1"
        self._proc = subprocess.Popen(
            [ffmpeg.exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *input_args, "-vf", scale,
             "-an", "-sn", "-dn", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log, start_new_session=True)
        self._count, self._start = 0, 0.0

    def read(self) -> np.ndarray | None:
        data = self._proc.stdout.read(self._bytes) if self._proc.stdout else b""
        if len(data) < self._bytes:
            return None
        if self.paced:
            self._pace()
        self._count += 1
        return np.frombuffer(data, np.uint8).reshape(self.size[1], self.size[0], 3)

    def _pace(self) -> None:
        """Hold frame k until its time on screen, k / fps after the first; a late frame goes at once."""
        now = time.monotonic()
        if self._count == 0:
            self._start = now
        wait = self._start + self._count / self.fps - now
        if wait > 0:
            time.sleep(wait)

    def restart_clock(self) -> None:
        self._count = 0

    def interrupt(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()

    def reason(self) -> str:
        self._log.seek(0)
        return ffmpeg.reason(self._log.read().decode(errors="replace"))

    def close(self) -> None:
        self.interrupt()
        self._proc.wait()
        for stream in (self._proc.stdout, self._log):
            if stream is not None:
                stream.close()


class CameraSource:
    """A camera through OpenCV, by index (``0``) or device path (``/dev/video0``)."""

    audio = None

    def __init__(self, spec: str, size: Size, fps: float) -> None:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # its warnings are not our one line
        self.name = f"camera {spec}"
        self._cap = cv2.VideoCapture(int(spec) if spec.isdigit() else spec)
        ok, first = self._cap.read() if self._cap.isOpened() else (False, None)
        if not ok:
            self._cap.release()
            raise DreamError(f"camera {spec} does not open (no such device, busy, or no permission)")
        self.size = working_size(first.shape[1], first.shape[0], size)
        self.fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0) or fps
        self._first: np.ndarray | None = first

    def read(self) -> np.ndarray | None:
        frame, self._first = self._first, None
        if frame is None:
            ok, frame = self._cap.read()
            if not ok:
                return None  # unplugged: the source ends
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        return cv2.resize(rgb, self.size, interpolation=cv2.INTER_AREA)

    def interrupt(self) -> None:
        """A camera read returns within a frame's time; releasing it under a read is not safe."""

    def restart_clock(self) -> None:
        """A camera keeps its own time."""

    def reason(self) -> str:
        return "it stopped giving frames"

    def close(self) -> None:
        self._cap.release()


def test_source(size: Size, fps: float) -> FfmpegSource:
    """A moving test pattern (ffmpeg's ``testsrc2``) at ``fps``: a live run with no camera.

    Drawn at least 320x240 and scaled: smaller, the pattern hardly moves.
    """
    width, height = working_size(*TEST_ASPECT, size)
    drawn = f"{max(width, TEST_ASPECT[0])}x{max(height, TEST_ASPECT[1])}"
    return FfmpegSource("test pattern", ["-f", "lavfi", "-i", f"testsrc2=size={drawn}:rate={fps:g}"],
                        (width, height), fps, paced=True)


def file_source(path: Path, size: Size, loop: bool) -> FfmpegSource:
    """A clip played at its own rate; ``loop``: from the start again when it ends."""
    info = sources.probe(path)
    repeat = ["-stream_loop", "-1"] if loop else []
    source = FfmpegSource(path.name, [*repeat, "-i", str(path)], working_size(info.width, info.height, size),
                          float(info.fps), paced=True, rate_filter=f"fps={info.fps},")
    source.audio = SourceAudio(path, loop) if info.has_audio else None
    return source


def stream_source(url: str, size: Size, fps: float, timeout: float) -> FfmpegSource:
    """A stream ffmpeg reads (rtsp, srt, udp, http ...), its header read first, both within ``timeout``."""
    wait = ["-timeout" if url.startswith("rtsp") else "-rw_timeout", str(int(timeout * 1e6))]
    try:
        header = ffmpeg.run([*wait, "-i", url], timeout=timeout).stderr
    except subprocess.TimeoutExpired:
        raise DreamError(f"stream {url} did not answer within {timeout:g} s") from None
    if not re.search(r"Stream #\d+:\d+.*: Video:", header):
        raise DreamError(f"stream {url} gives no video: {ffmpeg.reason(header)}")
    info = sources.parse_header(Path(url), header)
    return FfmpegSource(url, [*wait, "-i", url], working_size(info.width, info.height, size),
                        float(info.fps or fps), paced=False)


def make_source(spec: str, size: Size, fps: float, loop: bool, timeout: float) -> LiveSource:
    """What ``spec`` names: ``test``, a camera index or ``/dev/`` path, a URL (``scheme://``), else a video file."""
    if spec == "test":
        return test_source(size, fps)
    if spec.isdigit() or spec.startswith("/dev/"):
        return CameraSource(spec, size, fps)
    if "://" in spec:
        return stream_source(spec, size, fps, timeout)
    path = Path(spec).expanduser()
    if not path.exists():
        raise DreamError(f"source {spec} not found; give test, a camera (0, /dev/video0), a stream URL or a video file")
    return file_source(path, size, loop)


def open_source(spec: str, size: Size, fps: float, loop: bool = False, timeout: float = 10.0
                ) -> tuple[LiveSource, np.ndarray]:
    """The source ``spec`` names and its first frame, read within ``timeout`` s (else one line, no hang)."""
    source = make_source(spec, size, fps, loop, timeout)
    fired = threading.Event()

    def expire() -> None:
        fired.set()
        source.interrupt()
    watchdog = threading.Timer(timeout, expire)
    watchdog.start()
    try:
        first = source.read()
    finally:
        watchdog.cancel()
    if first is None:
        why = f"gave no frame within {timeout:g} s" if fired.is_set() else f"gives no frames: {source.reason()}"
        source.close()
        raise DreamError(f"{source.name} {why}")
    return source, first
