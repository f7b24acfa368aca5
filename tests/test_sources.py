"""Inputs as people really have them: VFR phone clips, anamorphic and rotated video, truncated
downloads, 16-bit and transparent PNGs, sideways phone photos, huge images."""

from fractions import Fraction
from pathlib import Path
import logging
import warnings

import numpy as np
import pytest
from PIL import Image

from dreamvideo.errors import DreamError
from dreamvideo.media import images
from dreamvideo.media.images import BACKGROUND, DEFAULT_MAX_SIDE, load_image, working_size
from dreamvideo.media.sources import audio_span, expected_frames, probe, read_frames

from .conftest import ffmpeg, make_clip, truncated_clip


@pytest.fixture
def vfr_clip(tmp_path) -> Path:
    """2.0 s with audio: 30 fps for the first second, 15 fps for the second (45 frames)."""
    path = tmp_path / "vfr.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=30:d=2", "-f", "lavfi", "-i", "sine=d=2",
           "-vf", r"select='lt(n\,30)+not(mod(n\,2))'", "-fps_mode", "vfr",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path))
    return path


def test_variable_frame_rate_is_resampled_to_keep_the_duration(vfr_clip):
    info = probe(vfr_clip)
    assert info.variable_rate and info.has_audio
    frames = list(read_frames(info, (64, 48)))
    # Read at the constant rate the clip averages: the video lasts as long as the source
    # (and its audio), not 59 frames (duplicates at 30 fps) played at the average rate.
    video_seconds = len(frames) / info.fps
    assert abs(video_seconds - 2.0) <= 1 / info.fps
    assert abs(len(frames) - expected_frames(info)) <= 1


