"""Running ffmpeg ourselves: a frame pipe whose exit status is checked, and quiet one-shot calls.

imageio-ffmpeg's ``write_frames`` neither checks ffmpeg's exit status when it closes
nor captures its stderr, so a full disk gave a broken file, exit 0 and ffmpeg's own
error lines on the user's terminal. Here every call captures stderr and a failure
becomes one :class:`DreamError` line. The binary is still imageio-ffmpeg's
(``IMAGEIO_FFMPEG_EXE`` overrides it, which the tests use to fake a full disk).
"""

from __future__ import annotations

import subprocess
import tempfile
from typing import IO

import imageio_ffmpeg

from ..errors import DreamError, first_line

# Lines of ffmpeg's stderr that carry no information about what went wrong.
_NOISE = ("Conversion failed", "Error closing file", "Terminating thread", "Task finished",
          "Nothing was written", "Could not open encoder before EOF")


def exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def reason(stderr: str) -> str:
    """The informative line of ffmpeg's stderr (the last one that is not a summary)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    useful = [line for line in lines if not any(n in line for n in _NOISE)]
    line = (useful or lines or ["no details"])[-1]
    if line.startswith("[") and "] " in line:  # drop "[out#0/mp4 @ 0x5555...] "
        line = line.split("] ", 1)[1]
    return first_line(line)


def run(args: list[str], timeout: float | None = None) -> subprocess.CompletedProcess:
    """One quiet ffmpeg call; the caller checks ``returncode`` and reads ``stderr``.

    ``timeout`` (seconds) raises :class:`subprocess.TimeoutExpired` (a stream that never answers).
    """
    return subprocess.run([exe(), "-hide_banner", "-nostdin", *args], capture_output=True,
                          text=True, errors="replace", start_new_session=True, timeout=timeout)


class Pipe:
    """An ffmpeg process fed raw frames on stdin; :meth:`close` checks that it succeeded.

    ffmpeg runs in its own session so Ctrl-C reaches only us; :meth:`kill` stops it
    whatever happened (the writer always stops ffmpeg).
    """

    def __init__(self, args: list[str], what: str) -> None:
        self.what = what
        self.target = args[-1]  # the file ffmpeg writes
        self._log: IO[bytes] = tempfile.TemporaryFile()
        self._proc = subprocess.Popen([exe(), "-hide_banner", "-nostdin", "-y", *args],
                                      stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                      stderr=self._log, start_new_session=True)

    def write(self, data: bytes | memoryview) -> None:
        try:
            self._proc.stdin.write(data)
        except (BrokenPipeError, OSError):
            self._proc.wait()
            raise DreamError(f"ffmpeg could not write {self.what}: {self._reason()}") from None

    def close(self) -> None:
        """Finish the stream and wait; a non-zero exit (disk full, bad codec) raises."""
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        code = self._proc.wait()
        if code != 0:
            raise DreamError(f"ffmpeg could not finish {self.what} (exit status {code}): {self._reason()}")
        self._log.close()

    def kill(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        for stream in (self._proc.stdin, self._log):
            try:
                stream.close()
            except OSError:
                pass

    def _reason(self) -> str:
        self._log.seek(0)
        text = self._log.read().decode(errors="replace")
        self._log.close()
        if "No space left" in text:
            return "no space left on the device"
        if "File too large" in text:
            return "file too large for the device"
        return reason(text)
