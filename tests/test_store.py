"""The frame store: frames by index in any order, damaged frames made again, one manifest."""

import json

import numpy as np
import pytest

from dreamvideo.cli import app
from dreamvideo.errors import DreamError
from dreamvideo.render import RunOptions, render_zoom
from dreamvideo.render.store import MANIFEST, FrameStore
from dreamvideo.settings import resolve

from .conftest import FAST, FAST_ARGS


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


USERS = ["frame_01.jpg", "frame_01.png", "frame_x.png", "frame_final.png", "notes.txt", "frame_000001.jpg",
         "frame_000009.mp4", "frame_0000003.png", "frame_000002.png.bak", "frame_000004.npz"]


def users_files(folder):
    """A frames folder that already holds the user's own files, some named almost as the store names frames."""
    folder.mkdir(exist_ok=True)
    mine = [folder / name for name in USERS]
    for path in mine:
        path.write_bytes(b"the user's")
    return mine


def test_restart_in_a_folder_of_the_users_removes_only_the_stores_own_files(tmp_path):
    """``--frames-dir photos --restart`` deletes frames, keys, states and the manifest: never a user's
    ``frame_01.jpg``, nor a ``frame_000001.jpg`` or ``frame_000009.mp4`` (the store writes only PNGs)."""
    folder = tmp_path / "photos"
    mine = users_files(folder)
    store = FrameStore(folder, {"kind": "zoom", "settings": {"seed": 1}})  # the user's files are not frames
    store.save(0, np.zeros((8, 8, 3), np.uint8))
    store.key_path(0).write_bytes(b"state")
    store.state_path(0).write_bytes(b"state")
    FrameStore(folder, {"kind": "zoom", "settings": {"seed": 2}}, restart=True)
    assert sorted(p.name for p in folder.iterdir()) == sorted([MANIFEST, *(p.name for p in mine)])
    assert all(p.read_bytes() == b"the user's" for p in mine)


def test_the_store_lists_and_drops_only_its_own_frames_keys_and_states(tmp_path):
    folder = tmp_path / "photos"
    mine = users_files(folder)
    store = FrameStore(folder, {"kind": "video", "settings": {"seed": 1}})
    for index in range(4):
        store.save(index, np.full((8, 8, 3), index, np.uint8))
        store.state_path(index).write_bytes(b"state")
    store.key_path(2).write_bytes(b"key")
    assert store.indices() == store.states() == [0, 1, 2, 3] and store.count() == 4
    store.drop_from(2)
    assert store.indices() == store.states() == [0, 1] and store.first_missing() == 2
    assert not store.key_path(2).exists()
    assert all(p.read_bytes() == b"the user's" for p in mine)


def test_a_zoom_restarted_in_the_folder_of_its_start_image_keeps_the_image(tmp_path, chelsea, runner):
    """``zoom --from D/frame_000001.jpg --frames-dir D --restart``: the start image is the user's, not a frame."""
    folder = tmp_path / "D"
    folder.mkdir()
    start = folder / "frame_000001.jpg"
    start.write_bytes(chelsea.read_bytes())
    clip = folder / "frame_000009.mp4"
    clip.write_bytes(b"the user's clip")
    args = ["zoom", "--from", str(start), "-o", str(tmp_path / "z.mp4"), "--frames-dir", str(folder),
            "--size", "64x64", "--frames", "2", "--seed", "1", *FAST_ARGS]
    for extra in ([], ["--restart"]):
        result = runner.invoke(app, args + extra)
        assert result.exit_code == 0, result.output
        assert start.read_bytes() == chelsea.read_bytes() and clip.read_bytes() == b"the user's clip"
