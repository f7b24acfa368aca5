"""Output formats (issue 26, the media layer): every codec of the table round-trips, constraints
are met by padding or cropping (or refused), an image sequence goes into place whole, and a
wrong suffix or codec is one line."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from dreamvideo.errors import DreamError
from dreamvideo.media import ffmpeg
from dreamvideo.media.audio import decode
from dreamvideo.media.encode import VideoWriter, check_video_output, verify_video
from dreamvideo.media.formats import find_format, fit_size, format_lines, output_formats, video_suffixes
from dreamvideo.media.sequence_output import Staging
from dreamvideo.media.sources import load_image, probe

FPS = 24
FRAMES = 8
FILE_FORMATS = [f for f in output_formats() if not f.sequence]


@pytest.fixture(scope="module")
def sine(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("audio") / "sine.wav"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=2", str(path)], check=True)
    return path


def frames(n: int = FRAMES, width: int = 64, height: int = 48) -> list[np.ndarray]:
    """A moving gradient with a square: content any codec keeps recognisable."""
    y, x = np.mgrid[0:height, 0:width]
    out = []
    for i in range(n):
        frame = np.stack([(x * 4 + i * 9) % 256, (y * 5) % 256, np.full_like(x, 40 * (i % 6))], -1)
        frame[10:20, 5 + 3 * i:15 + 3 * i] = 255
        out.append(frame.astype(np.uint8))
    return out


def write(path: Path, clip: list[np.ndarray], **options) -> list[str]:
    notes: list[str] = []
    with VideoWriter(path, FPS, note=notes.append, **options) as writer:
        for frame in clip:
            writer.write(frame)
    return notes


def header(path: Path) -> str:
    return ffmpeg.run(["-i", str(path)]).stderr


@pytest.mark.parametrize("fmt", FILE_FORMATS, ids=lambda f: f"{f.suffix[1:]}-{f.codec}")
def test_every_codec_round_trips_with_its_codec_rate_frames_and_audio(tmp_path, sine, fmt):
    width, height = fmt.min_size or (64, 48)
    path = tmp_path / f"out{fmt.suffix}"
    audio = (sine, 0.25, FRAMES / FPS)
    notes = write(path, frames(FRAMES, width, height), codec=fmt.codec, audio=audio)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporaries left
    text = header(path)
    assert f"Video: {fmt.reports[0]}" in text and fmt.reports[1] in text
    assert imageio_ffmpeg.count_frames_and_secs(str(path))[0] == FRAMES
    info = probe(path)
    assert (info.width, info.height) == (width, height)
    assert abs(1 / float(info.fps) - 1 / FPS) <= (fmt.delay_unit or 0.0005)
    if fmt.audio:
        assert not notes
        assert abs(len(decode(path)) / 22050 - FRAMES / FPS) < 0.05
    else:
        assert notes == [f"{fmt.name} takes no audio: the video is written without it"]
        assert ": Audio:" not in text


def test_each_codec_writes_what_its_users_need(tmp_path):
    clip, editor = frames(4), frames(2, 256, 120)
    checks = {("mp4", "hevc"): lambda p: b"hvc1" in p.read_bytes(),  # Apple players need the hvc1 tag
              ("mov", "prores"): lambda p: "prores (HQ)" in header(p),
              ("mov", "hap_q"): lambda p: "HapY" in header(p),
              ("mov", "dnxhr"): lambda p: "DNXHR HQ" in header(p),
              ("webp", None): lambda p: p.read_bytes().split(b"ANIM", 1)[1][8:10] == b"\x00\x00",  # loop forever
              ("apng", None): lambda p: p.read_bytes().split(b"acTL", 1)[1][4:8] == b"\x00\x00\x00\x00",
              ("mp4", "h264"): lambda p: p.read_bytes().find(b"moov") < p.read_bytes().find(b"mdat")}  # faststart
    for (suffix, codec), check in checks.items():
        path = tmp_path / f"{codec or suffix}.{suffix}"
        write(path, editor if codec == "dnxhr" else clip, codec=codec)
        assert check(path), path.name


def test_a_one_frame_animation_is_written_and_verified(tmp_path):
    for name in ("still.webp", "still.apng", "still.gif"):
        write(tmp_path / name, frames(1))
        assert imageio_ffmpeg.count_frames_and_secs(str(tmp_path / name))[0] == 1


def test_crf_maps_onto_the_codecs_own_scale(tmp_path):
    sizes = {}
    for crf in (4, 45):
        path = tmp_path / f"q{crf}.webm"
        write(path, frames(), crf=crf)
        sizes[crf] = path.stat().st_size
    assert sizes[4] > 2 * sizes[45]


def test_h264_keeps_its_arguments_and_the_loops_clean_seam():
    h264 = find_format(Path("a.mp4"))
    assert h264.output_args(18) == ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18", "-preset", "medium",
                                    "-movflags", "+faststart"]
    assert h264.output_args(18, loop=True)[-4:] == ["-x264-params", "mbtree=0", "-movflags", "+faststart"]


@pytest.mark.parametrize("codec,size,written", [("hap", (65, 49), (64, 48)), ("hap", (67, 51), (68, 52)),
                                                 ("prores", (65, 50), (64, 50)), ("prores4444", (65, 49), (65, 49))])
def test_a_size_that_breaks_a_codec_is_padded_or_cropped_by_the_fewest_pixels_and_said(tmp_path, codec, size,
                                                                                      written):
    path = tmp_path / "vj.mov"
    notes = write(path, frames(3, *size), codec=codec)
    assert (probe(path).width, probe(path).height) == written
    if written == size:
        assert notes == []
    else:
        assert len(notes) == 1 and f"{size[0]}x{size[1]}" in notes[0] and f"{written[0]}x{written[1]}" in notes[0]


def test_padding_repeats_the_edge_instead_of_adding_a_black_line(tmp_path):
    path = tmp_path / "pad.apng"  # lossless, so the padded pixels can be compared
    clip = frames(2, 67, 51)
    notes = write(path, clip, format=replace(find_format(path), multiple=4))
    back = next(f for i, f in enumerate(imageio_ffmpeg.read_frames(str(path))) if i == 1)
    back = np.frombuffer(back, np.uint8).reshape(52, 68, 3)
    assert np.array_equal(back[:51, :67], clip[0]) and notes == [
        ".apng needs sides that are multiples of 4: the 67x51 frames are padded to 68x52"]
    assert np.array_equal(back[:51, 67], clip[0][:, 66]) and np.array_equal(back[51, :67], clip[0][50])


def test_a_frame_below_a_codecs_minimum_is_refused_in_one_line_before_anything_is_written(tmp_path):
    with pytest.raises(DreamError, match=r"dnxhr needs frames of at least 256x120, these are 64x48: raise `size`") as e:
        write(tmp_path / "edit.mov", frames(2), codec="dnxhr")
    assert "\n" not in str(e.value)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(DreamError):
        fit_size(find_format(Path("a.mov"), "dnxhr"), 1920, 100)


@pytest.mark.parametrize("path,codec,message", [
    ("x.avi", None, "unsupported output type '.avi'; use one of: .mp4, .webm, .mov"),
    ("x.mov", "h264", "`codec` 'h264' does not go in .mov; it takes: prores (default), prores4444, hap"),
    ("x.webm", "hevc", "it takes: vp9 (default), av1"),
    ("x.png", None, "'.png' output is an image sequence: give a frame-number pattern, e.g. "),
    ("x_%05d.mp4", None, "makes an image sequence, which is written as .png"),
])
def test_unknown_suffix_or_codec_is_one_line(tmp_path, path, codec, message):
    with pytest.raises(DreamError) as caught:
        VideoWriter(tmp_path / path, FPS, codec=codec)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(DreamError, match="`bit_depth` 16 is for image sequences"):
        find_format(Path("x.mp4"), bit_depth=16)


def test_verify_catches_a_file_that_is_not_what_was_promised(tmp_path):
    path = tmp_path / "a.mp4"
    write(path, frames())
    verify_video(path, FRAMES, format=find_format(path), fps=FPS)
    with pytest.raises(DreamError, match=r"a.mp4 reads back as h264 yuv420p, expected hevc yuv420p"):
        verify_video(path, FRAMES, format=find_format(path, "hevc"))
    with pytest.raises(DreamError, match=r"a.mp4 reads back at 24 fps, expected 30"):
        verify_video(path, FRAMES, fps=30)
    with pytest.raises(DreamError, match="without its audio track"):
        verify_video(path, FRAMES, audio=1.0)


def test_the_listing_has_a_line_per_format_and_one_default_per_container():
    lines = format_lines()
    assert len(lines) == len(output_formats())
    for suffix in video_suffixes():
        defaults = [f.codec for f in output_formats() if f.suffix == suffix and not f.sequence and f.default]
        assert len(defaults) == 1, suffix
    assert any(line.startswith("DIR/NAME_%05d.png") and "16" in line for line in lines)
    assert all("Browsers:" in line and "audio:" in line and "alpha: no" in line for line in lines)
    assert find_format(Path("x.mp4")).codec == "h264" and find_format(Path("x.mov")).codec == "prores"


# ---------------------------------------------------------------- image sequences


def test_a_sequence_is_numbered_lossless_8_bit_with_its_audio_beside(tmp_path, sine):
    pattern = tmp_path / "shots" / "dive_%05d.png"
    clip = frames(5)
    write(pattern, clip, audio=(sine, 0.0, 5 / FPS))
    names = sorted(p.name for p in pattern.parent.iterdir())
    assert names == ["dive.wav"] + [f"dive_{i:05d}.png" for i in range(1, 6)]
    for i, frame in enumerate(clip, 1):
        assert np.array_equal(load_image(pattern.parent / f"dive_{i:05d}.png"), frame)
    assert abs(len(decode(pattern.parent / "dive.wav")) / 22050 - 5 / FPS) < 0.01
    assert [p.name for p in tmp_path.iterdir()] == ["shots"]  # no staging folder left


def test_a_16_bit_sequence_keeps_every_level(tmp_path):
    pattern = tmp_path / "f_%04d.png"
    clip = frames(3)
    write(pattern, clip, bit_depth=16, start_number=0)
    back = cv2.imread(str(tmp_path / "f_0002.png"), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16
    assert np.array_equal(back[..., ::-1], clip[2].astype(np.uint16) * 257)
    deep = np.random.default_rng(1).integers(0, 65536, (48, 64, 3), dtype=np.uint16)
    write(tmp_path / "d_%d.png", [deep], bit_depth=16)
    assert np.array_equal(cv2.imread(str(tmp_path / "d_1.png"), cv2.IMREAD_UNCHANGED)[..., ::-1], deep)


def test_a_sequence_replaces_its_earlier_frames_and_nothing_else(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    mine = ["notes.txt", "f_final.png", "g_00001.png", "f_0001.png", "f_000001.png"]
    for name in mine:
        (folder / name).write_bytes(b"the user's")
    write(folder / "f_%05d.png", frames(9))
    notes = write(folder / "f_%05d.png", frames(4))
    assert notes == ["5 frame(s) of an earlier, longer f_%05d.png sequence were removed"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(mine + [f"f_{i:05d}.png" for i in range(1, 5)])
    assert all((folder / name).read_bytes() == b"the user's" for name in mine)
    assert np.array_equal(load_image(folder / "f_00004.png"), frames(4)[3])


def test_a_failed_sequence_leaves_the_previous_one_and_no_staging(tmp_path):
    folder = tmp_path / "frames"
    write(folder / "f_%05d.png", frames(3))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(RuntimeError):
        with VideoWriter(folder / "f_%05d.png", FPS) as writer:
            writer.write(frames(1)[0] // 2)
            raise RuntimeError("crash mid-render")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    with pytest.raises(RuntimeError):
        with VideoWriter(tmp_path / "new" / "f_%05d.png", FPS) as writer:
            writer.write(frames(1)[0])
            raise RuntimeError("crash mid-render")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]


def test_a_sequence_output_is_checked_before_any_work(tmp_path):
    assert check_video_output(tmp_path / "new" / "f_%05d.png", bit_depth=16).bit_depth == 16
    assert not (tmp_path / "new").exists()  # made when the frames are published, not before
    (tmp_path / "file").write_text("")
    for bad, message in [(tmp_path / "file" / "f_%05d.png", "output folder .*/file is a file"),
                         (tmp_path / "a" / "b" / "f_%05d.png", "output directory does not exist: .*/a"),
                         (tmp_path / "f_%05d_%02d.png", "needs one frame-number pattern"),
                         (tmp_path / "x.mov", None)]:
        if message is None:
            assert check_video_output(bad, "hap").codec == "hap"
            continue
        with pytest.raises(DreamError, match=message):
            check_video_output(bad)


def test_a_sequence_with_a_frame_missing_is_not_published(tmp_path):
    pattern = tmp_path / "out" / "f_%05d.png"
    staging = Staging(pattern)
    staged = staging.open()
    for i in (1, 2, 4):
        Image.fromarray(frames(1)[0]).save(staged.parent / (staged.name % i))
    with pytest.raises(DreamError, match=r"3 frames were written, expected 4 \(first wrong: f_00003.png\); nothing"):
        staging.check(4, find_format(pattern))
    staging.discard()
    assert list(tmp_path.iterdir()) == []


def test_gif_fps_is_read_within_its_centisecond_delays(tmp_path):
    path = tmp_path / "a.gif"
    write(path, frames(6))
    verify_video(path, 6, format=find_format(path), fps=Fraction(FPS))
    with pytest.raises(DreamError, match="expected 12"):
        verify_video(path, 6, format=find_format(path), fps=12)
