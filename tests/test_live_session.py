"""Live runs end to end at tiny sizes: test pattern and file sources to a recording and a memory sink,
the capture stamps, an OSC message taking effect mid-run, the source's end stopping the run."""

import socket
import threading
import time

import numpy as np
import pytest
import yaml

from dreamvideo.live import LiveControls, LiveOptions, MemorySink, run_live
from dreamvideo.media import sources
from dreamvideo.render import Engine
from dreamvideo.settings import resolve

from .conftest import make_clip

TINY = {"octaves": 1, "steps": 1, "frame_steps": 1, "jitter": 4, "size": "64x48", "seed": 5}


def _settings(**extra):
    return resolve(None, {**TINY, **extra})


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_test_pattern_is_dreamed_live_into_a_recording_and_a_sink(tmp_path):
    sink, record = MemorySink(), tmp_path / "live.mp4"
    stats = run_live(_settings(), LiveOptions("test", record=record, duration=2.0, sinks=[sink]))
    assert stats.shown == len(sink.frames) >= 10
    shown = np.stack([frame for frame, _ in sink.frames]).astype(float)
    source = np.stack([stamped.frame for _, stamped in sink.frames]).astype(float)
    assert shown.shape[1:] == (48, 64, 3)
    assert np.abs(shown - source).mean() > 2  # dreamed, not the source passed through
    assert np.abs(np.diff(shown, axis=0)).mean() > 1  # it follows the moving pattern
    info = sources.probe(record)
    assert (info.width, info.height) == (64, 48) and float(info.fps) == pytest.approx(24)
    assert len(list(sources.read_frames(info, (64, 48)))) == stats.captured  # skipped frames repeat: real time
    sidecar = yaml.safe_load(record.with_name("live.mp4.yaml").read_text())
    assert sidecar["meta"]["live"] == stats.summary() and sidecar["meta"]["source"] == "test"
    assert sidecar["steps"] == 1 and "cadence" not in sidecar


def test_capture_stamps_are_on_one_monotonic_clock_and_latency_is_positive(tmp_path):
    sink = MemorySink()
    started = time.monotonic()
    stats = run_live(_settings(), LiveOptions("test", duration=1.5, sinks=[sink]))
    stamps = [stamped.stamp for _, stamped in sink.frames]
    seqs = [stamped.seq for _, stamped in sink.frames]
    assert started < stamps[0] and stamps[-1] < time.monotonic()
    assert all(b > a for a, b in zip(stamps, stamps[1:])) and all(b > a for a, b in zip(seqs, seqs[1:]))
    assert stats.latencies and all(0 < late < 5 for late in stats.latencies)


def test_a_file_plays_at_its_own_rate_and_its_end_stops_the_run(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", seconds=1.5, rate="24", audio=False)
    sink, controls, record = MemorySink(), LiveControls(_settings()), tmp_path / "played.gif"
    started = time.monotonic()
    stats = run_live(_settings(), LiveOptions(str(clip), record=record, duration=30, sinks=[sink]), controls=controls)
    assert time.monotonic() - started < 25 and "ended" in controls.reason
    assert 0 < stats.shown <= 36
    assert sources.probe(record).width == 64 and record.with_name("played.gif.yaml").is_file()
    stamps = [stamped.stamp for _, stamped in sink.frames]
    span = (sink.frames[-1][1].seq - sink.frames[0][1].seq) / (stamps[-1] - stamps[0])
    assert 12 < span < 36  # captured at about the clip's 24 fps, not as fast as it decodes


def test_loop_input_plays_a_file_past_its_end(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", seconds=0.5, rate="24", audio=False)
    sink = MemorySink()
    run_live(_settings(), LiveOptions(str(clip), duration=2.5, loop_input=True, sinks=[sink]))
    assert sink.frames[-1][1].seq > 24  # more frames than the 12 of one pass


def test_an_osc_message_changes_a_setting_mid_run(tmp_path, monkeypatch):
    from pythonosc.udp_client import SimpleUDPClient

    used: list[float] = []
    real = Engine.dream_octaves

    def spy(engine, *args, **kwargs):
        used.append(engine.settings.step_size)
        return real(engine, *args, **kwargs)
    monkeypatch.setattr(Engine, "dream_octaves", spy)
    port, controls = _free_udp_port(), LiveControls(_settings())

    def send() -> None:
        while not controls.frame():  # the run is showing frames
            time.sleep(0.05)
        client = SimpleUDPClient("127.0.0.1", port)
        client.send_message("/dreamvideo/step_size", 0.08)
        client.send_message("/dreamvideo/size", 128)  # fixed while live: a note, the run goes on
    threading.Thread(target=send, daemon=True).start()
    run_live(_settings(), LiveOptions("test", duration=3, osc=port), controls=controls)
    assert controls.settings.step_size == pytest.approx(0.08) and controls.version == 1
    assert used[0] == pytest.approx(0.05) and used[-1] == pytest.approx(0.08)


def test_dive_feeds_the_last_dream_back_into_the_next(monkeypatch):
    """With `dive` each key starts from the last dream zoomed in and mixed in, not from the camera frame."""
    from dreamvideo.live.dreamer import LiveDreamer

    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    real_dream, real_octaves = LiveDreamer.dream, Engine.dream_octaves
    captured: list[np.ndarray] = []

    def dream(worker, stamped):
        captured.append(stamped.frame)
        return real_dream(worker, stamped)

    def octaves(engine, frame, *args, **kwargs):
        pairs.append((captured[-1], frame))
        return real_octaves(engine, frame, *args, **kwargs)
    monkeypatch.setattr(LiveDreamer, "dream", dream)
    monkeypatch.setattr(Engine, "dream_octaves", octaves)
    run_live(_settings(dive=1.3, blend=0.7), LiveOptions("test", duration=1.5))
    assert len(pairs) >= 3
    assert np.array_equal(*pairs[0])  # the first key: nothing to feed back yet
    assert all(np.abs(raw.astype(float) - fed.astype(float)).mean() > 5 for raw, fed in pairs[1:])
