"""`dreamvideo live` on the command line: bad sources and sizes in one line, `--duration`, SIGTERM."""

import os
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
import yaml

from dreamvideo.cli import app
from dreamvideo.media import sources

from .conftest import ROOT

TINY = ["--size", "64x48", "--steps", "1", "--octaves", "1", "--frame-steps", "1", "--jitter", "4"]


@pytest.mark.parametrize("source, expected", [
    ("7", "camera 7 does not open"),
    ("/dev/video9", "camera /dev/video9 does not open"),
    ("no-such-clip.mp4", "source no-such-clip.mp4 not found"),
    ("udp://127.0.0.1:9", "did not answer within 0.5 s"),
])
def test_a_bad_source_is_one_line_and_exit_1_without_a_hang(runner, source, expected):
    started = time.monotonic()
    result = runner.invoke(app, ["live", source, *TINY, "--timeout", "0.5", "--duration", "1"])
    assert result.exit_code == 1 and expected in result.output
    assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output
    assert time.monotonic() - started < 15


@pytest.mark.parametrize("args, expected", [
    (["--size", "20"], "smaller than this layer's minimum"),
    (["--size", "8"], "--size"),
    (["--record", "out.avi"], "unsupported output type '.avi'"),
    (["--record", "out.mp4", "--codec", "hap"], "--codec 'hap' does not go in .mp4; it takes: h264 (default), hevc"),
    (["--record", "out.mov", "--codec", "dnxhr"], "dnxhr needs frames of at least 256x120, these are 64x48"),
    (["--window"], "--window needs"),
])
def test_an_unsupported_size_or_sink_is_one_line(runner, tmp_path, monkeypatch, args, expected):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    args = [str(tmp_path / a) if a.startswith("out.") else a for a in args]
    result = runner.invoke(app, ["live", "test", "--steps", "1", "--octaves", "1", "--duration", "1", "--size", "64x48",
                                 *args])
    assert result.exit_code == 1 and expected in result.output
    assert result.output.strip().count("\n") == 0


def test_duration_stops_the_run_and_prints_the_summary(runner, tmp_path):
    record = tmp_path / "clip.webm"
    started = time.monotonic()
    result = runner.invoke(app, ["live", "test", *TINY, "--duration", "1.5", "--record", str(record)])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 30
    assert "live: shown " in result.output and "latency p50" in result.output
    assert sources.probe(record).frames >= 10


def test_sigterm_finalises_a_playable_recording(tmp_path):
    record = tmp_path / "x.mp4"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "dreamvideo", "live", "test", *TINY, "--record", str(record)],
                             cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in child.stderr:  # the run says when it is running
            if "Ctrl-C stops" in line:
                break
        time.sleep(1.5)
        child.send_signal(signal.SIGTERM)
        stdout, stderr = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0, stderr
    assert stdout.startswith("live: shown ")
    assert len(list(sources.read_frames(sources.probe(record), (64, 48)))) >= 10
    sidecar = yaml.safe_load(record.with_name("x.mp4.yaml").read_text())
    assert sidecar["meta"]["live"] == stdout.strip()


def test_a_recording_as_a_16_bit_image_sequence_has_its_sidecar_beside(runner, tmp_path):
    pattern = tmp_path / "rec" / "l_%04d.png"
    result = runner.invoke(app, ["live", "test", *TINY, "--duration", "1", "--record", str(pattern),
                                 "--bit-depth", "16"])
    assert result.exit_code == 0, result.output
    frames = sorted(p.name for p in pattern.parent.glob("l_*.png"))
    assert len(frames) >= 5 and frames == [f"l_{i:04d}.png" for i in range(1, len(frames) + 1)]
    last = cv2.imread(str(pattern.parent / frames[-1]), cv2.IMREAD_UNCHANGED)
    assert last.shape == (48, 64, 3) and last.dtype == np.uint16
    assert yaml.safe_load((pattern.parent / "l.yaml").read_text())["meta"]["frames"] == len(frames)


def test_serve_shows_the_session_in_the_studio_and_duration_stops_both(tmp_path):
    from tests.studio_server import StudioServer

    server = StudioServer(tmp_path, *TINY, "--duration", "6",
                          command=("live", "test", "--serve", "--folder", str(tmp_path)))
    try:
        with server.client() as client:
            state = client.get("/api/live").json()
            assert state["running"] and state["source"] == "test"
            assert client.get("/api/live", headers={"x-studio-token": "wrong"}).status_code == 401
            with client.stream("GET", "/api/live/stream") as stream:
                body = b"".join(stream.iter_bytes())  # the stream ends by itself when the duration stops the session
        assert body.count(b"Content-Type: image/jpeg") >= 10
        stdout, stderr = server.process.communicate(timeout=60)
    finally:
        server.process.kill()
    assert server.process.returncode == 0, stderr
    assert stdout.strip().startswith("live: shown ") and "studio stopped" in stderr and "Traceback" not in stderr
