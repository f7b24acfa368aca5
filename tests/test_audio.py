import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from dreamvideo.errors import DreamError
from dreamvideo.media import audio

CLICKS = np.arange(0.25, 4.0, 0.5)  # a click every 0.5 s, off the frame grid at 30 fps


def click_track(path: Path, seconds: float = 4.0, rate: int = 44100) -> Path:
    """Clicks every 0.5 s over a quiet 60 Hz hum, encoded by ffmpeg (mp3 when asked)."""
    n = int(seconds * rate)
    samples = 0.05 * np.sin(2 * np.pi * 60 * np.arange(n) / rate)
    burst = np.hanning(200) * np.sign(np.sin(np.arange(200)))
    for c in CLICKS[CLICKS < seconds]:
        samples[int(c * rate): int(c * rate) + 200] += 0.9 * burst
    raw = path.with_suffix(".raw")
    (samples.clip(-1, 1) * 32767).astype("<i2").tofile(raw)
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "s16le", "-ar", str(rate),
                    "-ac", "1", "-i", str(raw), str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def clicks(tmp_path_factory) -> Path:
    return click_track(tmp_path_factory.mktemp("audio") / "clicks.wav")


def peaks(values: np.ndarray) -> list[int]:
    return [i for i in range(1, len(values) - 1) if values[i] > 0.5 and values[i] >= values[i - 1]
            and values[i] > values[i + 1]]


@pytest.mark.parametrize("fps", [24, 30])
def test_onset_peaks_within_a_frame_of_each_click(clicks, fps):
    features = audio.analyse(clicks, fps)
    assert features.frames == 4 * fps and features.duration == pytest.approx(4.0, abs=0.01)
    found = peaks(features.values["onset"])
    assert len(found) == len(CLICKS)
    assert np.abs(np.array(found) - CLICKS * fps).max() <= 1


def test_onset_pulses_and_features_are_normalised(clicks):
    features = audio.analyse(clicks, 24)
    onset = features.values["onset"]
    for name in audio.FEATURES:
        assert features.values[name].min() >= 0 and features.values[name].max() == pytest.approx(1.0)
    beat = int(CLICKS[1] * 24)
    assert onset[beat + 3] < 0.5 * onset[beat] and onset[beat + 6] < 0.1  # a short decay: beats pulse
    assert features.values["bass"][beat + 6] > 0.8  # the hum is all bass
    assert features.values["treble"][beat] > 5 * features.values["treble"][beat + 6]


def test_mp3_decodes_and_frames_follow_length(tmp_path):
    features = audio.analyse(click_track(tmp_path / "song.mp3", seconds=1.5), 24, frames=50)
    assert features.frames == 50 and features.duration == pytest.approx(1.5, abs=0.06)
    assert features.values["rms"][40:].max() == 0 and features.values["bass"][40:].max() == 0  # silence after
    assert audio.frame_count(1.5, 24) == 36


def test_missing_or_silent_input_is_one_line(tmp_path):
    with pytest.raises(DreamError, match="audio file not found"):
        audio.analyse(tmp_path / "nope.mp3", 24)
    picture = tmp_path / "picture.png"
    Image.new("RGB", (8, 8)).save(picture)
    with pytest.raises(DreamError, match=r"^cannot read audio from .*picture.png: no audio stream$"):
        audio.analyse(picture, 24)


def test_plot_draws_every_feature(clicks, tmp_path):
    out = audio.plot(audio.analyse(clicks, 24), tmp_path / "features.png")
    with Image.open(out) as img:
        assert img.size[0] > 800 and img.size[1] > 500
        colours = np.asarray(img.convert("RGB")).reshape(-1, 3)
    purple = np.array([148, 103, 189])  # tab:purple, the onset line
    assert (np.abs(colours.astype(int) - purple).sum(axis=1) < 30).sum() > 50
