from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from dreamvideo.media.encode import VideoWriter, check_output, save_image
from dreamvideo.errors import DreamError
from dreamvideo.media.sources import probe


def _frames(n, h=50, w=70):
    rng = np.random.default_rng(0)
    return [rng.integers(0, 255, (h, w, 3), dtype=np.uint8) for _ in range(n)]


def test_mp4_has_every_frame_at_the_rate_and_even_size(tmp_path):
    path = tmp_path / "out.mp4"
    with VideoWriter(path, Fraction(30000, 1001)) as writer:
        for frame in _frames(7, 51, 71):
            writer.write(frame)
    assert imageio_ffmpeg.count_frames_and_secs(str(path))[0] == 7
    info = probe(path)
    assert info.fps == Fraction(30000, 1001)
    assert (info.width, info.height) == (70, 50)
    assert next(imageio_ffmpeg.read_frames(str(path)))["pix_fmt"].startswith("yuv420p")


def test_gif_has_every_frame_and_loops_forever(tmp_path):
    path = tmp_path / "out.gif"
    with VideoWriter(path, 10) as writer:
        for frame in _frames(5):
            writer.write(frame)
    assert imageio_ffmpeg.count_frames_and_secs(str(path))[0] == 5
    assert b"NETSCAPE2.0\x03\x01\x00\x00" in path.read_bytes()  # loop count 0 = forever


def test_failed_render_leaves_the_previous_video_untouched(tmp_path):
    path = tmp_path / "out.mp4"
    path.write_bytes(b"previous good video")
    with pytest.raises(RuntimeError):
        with VideoWriter(path, 24) as writer:
            writer.write(_frames(1)[0])
            raise RuntimeError("crash mid-render")
    assert path.read_bytes() == b"previous good video"
    assert list(tmp_path.iterdir()) == [path]


def test_image_write_is_atomic_and_lossless_png(tmp_path):
    frame = _frames(1)[0]
    save_image(tmp_path / "a.png", frame)
    from dreamvideo.media.sources import load_image
    assert np.array_equal(load_image(tmp_path / "a.png"), frame)
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]


def test_output_checks(tmp_path):
    with pytest.raises(DreamError, match="unsupported output type '.avi'"):
        check_output(tmp_path / "x.avi", (".mp4", ".gif"))
    with pytest.raises(DreamError, match="output directory does not exist"):
        check_output(tmp_path / "missing" / "x.mp4", (".mp4", ".gif"))


# ---------------------------------------------------------------- data safety (issue 10)

import os
import signal
import subprocess
import sys
import textwrap
import time

from dreamvideo.media.encode import verify_image, verify_video
from dreamvideo.media.files import clean_stale, partial_path


def _small_disk(tmp_path, monkeypatch, kib=4):
    """Make every ffmpeg run see a full disk after ``kib`` KiB of output (RLIMIT_FSIZE)."""
    wrapper = tmp_path / "ffmpeg-full-disk"
    wrapper.write_text(f"#!/bin/bash\ntrap '' XFSZ\nulimit -f {kib}\nexec {imageio_ffmpeg.get_ffmpeg_exe()} \"$@\"\n")
    wrapper.chmod(0o755)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(wrapper))


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_full_disk_during_encode_raises_and_keeps_the_previous_file(tmp_path, monkeypatch, suffix):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    path = out_dir / f"dive{suffix}"
    path.write_bytes(b"previous good video")
    _small_disk(tmp_path, monkeypatch)
    with pytest.raises(DreamError, match=rf"dive{suffix}.*(too large|no space|exit status)"):
        with VideoWriter(path, 10) as writer:
            for frame in _frames(12, 96, 128):
                writer.write(frame)
    assert path.read_bytes() == b"previous good video"
    assert [p.name for p in out_dir.iterdir()] == [path.name]


def test_full_disk_with_no_previous_file_leaves_nothing(tmp_path, monkeypatch):
    _small_disk(tmp_path, monkeypatch)
    path = tmp_path / "out" / "new.gif"
    path.parent.mkdir()
    with pytest.raises(DreamError):
        with VideoWriter(path, 10) as writer:
            for frame in _frames(12, 96, 128):
                writer.write(frame)
    assert list(path.parent.iterdir()) == []


