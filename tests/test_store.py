"""The frame store: frames by index in any order, damaged frames made again, one manifest."""

import json

import numpy as np
import pytest

from dreamvideo.errors import DreamError
from dreamvideo.render import RunOptions, render_zoom
from dreamvideo.render.store import MANIFEST, FrameStore
from dreamvideo.settings import resolve

from .conftest import FAST


def test_frames_fill_in_any_order_and_the_manifest_is_written_once(tmp_path):
    manifest = {"kind": "zoom", "settings": {"steps": 2}}
    store = FrameStore(tmp_path / "w", manifest)
    frame = np.full((8, 8, 3), 7, np.uint8)
    store.save(5, frame)
    store.save(2, frame)
    written = (tmp_path / "w" / MANIFEST).stat().st_mtime_ns
    other = FrameStore(tmp_path / "w", manifest)  # a second process opening the same folder
    assert (tmp_path / "w" / MANIFEST).stat().st_mtime_ns == written
    assert other.count() == 2 and other.load(3) is None
    assert np.array_equal(other.load(5), frame)
    with pytest.raises(DreamError, match="settings changed .*steps"):
        FrameStore(tmp_path / "w", {"kind": "zoom", "settings": {"steps": 3}})


def test_a_damaged_frame_is_made_again_on_resume(tmp_path):
    settings = resolve(None, {**FAST, "size": "64x64", "frames": 4, "seed": 5})
    frames = tmp_path / "frames"
    render_zoom(settings, "noise", tmp_path / "a.mp4", RunOptions(frames_dir=frames))
    good = (frames / "frame_000002.png").read_bytes()
    (frames / "frame_000002.png").write_bytes(good[: len(good) // 2])  # a half-written frame
    render_zoom(settings, "noise", tmp_path / "b.mp4", RunOptions(frames_dir=frames))
    assert (frames / "frame_000002.png").read_bytes() == good
    assert json.loads((frames / MANIFEST).read_text())["kind"] == "zoom"


def test_restart_in_a_folder_of_the_users_removes_only_the_stores_own_files(tmp_path):
    """``--frames-dir photos --restart`` must not delete a user's ``frame_01.jpg``: only ``frame_NNNNNN.*``."""
    folder = tmp_path / "photos"
    folder.mkdir()
    mine = [folder / "frame_01.jpg", folder / "frame_final.png", folder / "notes.txt"]
    for path in mine:
        path.write_bytes(b"the user's")
    store = FrameStore(folder, {"kind": "zoom", "settings": {"seed": 1}})  # the user's files are not frames
    store.save(0, np.zeros((8, 8, 3), np.uint8))
    (folder / "frame_000000.key.png").write_bytes(b"state")
    FrameStore(folder, {"kind": "zoom", "settings": {"seed": 2}}, restart=True)
    assert sorted(p.name for p in folder.iterdir()) == sorted([MANIFEST, *(p.name for p in mine)])
    assert all(p.read_bytes() == b"the user's" for p in mine)
