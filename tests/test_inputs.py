"""What an input path is, and every kind opened as a clip: animated GIF / WebP / APNG with their own
timing, ProRes / HAP / DNxHR in .mov, stills, sequences; alpha flattened on black with a note."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dreamvideo.errors import DreamError
from dreamvideo.media.inputs import ANIMATED, MAX_RATE, SEQUENCE, STILL, VIDEO, kind_of, open_input, steady_rate
from dreamvideo.media.sources import read_frames

from .conftest import ffmpeg, make_clip

SIZE = (32, 24)


def animation(path: Path, delays: list[int], alpha: int = 255) -> Path:
    """Flat frames whose red channel counts 40, 80, 120... so a read frame tells which one it was."""
    frames = [Image.new("RGBA", SIZE, (40 * (i + 1), 0, 200, alpha)) for i in range(len(delays))]
    frames = frames if alpha < 255 else [f.convert("RGB") for f in frames]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=delays, loop=0,
                   **({"lossless": True} if path.suffix == ".webp" else {}))
    return path


def reds(frames: list[np.ndarray]) -> list[int]:
    return [round(float(f[..., 0].mean()) / 40) for f in frames]


def test_kind_of_tells_each_input_apart(tmp_path, chelsea):
    clip = make_clip(tmp_path / "c.mp4", seconds=0.2, audio=False)
    gif = animation(tmp_path / "a.gif", [100, 100])
    (tmp_path / "frames").mkdir()
    assert kind_of(clip) == VIDEO and kind_of(gif) == ANIMATED and kind_of(chelsea) == STILL
    for spec in (tmp_path / "frames", tmp_path / "f_%04d.png", tmp_path / "*.png"):
        assert kind_of(spec) == SEQUENCE
    with pytest.raises(DreamError, match="^input video not found: "):
        kind_of(tmp_path / "missing.mp4")


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".apng", ".png"])
def test_animated_images_are_clips_at_their_own_rate(tmp_path, suffix):
    opened = open_input(animation(tmp_path / f"a{suffix}", [50] * 5))
    assert opened.kind == ANIMATED and opened.note is None
    assert (opened.info.fps, opened.info.frames) == (Fraction(20), 5)
    frames = list(read_frames(opened.info, SIZE))
    assert reds(frames) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_mixed_delays_hold_each_frame_for_its_own_delay(tmp_path, suffix):
    opened = open_input(animation(tmp_path / f"a{suffix}", [100, 100, 200, 100, 100]))
    assert opened.info.fps == 10 and opened.info.frames == 6 and opened.info.variable_rate
    assert reds(list(read_frames(opened.info, SIZE))) == [1, 2, 3, 3, 4, 5]
    span = read_frames(opened.info, SIZE, 0.3, 0.5)
    assert reds(list(span)) == [3, 4] and span.expected == 2  # the held frame on screen at 0.3 s is kept
    assert reds(list(read_frames(opened.info, SIZE, 0.2 - 1e-4, None, 3))) == [3, 3, 4]  # a chunk's seek


def test_delays_without_a_common_period_under_the_cap_use_the_average_rate():
    delays = [Fraction(3, 100), Fraction(4, 100)]  # a 10 ms period would be 100 fps
    assert 1 / Fraction(1, 100) > MAX_RATE and steady_rate(delays) == Fraction(2) / Fraction(7, 100)
    assert steady_rate([Fraction(1, 25)] * 3) == 25


@pytest.mark.parametrize("codec", [
    ["-c:v", "prores_ks", "-profile:v", "3", "-pix_fmt", "yuv422p10le"],
    ["-c:v", "hap", "-format", "hap_q"],
    ["-c:v", "dnxhd", "-profile:v", "dnxhr_hq", "-pix_fmt", "yuv422p"],
])
def test_mov_intermediates_are_read_as_clips(tmp_path, codec):
    size = "256x128" if "dnxhd" in codec else "64x48"  # DNxHR's smallest frame
    path = tmp_path / "clip.mov"
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:d=0.2", *codec, str(path))
    opened = open_input(path)
    assert opened.kind == VIDEO and opened.note is None and opened.info.fps == 25
    frames = list(read_frames(opened.info, (64, 32)))
    assert len(frames) == opened.info.frames == 5 and frames[0].std() > 10


def test_alpha_is_flattened_on_black_with_one_note(tmp_path):
    apng = animation(tmp_path / "a.apng", [100, 100], alpha=128)
    opened = open_input(apng)
    assert opened.note == f"{apng} has an alpha channel: transparent areas are flattened on black"
    first = next(iter(read_frames(opened.info, SIZE)))
    assert np.abs(first[4, 4].astype(int) - [20, 0, 100]).max() <= 1  # (40, 0, 200) at half coverage


def test_prores_4444_alpha_is_flattened_and_an_opaque_gif_has_no_note(tmp_path):
    mov = tmp_path / "alpha.mov"
    ffmpeg("-f", "lavfi", "-i", "color=c=white:size=64x48:rate=25:d=0.12,format=yuva444p10le,"
           "geq=lum='lum(X,Y)':cb='cb(X,Y)':cr='cr(X,Y)':a='if(lt(X,32),1023,0)'",
           "-c:v", "prores_ks", "-profile:v", "4", "-pix_fmt", "yuva444p10le", str(mov))
    opened = open_input(mov)
    assert opened.info.alpha and opened.note
    frame = next(iter(read_frames(opened.info, (64, 48))))
    assert frame[24, 8].min() >= 250 and frame[24, 56].max() <= 5  # opaque white stays white; clear is black
    assert open_input(animation(tmp_path / "a.gif", [100, 100])).note is None
