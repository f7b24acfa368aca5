"""Music as motion: decode a track with imageio-ffmpeg's ffmpeg and measure it per video frame.

Features, each normalised to 0..1 over the whole track (1 = the track's loudest
frame), so a schedule such as ``1.01 + 0.08*bass`` means the same for any song:

- ``rms``: loudness of the samples under the frame;
- ``bass``, ``mid``, ``treble``: band amplitude (20-250 Hz, 250-2000 Hz, 2-11 kHz);
- ``onset``: spectral flux (how much new energy appears) with a short decay, so a
  beat gives a sharp rise on its frame and a quick fall, a pulse.

A page of numpy: one short-time Fourier transform with several hops per frame,
pooled into frames. A frame holds the sound heard while it is on screen,
[i/fps, (i+1)/fps); each hop is stamped a quarter window before its end, where a
new sound's flux peaks, so a beat lands on the frame where it is heard.
"""

from __future__ import annotations

import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from ..errors import DreamError, first_line, not_a_file
from .encode import atomic

SAMPLE_RATE = 22050
WINDOW = 1024
BANDS = {"bass": (20.0, 250.0), "mid": (250.0, 2000.0), "treble": (2000.0, SAMPLE_RATE / 2)}
ONSET_DECAY_S = 0.08  # time constant of the onset pulse's fall
FEATURES = ("rms", "bass", "mid", "treble", "onset")


@dataclass(frozen=True)
class AudioFeatures:
    """Per-frame features of one track, each an array of ``frames`` values in 0..1."""

    path: Path
    fps: float
    duration: float
    values: dict[str, np.ndarray]

    @property
    def frames(self) -> int:
        return len(self.values["rms"])


def frame_count(duration: float, fps: float) -> int:
    """Frames that cover a track: the video then ends within half a frame of the audio."""
    return max(1, round(duration * fps))


