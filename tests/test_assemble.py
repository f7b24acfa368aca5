"""The assembly pass publishes only verified outputs, together with their sidecars."""

import os

import numpy as np
import pytest
from PIL import Image

from dreamvideo.errors import DreamError
from dreamvideo.media import ffmpeg
from dreamvideo.render import RunOptions, render_still, render_video, render_zoom
from dreamvideo.render.assemble import publish_image
from dreamvideo.settings import resolve

from .conftest import FAST, make_clip


def _zoom(**extra):
    return resolve(None, {**FAST, "size": "64x64", "frames": 3, "fps": 12, "seed": 3, **extra})


def test_an_encode_that_silently_fails_never_replaces_a_good_output(tmp_path, monkeypatch):
    """ffmpeg that exits quietly with a broken file (a full disk) must not win the rename."""
    out = tmp_path / "dive.mp4"
    render_zoom(_zoom(), "noise", out, RunOptions())
    good = out.read_bytes()
    real_close = ffmpeg.Pipe.close

    def close_then_truncate(pipe):
        real_close(pipe)
        with open(pipe.target, "r+b") as handle:
            handle.truncate(os.path.getsize(pipe.target) // 3)

    monkeypatch.setattr(ffmpeg.Pipe, "close", close_then_truncate)
    frames = tmp_path / "frames"
    with pytest.raises(DreamError, match="does not read back|reads back as"):
        render_zoom(_zoom(), "noise", out, RunOptions(frames_dir=frames))
    assert out.read_bytes() == good
    assert len(list(frames.glob("frame_*.png"))) == 3  # finished frames survive
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


def test_output_onto_the_input_is_refused_before_any_work(tmp_path, chelsea):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(chelsea.read_bytes())
    link = tmp_path / "link.jpg"
    link.symlink_to(photo)
    before = photo.read_bytes()
    for target in (photo, link, tmp_path / "." / "photo.jpg"):
        with pytest.raises(DreamError, match="is the input file"):
            render_still(resolve(None, FAST), photo, target, RunOptions())
    assert photo.read_bytes() == before


def test_video_output_onto_its_input_is_refused(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", seconds=0.2, audio=False)
    before = clip.read_bytes()
    with pytest.raises(DreamError, match="is the input file"):
        render_video(resolve(None, FAST), clip, clip, RunOptions())
    assert clip.read_bytes() == before


def test_a_failed_sidecar_leaves_no_output(tmp_path):
    """A render refuses a sidecar path that is a folder up front (``test_reads.py``); should the
    sidecar fail at publishing all the same, the output is not published without it."""
    out = tmp_path / "cat.png"
    (tmp_path / "cat.png.yaml").mkdir()  # the sidecar cannot be written there
    with pytest.raises(DreamError, match=r"cannot write .*cat\.png\.yaml: Is a directory"):
        publish_image(np.zeros((16, 16, 3), np.uint8), out, "steps: 2\n")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.png.yaml"]


def test_an_output_that_is_a_directory_is_refused_before_dreaming(tmp_path, chelsea):
    out = tmp_path / "o.png"
    out.mkdir()
    with pytest.raises(DreamError, match="is a directory"):
        render_still(resolve(None, FAST), chelsea, out, RunOptions())


def test_a_still_reads_back_before_it_is_published(tmp_path, chelsea):
    out = render_still(resolve(None, {**FAST, "size": 80}), chelsea, tmp_path / "c.webp", RunOptions())
    assert Image.open(out).size == (80, 53)
