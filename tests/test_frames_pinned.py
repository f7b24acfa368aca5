"""Frames are pinned: the same settings and seed give the same pixels as before the render refactor.

The hashes were taken from the renderer as it stood before issue 11 (commit 383144f)
with these exact settings. If a new *default* changes frames, set the old behaviour
explicitly in the settings here; never update a hash to make this pass.
"""

import hashlib

import numpy as np
import pytest

from dreamvideo.media.sources import load_image
from dreamvideo.render import RunOptions, render_video, render_zoom
from dreamvideo.settings import resolve

from .conftest import FAST, make_clip

ZOOM = ["18fca55f75cba351", "8955e40b2f23f56c", "4cbb929ed2e184b6", "bedb436c7c67b42b"]
VIDEO = {
    "flow": ["f8596f977577e3a8", "3d2cffea0fbc713f", "ac9c558e82624e90", "4cc330b0b563c8df",
             "00c40d1c8d102af5", "00cd906a856d7497"],
    "blend": ["f8596f977577e3a8", "9e6000993ddafd6f", "84ecc7e300a23986", "7ebe18f4efc82de5",
              "707aaefefd4a06c3", "a4af1005afee1641"],
    "none": ["f8596f977577e3a8", "f8596f977577e3a8", "f8596f977577e3a8", "3c10175ec93299b2",
             "3c10175ec93299b2", "3c10175ec93299b2"],
}


def _hashes(folder):
    return [hashlib.sha256(np.ascontiguousarray(load_image(p)).tobytes()).hexdigest()[:16]
            for p in sorted(folder.glob("frame_*.png"))]


def test_zoom_frames_are_unchanged(tmp_path):
    settings = resolve(None, {**FAST, "size": "64x48", "frames": 4, "fps": 12, "seed": 3,
                              "rotate": {0: 0, 3: 2}, "zoom": 1.1})
    render_zoom(settings, "noise", tmp_path / "z.mp4", RunOptions(frames_dir=tmp_path / "f"))
    assert _hashes(tmp_path / "f") == ZOOM


@pytest.mark.parametrize("mode", sorted(VIDEO))
def test_video_frames_are_unchanged(tmp_path, mode):
    clip = make_clip(tmp_path / "clip.mp4", seconds=0.25, rate="24", size="64x48", audio=False)
    settings = resolve(None, {**FAST, "seed": 1, "coherence": mode, "blend": 0.7})
    render_video(settings, clip, tmp_path / "v.mp4", RunOptions(frames_dir=tmp_path / "f"))
    assert _hashes(tmp_path / "f") == VIDEO[mode]
