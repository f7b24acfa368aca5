"""Image sequences in, as compositors hand them over: a folder, a printf pattern with any start number,
a glob; in natural order, at the rate asked; a bad folder refused in one line before any dreaming."""

from __future__ import annotations

import os
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dreamvideo.errors import DreamError
from dreamvideo.media.inputs import SEQUENCE, open_input
from dreamvideo.media.sequence_input import natural_key
from dreamvideo.media.sources import read_frames

from .conftest import ffmpeg

SIZE = (32, 24)


def grey(level: int, size: tuple[int, int] = SIZE, mode: str = "RGB") -> Image.Image:
    return Image.new(mode, size, (level,) * len(mode))


def write(folder: Path, names: list[str], size: tuple[int, int] = SIZE) -> list[Path]:
    """One flat grey image per name, 20 levels apart, so a frame's mean tells which file it was."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        grey(20 * (i + 1), size).save(folder / name, quality=95)
    return [folder / name for name in names]


def levels(frames: list[np.ndarray]) -> list[int]:
    return [round(float(f.mean()) / 20) for f in frames]


@pytest.mark.parametrize("layout", ["folder", "pattern", "glob"])
def test_sequence_reads_every_frame_in_natural_order_at_its_fps(tmp_path, layout):
    numbers = list(range(7, 19))  # a pattern may start anywhere: 7..18, so 10 must follow 9
    if layout == "folder":
        write(tmp_path / "shots", [f"f_{n}.png" for n in numbers])
        spec = tmp_path / "shots"
    elif layout == "pattern":
        write(tmp_path / "shots", [f"f_{n:04d}.png" for n in numbers] + ["other.png"])
        spec = tmp_path / "shots" / "f_%04d.png"
    else:
        write(tmp_path / "shots", [f"s{n}.jpg" for n in numbers])
        (tmp_path / "shots" / "notes.txt").write_text("a glob picks the frames")
        spec = tmp_path / "shots" / "*.jpg"
    opened = open_input(spec, fps=12)
    info = opened.info
    assert opened.kind == SEQUENCE and opened.note is None and not info.has_audio
    assert (info.fps, info.frames, (info.width, info.height)) == (Fraction(12), 12, SIZE)
    frames = list(read_frames(info, (16, 12)))
    assert levels(frames) == list(range(1, 13)) and frames[0].shape == (12, 16, 3)


def test_natural_order_puts_2_before_10():
    names = ["f_10.png", "f_2.png", "f_1.png", "F_3.png"]
    assert [p.name for p in sorted(map(Path, names), key=natural_key)] == ["f_1.png", "f_2.png", "F_3.png", "f_10.png"]


def test_default_fps_is_24_and_ntsc_rates_are_exact(tmp_path):
    write(tmp_path / "s", [f"{n}.png" for n in range(3)])
    assert open_input(tmp_path / "s").info.fps == 24
    assert open_input(tmp_path / "s", 23.976).info.fps == Fraction(24000, 1001)


def test_a_span_is_the_same_frames_as_the_whole_read(tmp_path):
    """start/end/max_frames and a chunk's seek a hair before its first frame pick frames as a video's
    span does, so resume, chunked renders and previews see the same frames."""
    write(tmp_path / "s", [f"f_{n:03d}.png" for n in range(10)])
    info = open_input(tmp_path / "s", fps=10).info
    whole = levels(list(read_frames(info, SIZE)))
    assert levels(list(read_frames(info, SIZE, 0.3, 0.7))) == whole[3:7]
    assert levels(list(read_frames(info, SIZE, 0.4 - 1e-4, None, 2))) == whole[4:6]
    reader = read_frames(info, SIZE, 0.2, 0.9, 3)
    assert len(list(reader)) == reader.expected == 3 and reader.shortfall() is None
    assert list(read_frames(info, SIZE, 1.5)) == []


def test_reading_leaves_no_temporary_links(tmp_path, monkeypatch):
    write(tmp_path / "s", [f"{n}.png" for n in range(4)])
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    info = open_input(tmp_path / "s").info
    frames = iter(read_frames(info, SIZE))
    next(frames)
    frames.close()  # a render that stops early (first_frame) closes the reader
    list(read_frames(info, SIZE))
    assert list(scratch.iterdir()) == []


def test_16_bit_pngs_are_scaled_to_8_bits_not_clipped(tmp_path):
    folder = tmp_path / "deep"
    folder.mkdir()
    Image.fromarray(np.full(SIZE[::-1], 40000, np.uint16)).save(folder / "f_1.png")  # 16-bit grey
    raw = tmp_path / "rgb48.raw"
    raw.write_bytes(np.tile(np.array([65535, 32896, 0], "<u2"), SIZE[0] * SIZE[1]).tobytes())
    ffmpeg("-f", "rawvideo", "-pix_fmt", "rgb48le", "-s", "32x24", "-i", str(raw),
           "-pix_fmt", "rgb48be", str(folder / "f_2.png"))
    first, second = read_frames(open_input(folder).info, SIZE)
    assert abs(int(first[5, 5, 0]) - round(40000 / 257)) <= 1
    assert np.abs(second[5, 5].astype(int) - [255, 128, 0]).max() <= 1


def test_a_gap_in_the_numbering_names_the_missing_file(tmp_path):
    write(tmp_path / "a", ["f_0007.png", "f_0008.png", "f_0010.png", "f_0012.png"])
    with pytest.raises(DreamError, match=r"f_0009\.png is missing \(a gap between f_0008\.png and f_0010\.png\)"):
        open_input(tmp_path / "a" / "f_%04d.png")
    with pytest.raises(DreamError, match=r"f_0009\.png is missing"):
        open_input(tmp_path / "a")  # a folder of numbered files is checked too


def test_frames_of_different_sizes_name_the_first_odd_one(tmp_path):
    write(tmp_path / "s", ["f_1.png", "f_2.png", "f_3.png"])
    grey(60, (40, 24)).save(tmp_path / "s" / "f_2.png")
    grey(60, (40, 30)).save(tmp_path / "s" / "f_3.png")
    with pytest.raises(DreamError) as error:
        open_input(tmp_path / "s")
    assert str(error.value) == (f"input sequence: {tmp_path / 's' / 'f_2.png'} is 40x24, but f_1.png is 32x24; "
                                "every frame of a sequence must have one size")


def test_a_non_image_file_in_the_folder_is_named(tmp_path):
    write(tmp_path / "s", ["a.png", "b.png"])
    (tmp_path / "s" / ".DS_Store").write_bytes(b"\0junk")  # dotfiles are not frames
    (tmp_path / "s" / "readme.txt").write_text("notes")
    (tmp_path / "s" / "c.gif").write_bytes((tmp_path / "s" / "a.png").read_bytes()[:20])
    with pytest.raises(DreamError, match=r"^input sequence: \S+/c\.gif is not a PNG, JPEG, TIFF or WebP image;"):
        open_input(tmp_path / "s")


def test_mixed_formats_and_empty_matches_are_refused(tmp_path):
    write(tmp_path / "s", ["f_1.png", "f_2.jpg"])
    with pytest.raises(DreamError, match=r"f_2\.jpg is JPEG, but f_1\.png is PNG"):
        open_input(tmp_path / "s")
    with pytest.raises(DreamError, match="no images found for the input sequence"):
        open_input(tmp_path / "s" / "*.tif")


def test_alpha_is_flattened_on_black_with_a_note(tmp_path):
    folder = tmp_path / "s"
    write(folder, ["f_1.png"])
    Image.new("RGBA", SIZE, (0, 200, 0, 128)).save(folder / "f_2.png")
    opened = open_input(folder)
    assert opened.note == (f"{folder / 'f_2.png'} and the frames after it may have an alpha channel: "
                           "transparent areas are flattened on black")
    first, second = read_frames(opened.info, SIZE)
    assert abs(int(first[3, 3, 0]) - 20) <= 1  # an opaque frame is untouched
    assert np.abs(second[3, 3].astype(int) - [0, 100, 0]).max() <= 1


def test_identity_follows_the_files_for_resume(tmp_path):
    paths = write(tmp_path / "s", [f"f_{n}.png" for n in range(1, 4)])
    identity = open_input(tmp_path / "s").identity()
    assert identity == open_input(tmp_path / "s").identity()
    assert identity["input_frames"] == 3 and identity["input_fps"] == "24"
    grey(99).save(paths[1])  # a frame re-rendered in place, a moment later
    os.utime(paths[1], ns=(paths[1].stat().st_atime_ns, paths[1].stat().st_mtime_ns + 10**9))
    assert open_input(tmp_path / "s").identity()["input_files"] != identity["input_files"]


def _png_header(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims ``width`` x ``height`` (no pixel data: only headers are read)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) +
                     chunk(b"IEND", b""))
    return path


def test_a_header_is_read_under_pils_limit_never_lifted_and_a_giant_frame_is_one_line(tmp_path, monkeypatch):
    """Lifting PIL's process-wide limit for a header and putting it back raced with the studio's other
    threads (one could open an image with no limit at all, or restore a stale one)."""
    from dreamvideo.media import sequence_input
    from dreamvideo.media.pil_limit import HARD_MAX_PIXELS

    seen, real_open = [], Image.open
    monkeypatch.setattr(sequence_input.Image, "open", lambda *a, **k: seen.append(Image.MAX_IMAGE_PIXELS) or
                        real_open(*a, **k))
    with pytest.warns(Image.DecompressionBombWarning):  # 1.6 GP: over the cap, under twice it: read
        big = sequence_input.read_header(_png_header(tmp_path / "big.png", 40_000, 40_000))
    assert big is not None and big.size == (40_000, 40_000) and big.format == "PNG"
    with pytest.raises(DreamError, match="too large to open"):
        sequence_input.read_header(_png_header(tmp_path / "giant.png", 60_000, 60_000))  # 3.6 GP
    assert seen == [HARD_MAX_PIXELS, HARD_MAX_PIXELS] and Image.MAX_IMAGE_PIXELS == HARD_MAX_PIXELS