def decode(path: Path, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Mono float32 PCM in [-1, 1] from any file ffmpeg reads (mp3, wav, m4a, a video's audio)."""
    if not path.is_file():
        raise not_a_file("audio file", path)
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-vn",
           "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "pipe:1"]
    result = subprocess.run(cmd, capture_output=True)
    samples = np.frombuffer(result.stdout, dtype="<f4")
    if result.returncode != 0 or samples.size == 0:
        message = first_line(result.stderr.decode(errors="replace") or "no audio samples")
        if "does not contain any stream" in message or (result.returncode == 0 and samples.size == 0):
            message = "no audio stream"
        raise DreamError(f"cannot read audio from {path}: {message}")
    return samples.astype(np.float32)


def analyse(path: Path, fps: float, frames: int | None = None) -> AudioFeatures:
    """Decode ``path`` and measure it; ``frames`` defaults to the track's length at ``fps``."""
    samples = decode(path)
    duration = len(samples) / SAMPLE_RATE
    frames = frames or frame_count(duration, fps)
    return AudioFeatures(path, fps, duration, features(samples, SAMPLE_RATE, fps, frames))


def _stft(samples: np.ndarray, hop: int) -> tuple[np.ndarray, np.ndarray]:
    """Magnitudes (hops, bins) in amplitude units, and each hop's time stamp in seconds."""
    padded = np.concatenate([np.zeros(WINDOW, np.float32), samples, np.zeros(WINDOW, np.float32)])
    count = 1 + (len(padded) - WINDOW) // hop
    index = np.arange(WINDOW)[None, :] + hop * np.arange(count)[:, None]
    window = np.hanning(WINDOW).astype(np.float32)
    mags = np.abs(np.fft.rfft(padded[index] * window, axis=1)) * (2 / window.sum())
    # Window k ends at sample k*hop of the track; a new sound's flux peaks when it sits a
    # quarter window from the end (the Hann window's steepest rise), so stamp it there.
    stamps = (hop * np.arange(count) - WINDOW / 4) / SAMPLE_RATE
    return mags, stamps


def _pool(values: np.ndarray, frame_of: np.ndarray, frames: int, how: str) -> np.ndarray:
    """Combine hop values into frames (mean or max); frames without hops read 0."""
    keep = (frame_of >= 0) & (frame_of < frames)
    out = np.zeros(frames)
    if how == "max":
        np.maximum.at(out, frame_of[keep], values[keep])
        return out
    counts = np.bincount(frame_of[keep], minlength=frames)
    sums = np.bincount(frame_of[keep], weights=values[keep], minlength=frames)
    return np.divide(sums, counts, out=np.zeros(frames), where=counts > 0)


def _normalise(values: np.ndarray) -> np.ndarray:
    peak = float(values.max()) if values.size else 0.0
    return values / peak if peak > 0 else np.zeros_like(values)


def features(samples: np.ndarray, sample_rate: int, fps: float, frames: int) -> dict[str, np.ndarray]:
    """Per-frame rms, band amplitudes and onset strength, each normalised to 0..1."""
    return {name: _normalise(values) for name, values in raw_features(samples, sample_rate, fps, frames).items()}


def raw_features(samples: np.ndarray, sample_rate: int, fps: float, frames: int,
                 decay: bool = True) -> dict[str, np.ndarray]:
    """Per-frame features in their own units (amplitudes; the onset's spectral flux, with its decay unless not
    ``decay``): a live input normalises them by what it has heard so far, a track by its loudest frame."""
    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"features expect {SAMPLE_RATE} Hz samples")
    hop = max(32, min(256, int(sample_rate / fps / 2)))  # at least two hops per frame
    mags, stamps = _stft(samples, hop)
    frame_of = np.floor(stamps * fps + 1e-9).astype(int)
    freqs = np.fft.rfftfreq(WINDOW, 1 / sample_rate)
    out = {"rms": _frame_rms(samples, sample_rate, fps, frames)}
    for name, (low, high) in BANDS.items():
        band = (freqs >= low) & (freqs < high)
        power = (mags[:, band] ** 2).mean(axis=1)
        out[name] = np.sqrt(_pool(power, frame_of, frames, "mean"))
    compressed = np.log1p(1000.0 * mags)
    flux = np.concatenate([[0.0], np.maximum(np.diff(compressed, axis=0), 0).sum(axis=1)])
    onset = _pool(flux, frame_of, frames, "max")
    out["onset"] = _decay(onset, fps) if decay else onset
    return out


def _frame_rms(samples: np.ndarray, sample_rate: int, fps: float, frames: int) -> np.ndarray:
    bounds = np.round(np.arange(frames + 1) * sample_rate / fps).astype(int)
    bounds = np.clip(bounds, 0, len(samples))
    squares = np.concatenate([[0.0], np.cumsum(samples.astype(np.float64) ** 2)])
    counts = np.maximum(np.diff(bounds), 1)
    return np.sqrt((squares[bounds[1:]] - squares[bounds[:-1]]) / counts)


def _decay(strength: np.ndarray, fps: float) -> np.ndarray:
    """Each frame keeps at least a decayed share of the one before: a beat rises, then falls fast."""
    keep = math.exp(-1.0 / (fps * ONSET_DECAY_S))
    out = strength.copy()
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1] * keep)
    return out


def plot(audio: AudioFeatures, output: Path) -> Path:
    """One stacked chart per feature over time, so a user sees what will drive the motion."""
    from matplotlib.figure import Figure  # no pyplot: no global state, no display needed

    fig = Figure(figsize=(12, 7), layout="constrained")
    axes = fig.subplots(len(FEATURES), 1, sharex=True)
    seconds = np.arange(audio.frames) / audio.fps
    colours = {"rms": "black", "bass": "tab:red", "mid": "tab:green", "treble": "tab:blue", "onset": "tab:purple"}
    for ax, name in zip(axes, FEATURES):
        ax.fill_between(seconds, audio.values[name], step="post", color=colours[name], alpha=0.35)
        ax.step(seconds, audio.values[name], where="post", color=colours[name], linewidth=0.8)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel(f"seconds ({audio.frames} frames at {audio.fps:g} fps)")
    axes[0].set_title(f"{audio.path.name}: features per frame, 0..1 over the track "
                      "(usable in schedules, e.g. zoom: \"0:(1.01 + 0.08*bass)\")")
    with atomic(output) as tmp:
        fig.savefig(tmp, dpi=100, format=output.suffix.lstrip(".").lower() or "png")
    return output
