"""The resumable loop says where it picks up."""

from dreamvideo.progress import Notes
from dreamvideo.render import RunOptions, render_zoom
from dreamvideo.settings import resolve

from .conftest import FAST


def test_a_resumed_render_says_from_which_frame(tmp_path):
    settings = resolve(None, {**FAST, "size": "64x64", "frames": 4, "seed": 2})
    frames = tmp_path / "frames"
    render_zoom(settings, "noise", tmp_path / "a.mp4", RunOptions(frames_dir=frames))
    for index in (2, 3):
        (frames / f"frame_{index:06d}.png").unlink()
    notes = Notes()
    render_zoom(settings, "noise", tmp_path / "b.mp4", RunOptions(frames_dir=frames), notes)
    assert any(line.startswith("resuming from frame 2: 2 finished frame(s)") for line in notes.lines), notes.lines
