"""The video render with the default coherence (warped detail pyramid): resume and self-measurement."""

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
import torch
import yaml

from dreamvideo.cli import app
from dreamvideo.errors import Interrupted
from dreamvideo.media import ffmpeg
from dreamvideo.media.audio import decode
from dreamvideo.media.encode import VideoWriter
from dreamvideo.media.sources import load_image, probe
from dreamvideo.render import Engine, RunOptions, layout, render_video
from dreamvideo.settings import resolve

from .conftest import FAST, FAST_ARGS, IMAGES


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread: on a shared CPU, two threads per process spin and run many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def moving_clip(tmp_path):
    """Six frames of a slow sub-pixel pan over the cat (testsrc2 repeats frames at this size)."""
    cat = load_image(IMAGES / "chelsea.jpg")
    path = tmp_path / "clip.mp4"
    with VideoWriter(path, 24) as writer:
        for i in range(6):
            shift = np.float32([[1, 0, -80 - 0.7 * i], [0, 1, -50 - 0.3 * i]])
            writer.write(cv2.warpAffine(cat, shift, (64, 48), flags=cv2.INTER_LINEAR))
    return path


def _frames(folder):
    return [load_image(folder / layout.name(i)) for i in layout.indices(folder)]


def test_pyramid_is_the_default_and_resume_mid_clip_gives_identical_frames(tmp_path, moving_clip, monkeypatch):
    settings = resolve(None, {**FAST, "seed": 2})
    assert settings.coherence == "pyramid"
    render_video(settings, moving_clip, tmp_path / "a.mp4", RunOptions(frames_dir=tmp_path / "a"))

    real, calls = Engine.dream_octaves, []

    def stop_at_four(engine, *args, **kwargs):
        if len(calls) == 4:
            raise KeyboardInterrupt
        calls.append(1)
        return real(engine, *args, **kwargs)

    monkeypatch.setattr(Engine, "dream_octaves", stop_at_four)
    with pytest.raises(Interrupted):
        render_video(settings, moving_clip, tmp_path / "b.mp4", RunOptions(frames_dir=tmp_path / "b"))
    monkeypatch.undo()
    assert len(list((tmp_path / "b").glob("frame_*.png"))) == 4
    render_video(settings, moving_clip, tmp_path / "b.mp4", RunOptions(frames_dir=tmp_path / "b"))

    straight, resumed = _frames(tmp_path / "a"), _frames(tmp_path / "b")
    assert len(straight) == len(resumed) == 6
    assert all(np.array_equal(x, y) for x, y in zip(straight, resumed))


def _interrupted(settings, clip, folder, monkeypatch, after=4):
    """A render of ``clip`` into ``folder`` stopped by Ctrl-C after ``after`` dreamed frames."""
    real, calls = Engine.dream_octaves, []

    def stop(engine, *args, **kwargs):
        if len(calls) == after:
            raise KeyboardInterrupt
        calls.append(1)
        return real(engine, *args, **kwargs)

    monkeypatch.setattr(Engine, "dream_octaves", stop)
    with pytest.raises(Interrupted):
        render_video(settings, clip, folder.with_suffix(".mp4"), RunOptions(frames_dir=folder))
    monkeypatch.undo()


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _zero(path):
    path.write_bytes(bytes(path.stat().st_size))


@pytest.mark.parametrize("damage, frames", [(_truncate, [3]), (_zero, [3, 2, 0]), (lambda p: p.unlink(), [3])],
                         ids=["truncated", "zero-filled-all", "deleted"])
def test_a_damaged_or_deleted_state_is_made_again_and_the_resume_matches(tmp_path, moving_clip, monkeypatch,
                                                                        runner, damage, frames):
    settings = resolve(None, {**FAST, "seed": 2})
    render_video(settings, moving_clip, tmp_path / "a.mp4", RunOptions(frames_dir=tmp_path / "a"))
    _interrupted(settings, moving_clip, tmp_path / "b", monkeypatch)
    for index in frames:   # the state frame 4 is made from, and the kept ones before it (2, checkpoint 0)
        damage(tmp_path / "b" / f"frame_{index:06d}.coherence.npz")
    result = runner.invoke(app, ["video", str(moving_clip), "-o", str(tmp_path / "b.mp4"), "--seed", "2",
                                 "--frames-dir", str(tmp_path / "b"), *FAST_ARGS])
    assert result.exit_code == 0, result.output
    assert "unexpected" not in result.output
    redo = 3 if frames == [3] else 0
    assert f"dreaming again from frame {redo}" in " ".join(result.output.split())
    straight, resumed = _frames(tmp_path / "a"), _frames(tmp_path / "b")
    assert len(straight) == len(resumed) == 6
    assert all(np.array_equal(x, y) for x, y in zip(straight, resumed))