def test_verify_video_checks_decoding_and_frame_count(tmp_path):
    path = tmp_path / "ok.mp4"
    with VideoWriter(path, 10) as writer:
        for frame in _frames(6):
            writer.write(frame)
    verify_video(path, 6)
    with pytest.raises(DreamError, match=r"ok.mp4 reads back with 6 frames, expected 7"):
        verify_video(path, 7)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DreamError, match="broken.mp4 does not read back"):
        verify_video(broken, 6)
    with pytest.raises(DreamError, match="without its audio"):
        verify_video(path, 6, audio=True)


def test_verify_image(tmp_path):
    good = tmp_path / "a.png"
    save_image(good, _frames(1)[0])
    verify_image(good)
    bad = tmp_path / "b.png"
    bad.write_bytes(good.read_bytes()[:200])
    with pytest.raises(DreamError, match="b.png does not read back"):
        verify_image(bad)


KILLED_WRITER = textwrap.dedent("""
    import sys, time, numpy as np
    from pathlib import Path
    from dreamvideo.media.encode import VideoWriter
    with VideoWriter(Path(sys.argv[1]), 10) as writer:
        writer.write(np.zeros((32, 32, 3), np.uint8))
        print("writing", flush=True)
        time.sleep(60)
""")


def test_partial_left_by_sigkill_is_cleaned_by_the_next_run(tmp_path):
    path = tmp_path / "dive.mp4"
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "writing"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    left = tmp_path / f".dive.{child.pid}.partial.mp4"
    for _ in range(100):  # the orphaned ffmpeg sees end of input and finishes its file
        if left.exists():
            break
        time.sleep(0.05)
    assert [p.name for p in tmp_path.iterdir()] == [left.name]
    (tmp_path / ".dive.partial.mp4").write_bytes(b"left by an older version")
    with VideoWriter(path, 10) as writer:
        writer.write(_frames(1)[0])
    assert [p.name for p in tmp_path.iterdir()] == ["dive.mp4"]


def test_partials_of_a_live_render_are_left_alone_and_dead_ones_go(tmp_path):
    live = tmp_path / f".dive.{os.getppid()}.partial.mp4"
    live.write_bytes(b"another render is writing this")
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead_pid = finished.pid
    dead = [tmp_path / f"..dive.{dead_pid}.partial.{dead_pid}.partial.mp4",  # a writer inside atomic()
            tmp_path / f".dive.{dead_pid}-audio.partial.mp4"]
    for path in dead:
        path.write_bytes(b"left by a killed render")
    other = tmp_path / f".dive.mp4.{dead_pid}.partial.yaml"  # another output's (the sidecar's)
    other.write_bytes(b"")
    assert sorted(clean_stale(tmp_path / "dive.mp4")) == sorted(dead)
    assert live.exists() and other.exists()


def test_atomic_fsyncs_before_rename(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(os, "replace", lambda a, b: calls.append("replace") or real_replace(a, b))
    save_image(tmp_path / "frame_000001.png", _frames(1)[0], fast=True)
    assert calls[:2] == ["fsync", "replace"]


def test_write_errors_name_the_users_path_not_the_temporary(tmp_path, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(partial_path(tmp_path / "a.png")))

    monkeypatch.setattr("PIL.Image.Image.save", full)
    with pytest.raises(DreamError, match=r"cannot write .*/a\.png: No space left") as caught:
        save_image(tmp_path / "a.png", _frames(1)[0])
    assert ".partial" not in str(caught.value)


def test_output_that_is_a_folder_or_unwritable_is_refused_before_work(tmp_path):
    with pytest.raises(DreamError, match=r"output .*/x.mp4 is a directory; give a file name"):
        (tmp_path / "x.mp4").mkdir()
        check_output(tmp_path / "x.mp4", (".mp4", ".gif"))
    with pytest.raises(DreamError, match=r"cannot write /proc/out.png"):
        check_output(Path("/proc/out.png"), (".png",))  # /proc refuses new files, even to root
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: permissions do not stop writes")
        with pytest.raises(DreamError, match=r"cannot write .*locked/o.mp4: Permission denied"):
            check_output(locked / "o.mp4", (".mp4",))
    finally:
        locked.chmod(0o755)


def test_encode_errors_name_the_output_not_the_temporary_it_goes_through(tmp_path, monkeypatch):
    _small_disk(tmp_path, monkeypatch)
    out = tmp_path / "dive.mp4"
    with pytest.raises(DreamError) as caught:
        with VideoWriter(partial_path(out), 10, name=out) as writer:  # as the assembly pass writes
            for frame in _frames(12, 96, 128):
                writer.write(frame)
    assert str(caught.value).startswith(f"ffmpeg could not finish {out} ") and ".partial" not in str(caught.value)
