from fractions import Fraction

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