def test_every_video_render_reports_flicker_and_strength(tmp_path, moving_clip, runner):
    out = tmp_path / "o.mp4"
    result = runner.invoke(app, ["video", str(moving_clip), "-o", str(out), "--seed", "1", *FAST_ARGS])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "flicker ratio" in line)
    assert "strength" in line
    sidecar = yaml.safe_load(out.with_name("o.mp4.yaml").read_text())
    assert sidecar["coherence"] == "pyramid" and sidecar["pull"] == 0.8 and sidecar["flow_size"] == 512
    meta = sidecar["meta"]
    assert isinstance(meta["flicker_ratio"], float) and meta["flicker_ratio"] > 0
    assert isinstance(meta["strength"], float) and meta["strength"] > 0
    assert f"{meta['flicker_ratio']:.2f}" in line and f"{meta['strength']:.2f}" in line


def test_a_damaged_frame_whose_state_was_dropped_is_dreamed_again_on_the_next_run(tmp_path, moving_clip, runner):
    settings = resolve(None, {**FAST, "seed": 2})
    render_video(settings, moving_clip, tmp_path / "a.mp4", RunOptions(frames_dir=tmp_path / "a"))
    straight = _frames(tmp_path / "a")
    _truncate(tmp_path / "a" / "frame_000003.png")   # its state (frame 2's) is no longer kept
    args = ["video", str(moving_clip), "-o", str(tmp_path / "a.mp4"), "--seed", "2",
            "--frames-dir", str(tmp_path / "a"), *FAST_ARGS]
    first = runner.invoke(app, args)
    assert first.exit_code == 1 and "run the same command again" in first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert all(np.array_equal(x, y) for x, y in zip(straight, _frames(tmp_path / "a")))
    assert len(_frames(tmp_path / "a")) == 6


def test_a_resume_repair_in_a_folder_of_the_users_keeps_the_users_files(tmp_path, moving_clip, runner):
    """The repair deletes the frames made after the last good state: only the store's, never a user's
    ``frame_01.png`` (once deleted, exit 0) nor ``frame_x.png`` (once a traceback)."""
    folder = tmp_path / "D"
    folder.mkdir()
    mine = {folder / name: name.encode() for name in ("frame_01.png", "frame_x.png", "frame_000001.jpg")}
    for path, data in mine.items():
        path.write_bytes(data)
    args = ["video", str(moving_clip), "-o", str(tmp_path / "o.mp4"), "--seed", "2", "--frames-dir", str(folder),
            *FAST_ARGS]
    assert runner.invoke(app, args).exit_code == 0
    straight = _frames(folder)
    (folder / layout.name(5)).unlink()  # a frame to make again, and no good state to make it from
    for index in layout.indices(folder, layout.STATE):
        _truncate(folder / layout.name(index, layout.STATE))
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "dreaming again from frame 0" in " ".join(result.output.split())
    assert all(path.read_bytes() == data for path, data in mine.items())
    assert len(_frames(folder)) == 6 and all(np.array_equal(x, y) for x, y in zip(straight, _frames(folder)))


def test_a_clips_audio_goes_into_a_webm_as_opus_and_ends_with_the_video(tmp_path, clip, runner):
    out = tmp_path / "web.webm"
    result = runner.invoke(app, ["video", str(clip), "-o", str(out), "--max-frames", "6", "--seed", "1",
                                 "--steps", "1", "--octaves", "1", "--jitter", "4"])
    assert result.exit_code == 0, result.output
    header = ffmpeg.run(["-i", str(out)]).stderr
    assert "Video: vp9" in header and "Audio: opus" in header
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 6
    assert abs(len(decode(out)) / 22050 - 6 / float(probe(clip).fps)) <= 0.05
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "web.webm", "web.webm.yaml"]
