"""Shared fixtures: sample images, synthetic clips made with imageio-ffmpeg's ffmpeg, a CLI runner."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Iterator

import imageio_ffmpeg
import pytest
import torch
from typer.testing import CliRunner

from dreamvideo.media import ffmpeg as media_ffmpeg

pytest_plugins = ["tests.ray_fixtures"]  # one Ray runtime per session, for the distributed tests

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "Images"

# Small, fast dream settings for pipeline and CLI tests.
FAST = {"octaves": 1, "steps": 2, "jitter": 4}
FAST_ARGS = ["--octaves", "1", "--steps", "2", "--jitter", "4"]

torch.set_num_threads(2)


@pytest.fixture(scope="session", autouse=True)
def precision_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`precision` auto's probe cache: one per session, never the user's (XDG_CACHE_HOME also holds torch's hub)."""
    path = tmp_path_factory.mktemp("cache") / "precision.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("dreamvideo.render.precision.cache_file", lambda: path)
        yield path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def chelsea() -> Path:
    return IMAGES / "chelsea.jpg"


def make_clip(path: Path, seconds: float = 1.0, rate: str = "30000/1001", size: str = "64x48",
              audio: bool = True) -> Path:
    """A testsrc2 clip, with a sine tone when ``audio``."""
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
           "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}"]
    if audio:
        cmd += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-c:a", "aac"]
    cmd += ["-t", str(seconds), "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(cmd, check=True)
    return path


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "clip.mp4")


def ffmpeg(*args: str) -> None:
    """Run the ffmpeg that imageio-ffmpeg ships, quietly, failing the test on error."""
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True)


def streams(path: Path) -> dict[str, int]:
    """Count a file's video and audio streams as ffmpeg reports them (there is no ffprobe to ask)."""
    header = media_ffmpeg.run(["-i", str(path)]).stderr
    return {kind: len(re.findall(rf"Stream #\d+:\d+.*: {kind.title()}:", header)) for kind in ("video", "audio")}


def truncated_clip(folder: Path, seconds: float) -> Path:
    """A 64x48 24 fps clip with its index at the front, cut to 30% of its bytes."""
    full = folder / "full.mp4"
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=64x48:rate=24:d={seconds},noise=alls=60:allf=t",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(full))
    cut = folder / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 3 // 10])
    return cut
