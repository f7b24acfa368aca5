"""The studio's Live API: the MJPEG stream of a running session, controls taking effect mid-run, start and stop,
sources confined to the folder, and the token, Host and Origin checks on every live endpoint."""

from __future__ import annotations

# ruff: noqa: F811  (fixtures are imported by name, pytest injects them by name)
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from dreamvideo.live import LiveOptions
from dreamvideo.live.dreamer import LiveDreamer
from dreamvideo.settings import resolve
from dreamvideo.studio.live_hub import LiveHub
from tests.conftest import make_clip
from tests.studio_fixtures import TOKEN, folder, make_client  # noqa: F401

TINY = {"size": 64, "octaves": 1, "steps": 1, "frame_steps": 1, "jitter": 4, "seed": 3}
ENDPOINTS = [("get", "/api/live"), ("get", "/api/live/stream"), ("post", "/api/live/controls"),
             ("post", "/api/live/start"), ("post", "/api/live/stop")]


def live_client(folder: Path, **options):
    client = make_client(folder)
    client.app.state.live = LiveHub(resolve(None, TINY), LiveOptions(loop_input=True, **options))
    return client


@pytest.fixture
def client(folder: Path):
    with live_client(folder) as test_client:
        yield test_client
        test_client.app.state.live.stop()


def jpeg_parts(body: bytes) -> list[np.ndarray]:
    """The images of a ``multipart/x-mixed-replace; boundary=frame`` body."""
    images = []
    for part in body.split(b"--frame\r\n")[1:]:
        head, _, rest = part.partition(b"\r\n\r\n")
        assert b"Content-Type: image/jpeg" in head
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        images.append(cv2.imdecode(np.frombuffer(rest[:length], np.uint8), cv2.IMREAD_COLOR))
    return images


def test_the_stream_sends_the_shown_frames_as_moving_jpeg_parts_until_the_session_ends(folder):
    with live_client(folder, duration=3.0) as client:
        started = client.post("/api/live/start", json={"source": "test"})
        assert started.status_code == 200 and started.json()["running"] and started.json()["source"] == "test"
        response = client.get("/api/live/stream")  # ends with the session, after its 3 s
        assert response.headers["content-type"] == "multipart/x-mixed-replace; boundary=frame"
        images = jpeg_parts(response.content)
        assert len(images) >= 10 and {image.shape for image in images} == {(48, 64, 3)}
        assert np.abs(np.diff(np.stack(images).astype(float), axis=0)).mean() > 1  # it follows the moving pattern
        state = client.get("/api/live").json()
        assert not state["running"] and state["stats"]["shown_fps"] > 5
        assert client.get("/api/live/stream").status_code == 409  # nothing to stream once stopped


def test_controls_change_the_running_dream_without_a_restart(client, monkeypatch):
    seen: list[tuple] = []
    sync = LiveDreamer.sync

    def watched(self):
        sync(self)
        seen.append((self.settings.step_size, tuple(self.engine.model.requested), self.engine.settings.octaves))
    monkeypatch.setattr(LiveDreamer, "sync", watched)
    assert client.post("/api/live/start", json={"source": "test"}).json()["running"]
    changed = client.post("/api/live/controls", json={"layers": "block5", "step_size": 0.12, "dive_zoom": 1.03})
    assert changed.status_code == 200
    assert changed.json()["controls"] == {"layers": "block5", "step_size": 0.12, "octaves": 1, "pull": 0.8,
                                          "dive_zoom": 1.03}
    deadline = time.monotonic() + 30
    while (0.12, ("block5",), 1) not in seen and time.monotonic() < deadline:
        time.sleep(0.1)
    assert seen[0][:2] == (0.05, ("block10",)) and (0.12, ("block5",), 1) in seen  # the dream worker took it up
    state = client.get("/api/live").json()
    assert state["running"] and state["controls"]["layers"] == "block5" and "block5" in state["layers"]
    bad = client.post("/api/live/controls", json={"step_size": 9})
    assert bad.status_code == 422 and "\n" not in bad.json()["error"]
    assert client.get("/api/live").json()["controls"]["step_size"] == 0.12


def test_start_and_stop_a_session_from_the_panel(client, folder):
    make_clip(folder / "clip.mp4", seconds=1.0, audio=False)
    assert client.get("/api/live").json() | {"clips": None, "controls": None, "layers": None} == {
        "available": True, "running": False, "source": None, "error": None, "clips": None, "controls": None,
        "layers": None, "stats": {"shown_fps": 0, "dream_rate": 0, "p95_ms": 0, "dropped": 0}}
    assert client.get("/api/live").json()["clips"] == ["clip.mp4"]
    assert client.post("/api/live/start", json={"source": "clip.mp4"}).json()["source"] == "clip.mp4"
    again = client.post("/api/live/start", json={"source": "test"})
    assert again.status_code == 400 and "already running (clip.mp4)" in again.json()["error"]
    stopped = client.post("/api/live/stop")
    assert stopped.status_code == 200 and stopped.json()["running"] is False
    assert client.post("/api/live/start", json={"source": "test"}).json()["running"]
    assert client.post("/api/live/stop").json()["running"] is False


@pytest.mark.parametrize("source, status, line", [
    ("../outside.mp4", 403, "path leaves the studio folder"),
    ("/etc/hostname", 403, "path must be relative to the studio folder"),
    ("missing.mp4", 404, "not found: missing.mp4"),
    ("rtsp://127.0.0.1/x", 400, "the Live panel plays test, a camera number or a clip in the studio folder"),
])
def test_a_start_source_outside_the_folder_is_refused_in_one_line(client, tmp_path, source, status, line):
    make_clip(tmp_path / "outside.mp4", seconds=0.5, audio=False)
    response = client.post("/api/live/start", json={"source": source})
    assert (response.status_code, response.json()) == (status, {"error": line})
    assert client.get("/api/live").json()["running"] is False


def test_a_camera_that_does_not_open_is_one_line_and_nothing_runs(client):
    response = client.post("/api/live/start", json={"source": "7"})
    assert response.status_code == 400 and "camera 7 does not open" in response.json()["error"]
    assert "\n" not in response.json()["error"] and client.get("/api/live").json()["running"] is False


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_every_live_endpoint_needs_the_token_our_host_and_our_origin(client, method, path):
    send = getattr(client, method)
    body = {"json": {"source": "test"}} if method == "post" else {}
    assert send(path, headers={"x-studio-token": ""}, **body).status_code == 401
    assert send(path, headers={"x-studio-token": "wrong"}, **body).status_code == 401
    assert send(path, headers={"host": "evil.example:8188"}, **body).status_code == 403
    if method == "post":
        assert send(path, headers={"origin": "http://evil.example"}, **body).status_code == 403
    assert client.get("/api/live").json()["running"] is False  # none of them started anything
