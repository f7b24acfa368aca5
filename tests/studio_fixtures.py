"""Fixtures for the studio tests: an app on a temporary folder, and a client that holds the token."""

from __future__ import annotations

import subprocess
import time
import warnings
from pathlib import Path

import imageio_ffmpeg
import pytest
import yaml

pytest.importorskip("fastapi")
with warnings.catch_warnings():  # starlette's note about httpx2: not ours to act on
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from dreamvideo.media.formats import find_format
from dreamvideo.media.sequence_output import sidecar_path
from dreamvideo.studio.app import create_app

TOKEN = "test-token-123"
BASE = "http://127.0.0.1:8188"
TINY = {"size": "64x64", "frames": 4, "octaves": 1, "steps": 2, "jitter": 4}


def make_client(folder: Path, **options) -> TestClient:
    app = create_app(folder, TOKEN, "127.0.0.1", 8188, **options)
    return TestClient(app, base_url=BASE, headers={"x-studio-token": TOKEN})


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "studio"
    path.mkdir()
    return path


@pytest.fixture
def client(folder: Path):
    with make_client(folder) as test_client:
        yield test_client


def wait_for(client: TestClient, job_id: str, states: tuple[str, ...], timeout: float = 120.0,
             until=None) -> dict:
    """Poll a job until it reaches one of ``states`` (or ``until(job)`` holds); fail on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in states or (until and until(job)):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never reached {states}: {job}")


def make_render(path: Path, codec: str | None = None, frames: int = 12, size: str = "64x48") -> Path:
    """A zoom's render as the formats table writes ``path`` (with ``codec``), from ffmpeg's test pattern at
    12 fps, and the sidecar a render leaves where it leaves it (nothing is dreamed)."""
    fmt = find_format(path, codec)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size={size}:rate=12:duration={frames / 12}", *fmt.output_args(18, loop=True),
                    str(path)], check=True)
    settings = {"frames": frames, "fps": 12.0, "size": [int(side) for side in size.split("x")],
                **({"codec": codec} if codec else {})}
    sidecar_path(path).write_text(yaml.safe_dump({**settings, "meta": {"from": "noise", "output": path.name}}))
    return path
