"""A live recording of a file with sound: the source's audio under the recorded frames, aligned on the
source's clock (looped with a looped file), in formats that take audio; a format without says so."""

import numpy as np
import pytest
import yaml

from dreamvideo.live import LiveOptions, MemorySink, run_live
from dreamvideo.media.audio import SAMPLE_RATE, decode
from dreamvideo.media.sources import probe
from dreamvideo.progress import Notes
from dreamvideo.settings import resolve

from .conftest import ffmpeg, streams

TINY = {"octaves": 1, "steps": 1, "frame_steps": 1, "jitter": 4, "size": "64x48", "seed": 5}
TONE_AT = 1.5  # s: the clip is silent before, a 440 Hz tone after


def _clip_with_a_late_tone(path, seconds: float = 2.5, tone_at: float = TONE_AT):
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=64x48:rate=24:duration={seconds}",
           "-f", "lavfi", "-i", f"aevalsrc='if(gte(t,{tone_at}),0.8*sin(2*PI*440*t),0)':s=44100:d={seconds}",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path))
    return path


def _tone_starts(samples: np.ndarray) -> float:
    return float(np.argmax(np.abs(samples) > 0.2)) / SAMPLE_RATE


def test_a_recording_carries_the_source_audio_of_the_frames_it_shows(tmp_path):
    clip, record, sink = _clip_with_a_late_tone(tmp_path / "tone.mp4"), tmp_path / "live.mp4", MemorySink()
    run_live(resolve(None, TINY), LiveOptions(str(clip), record=record, duration=30, sinks=[sink]))
    frames, first = probe(record).frames, sink.frames[0][1].seq
    samples = decode(record)
    assert streams(record) == {"video": 1, "audio": 1}
    assert abs(len(samples) / SAMPLE_RATE - frames / 24) <= 1 / 24 + 0.05  # they end together
    assert _tone_starts(samples) == pytest.approx(TONE_AT - first / 24, abs=1 / 24 + 0.03)  # and line up
    fact = yaml.safe_load(record.with_name("live.mp4.yaml").read_text())["meta"]["audio"]
    assert fact["start_s"] == pytest.approx(first / 24, abs=1e-3) and fact["looped"] is False


def test_a_looped_file_loops_its_audio_with_the_frames(tmp_path):
    clip, record = _clip_with_a_late_tone(tmp_path / "tone.mp4", seconds=1.0, tone_at=0.5), tmp_path / "loop.webm"
    run_live(resolve(None, TINY), LiveOptions(str(clip), record=record, duration=3.0, loop_input=True))
    frames, samples = probe(record).frames, decode(record)
    assert frames / 24 > 1.2 and abs(len(samples) / SAMPLE_RATE - frames / 24) <= 1 / 24 + 0.05
    meta = yaml.safe_load(record.with_name("loop.webm.yaml").read_text())["meta"]
    assert meta["audio"]["looped"] is True
    tones = [k + 0.5 - meta["audio"]["start_s"] for k in range(1, 4)]  # each pass's tone, on the recording's clock
    tones = [t for t in tones if 0.3 < t < len(samples) / SAMPLE_RATE - 0.3]
    assert tones
    for tone in tones:
        loud = np.abs(samples[int((tone + 0.1) * SAMPLE_RATE):][:SAMPLE_RATE // 10]).max()
        quiet = np.abs(samples[int((tone - 0.25) * SAMPLE_RATE):][:SAMPLE_RATE // 10]).max()
        assert loud > 0.3 and quiet < 0.05


def test_a_format_without_audio_records_the_frames_and_says_so(tmp_path):
    clip, record, notes = _clip_with_a_late_tone(tmp_path / "tone.mp4", seconds=1.0), tmp_path / "x.gif", Notes()
    run_live(resolve(None, TINY), LiveOptions(str(clip), record=record, duration=30), progress=notes)
    assert probe(record).frames > 0 and not probe(record).has_audio
    assert any("takes no audio" in line for line in notes.lines)
    assert "audio" not in yaml.safe_load(record.with_name("x.gif.yaml").read_text())["meta"]
