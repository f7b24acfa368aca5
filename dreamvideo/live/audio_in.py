"""`audio_in`: a microphone, or any sound ffmpeg reads, measured as it plays and fed to schedule expressions live.

The features are the offline `audio` ones (``rms``, ``bass``, ``mid``, ``treble``,
``onset``; :mod:`..media.audio`), measured over the last :data:`FRAME_S` seconds each
time a chunk of sound arrives, so ``blend: "0:(0.3 + 0.6*bass)"`` means the same live as
in a render: each value is 0..1, 1 being the loudest heard so far in the run (a track's
loudest frame offline), and the onset rises on a new sound and falls within
:data:`~..media.audio.ONSET_DECAY_S`. ffmpeg reads the input in a thread of its own:
``pulse`` or ``pulse:DEVICE``, ``alsa:hw:0``, ``avfoundation::0``, ``lavfi:sine=f=220``, or
a sound file or URL (played at its own rate).
"""

from __future__ import annotations

import math
import subprocess
import threading
from typing import Callable

import numpy as np

from ..errors import DreamError
from ..media import ffmpeg
from ..media.audio import FEATURES, ONSET_DECAY_S, SAMPLE_RATE, raw_features
from .controls import LiveControls

DEVICES = ("pulse", "alsa", "avfoundation", "dshow", "openal", "oss", "jack", "lavfi")
CHUNK = 1024  # samples read at a time (46 ms): how often the features change
FRAME_S = 0.05  # seconds each measure covers
FLOOR = {"rms": 1e-3, "bass": 1e-3, "mid": 1e-3, "treble": 1e-3, "onset": 1.0}  # below: silence, not 1


def input_args(spec: str) -> list[str]:
    """ffmpeg's input arguments for ``spec``: ``DEVICE[:NAME]`` for a capture device, else a file; a file
    or a lavfi source is read at its own rate (``-re``), as a device gives it."""
    device, _, name = spec.partition(":")
    if device in DEVICES:
        return [*(["-re"] if device == "lavfi" else []), "-f", device, "-i", name or "default"]
    return ["-re", "-i", spec]


class Loudest:
    """Raw features to 0..1 by the loudest heard so far; the onset held with its decay between chunks."""

    def __init__(self) -> None:
        self.peak = dict(FLOOR)
        self.onset = 0.0
        self.keep = math.exp(-CHUNK / SAMPLE_RATE / ONSET_DECAY_S)

    def __call__(self, window: np.ndarray) -> dict[str, float]:
        raw = {name: float(values[-1]) for name, values in  # the window's second half: the newest sound
               raw_features(window, SAMPLE_RATE, 1 / FRAME_S, 2, decay=False).items()}
        self.onset = raw["onset"] = max(raw["onset"], self.onset * self.keep)
        out = {}
        for name in FEATURES:
            self.peak[name] = max(self.peak[name], raw[name])
            out[name] = raw[name] / self.peak[name] if raw[name] >= FLOOR[name] else 0.0
        return out


class AudioIn:
    """ffmpeg decoding ``spec`` to mono samples; a thread measures each chunk into ``controls.features``."""

    def __init__(self, spec: str, controls: LiveControls, timeout: float = 10.0,
                 note: Callable[[str], None] = lambda text: None) -> None:
        self.spec, self.controls = spec, controls
        self._proc = subprocess.Popen(
            [ffmpeg.exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *input_args(spec), "-vn",
             "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "pipe:1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        first, late = self._first(timeout)
        if first is None:
            self._proc.kill()
            why = ffmpeg.reason(self._proc.stderr.read().decode(errors="replace")) if self._proc.stderr else ""
            self.close()
            raise DreamError(f"`audio_in` {spec} " + (f"gave no sound within {timeout:g} s" if late else
                                                    f"gives no sound: {why.replace('no details', 'it ended')}"))
        controls.features = dict.fromkeys(FEATURES, 0.0)
        self.thread = threading.Thread(target=self.run, args=(first,), name="live-audio-in", daemon=True)
        self.thread.start()
        note(f"live: audio in from {spec}: {', '.join(FEATURES)} feed the schedules")

    def _first(self, timeout: float) -> tuple[np.ndarray | None, bool]:
        """The first chunk, and whether ``timeout`` ran out waiting for it (an input that never answers)."""
        late = threading.Event()

        def expire() -> None:
            late.set()
            self._proc.kill()
        watchdog = threading.Timer(timeout, expire)
        watchdog.start()
        try:
            return self._read(), late.is_set()
        finally:
            watchdog.cancel()

    def _read(self) -> np.ndarray | None:
        data = self._proc.stdout.read(CHUNK * 4) if self._proc.stdout else b""
        return np.frombuffer(data, "<f4") if len(data) == CHUNK * 4 else None

    def run(self, chunk: np.ndarray | None) -> None:
        """Measure each chunk with the ones before it until the input ends or is closed."""
        window, measure = np.zeros(round(2 * SAMPLE_RATE * FRAME_S), np.float32), Loudest()
        while chunk is not None:
            window = np.concatenate([window[len(chunk):], chunk])
            self.controls.features = measure(window)
            chunk = self._read()
        self.controls.features = dict.fromkeys(FEATURES, 0.0)  # the input ended: silence

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        if getattr(self, "thread", None) is not None:
            self.thread.join(2)
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()