def test_constant_rate_clip_reads_every_frame_once(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", seconds=1.0, audio=False)
    info = probe(clip)
    assert not info.variable_rate and info.fps == Fraction(30000, 1001)
    assert len(list(read_frames(info, (64, 48), 0.2, 0.8))) == 18 == expected_frames(info, 0.2, 0.8)


def test_audio_span_follows_the_frames_written():
    start, seconds = audio_span(1.5, 6, Fraction(24))
    assert start == 1.5 and seconds == pytest.approx(0.25)


def test_anamorphic_clip_is_read_in_square_pixels_at_the_display_aspect(tmp_path):
    clip = tmp_path / "anamorphic.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=88x72:rate=25:d=0.4", "-vf", "setsar=128/117",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", str(clip))
    info = probe(clip)
    assert info.coded_size == (88, 72)
    assert (info.width, info.height) == (round(88 * info.sar), 72) and info.width in (96, 97)
    frame = next(iter(read_frames(info, (info.width, info.height))))
    assert frame.shape == (72, info.width, 3)


def test_rotated_phone_clip_reports_its_displayed_size(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", seconds=0.3, audio=False)
    rotated = tmp_path / "rotated.mp4"
    ffmpeg("-display_rotation:v:0", "90", "-i", str(clip), "-c", "copy", str(rotated))
    info = probe(rotated)
    assert (info.width, info.height) == (48, 64)
    assert next(iter(read_frames(info, (48, 64)))).shape == (64, 48, 3)


def test_truncated_clip_reads_what_it_can_and_says_so(tmp_path):
    cut = truncated_clip(tmp_path, 2)
    reader = read_frames(probe(cut), (64, 48))
    frames = list(reader)
    assert 0 < len(frames) < 48 and reader.expected == 48
    assert reader.shortfall() == (f"warning: read {len(frames)} of 48 frames of cut.mp4; the file ends early "
                                  "(truncated or damaged), the output has the frames that could be read")
    whole = read_frames(probe(tmp_path / "full.mp4"), (64, 48))
    assert len(list(whole)) == 48 and whole.shortfall() is None


def test_resized_reads_log_no_imageio_size_warning(tmp_path, caplog, monkeypatch):
    """The program (the CLI, the studio's server) quiets imageio-ffmpeg where it starts, not on import."""
    from dreamvideo.media import quiet_libraries

    monkeypatch.setattr(logging.getLogger("imageio_ffmpeg"), "level", logging.NOTSET)  # restored afterwards
    with warnings.catch_warnings():  # its warnings filter is restored too
        quiet_libraries()
    clip = make_clip(tmp_path / "c.mp4", seconds=0.2, audio=False)
    with caplog.at_level(logging.WARNING):
        list(read_frames(probe(clip), (32, 24)))
    assert not [r for r in caplog.records if "different" in r.getMessage()]


# ---------------------------------------------------------------- stills

def test_16_bit_greyscale_png_is_scaled_not_clipped(tmp_path):
    ramp = np.linspace(0, 65535, 64 * 16).reshape(16, 64).astype(np.uint16)
    path = tmp_path / "scan16.png"
    Image.fromarray(ramp).save(path)
    assert Image.open(path).mode.startswith("I")
    image = load_image(path)
    assert image.shape == (16, 64, 3)
    assert image[0, 0, 0] == 0 and image[-1, -1, 0] == 255
    assert np.abs(image[..., 0].astype(int) - np.round(ramp / 257)).max() <= 1  # every grey level kept


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.zeros((20, 40, 3), np.uint8)
    pixels[:, :20] = (255, 0, 0)  # left half red, as stored
    img = Image.fromarray(pixels)
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90 CW to display": the stored left becomes the top
    path = tmp_path / "phone.jpg"
    img.save(path, exif=exif, quality=95)
    image = load_image(path)
    assert image.shape == (40, 20, 3)
    assert image[:15, :, 0].mean() > 200 and image[-15:, :, 0].mean() < 50
    assert images.image_size(path) == (20, 40)


def test_transparency_is_composited_on_the_documented_background(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[:, :4] = (0, 0, 255, 255)  # opaque blue left, fully transparent right
    path = tmp_path / "logo.png"
    Image.fromarray(rgba, "RGBA").save(path)
    image = load_image(path)
    assert tuple(image[0, 0]) == (0, 0, 255)
    assert tuple(image[0, 7]) == BACKGROUND == (255, 255, 255)


def test_decompression_bomb_is_one_clear_line_and_size_opens_it(tmp_path, monkeypatch):
    path = tmp_path / "huge.png"
    Image.fromarray(np.zeros((100, 120, 3), np.uint8)).save(path)
    monkeypatch.setattr(images, "BOMB_PIXELS", 2000)  # 120x100 counts as a bomb
    with pytest.raises(DreamError, match=r"huge.png is too large to open safely.*pass `size` N"):
        load_image(path)
    with pytest.raises(DreamError, match=r"huge.png is too large to open safely"):
        images.image_size(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning on stderr either
        assert load_image(path, 60).shape == (50, 60, 3)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)  # restored after the test
    monkeypatch.setattr(images, "HARD_MAX_PIXELS", 5000)  # even with a size, not past the hard cap
    with pytest.raises(DreamError, match=r"huge.png is too large to open \(over"):
        load_image(path, 60)


def test_the_bomb_check_does_not_depend_on_pils_process_wide_limit(tmp_path, monkeypatch):
    """The limit was lowered and restored around each open: a sized open on one thread could leave it
    lifted (or lowered) for another. Whatever PIL's global holds, the header decides, on every thread."""
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "huge.png"
    Image.fromarray(np.zeros((100, 120, 3), np.uint8)).save(path)
    monkeypatch.setattr(images, "BOMB_PIXELS", 2000)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # as a lifted limit left behind would be
    with pytest.raises(DreamError, match="too large to open safely"):
        load_image(path)

    def one(sized: bool) -> bool:
        try:
            return load_image(path, 60 if sized else None).shape == (50, 60, 3)
        except DreamError:
            return False
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, [i % 2 == 0 for i in range(64)]))
    assert results == [i % 2 == 0 for i in range(64)]  # sized ones open, unsized ones are refused


def test_working_size_is_capped_without_size_and_says_so(tmp_path):
    assert working_size(6000, 4000, None) == ((2048, 1365), "input is 6000x4000; dreaming at 2048x1365 "
                                              "(default limit 2048 px; pass `size` N for another size)")
    assert working_size(6000, 4000, 3000) == ((3000, 2000), None)
    assert working_size(1920, 1080, None) == ((1920, 1080), None)
    path = tmp_path / "wide.png"
    Image.fromarray(np.zeros((10, DEFAULT_MAX_SIDE + 100, 3), np.uint8)).save(path)
    assert load_image(path, cap=True).shape[1] == DEFAULT_MAX_SIDE
    assert load_image(path).shape[1] == DEFAULT_MAX_SIDE + 100


def test_out_of_memory_is_told_apart_from_bugs():
    from dreamvideo.media.memory import out_of_memory

    cpu = RuntimeError("[enforce fail at alloc_cpu.cpp:118] data. DefaultCPUAllocator: can't allocate memory: "
                       "you tried to allocate 21474836480 bytes. Error code 12 (Cannot allocate memory)")
    error = out_of_memory(cpu, (4096, 3072))
    assert str(error) == ("out of memory dreaming at 4096x3072 (it needed 20.0 GiB more); use a smaller `size`, "
                          "fewer `octaves` or a smaller model, or 'tile: 512' in a preset")
    assert out_of_memory(MemoryError()) is not None
    assert out_of_memory(RuntimeError("MPS backend out of memory (MPS allocated: 17.2 GB, other allocations: "
                                      "1.0 GB, max allowed: 18.1 GB). Tried to allocate 512.00 MB")) is not None
    assert out_of_memory(RuntimeError("mat1 and mat2 shapes cannot be multiplied")) is None
    assert out_of_memory(ValueError("out of memory")) is None
