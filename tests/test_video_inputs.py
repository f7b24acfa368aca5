"""The video render over every input kind: a folder, a printf pattern or a glob of frames played at
`fps`, an animated GIF at its own rate, a clip whose own rate wins over `fps`; a sequence checked
whole before any dreaming, resumed only while its files are unchanged, never written over.

Renders are tiny; most are previews (no model), which open and read the input exactly as a dream does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml
from PIL import Image

from dreamvideo.cli import app
from dreamvideo.media import sources

from .conftest import make_clip
from .test_cli import _assert_clean_failure as _refused
from .test_video import one_thread  # noqa: F401  (autouse: one torch thread, as there)

TINY = ["--size", "64", "--steps", "1", "--octaves", "1", "--seed", "3"]
LEVELS = (40, 90, 140, 190)


def frames(folder: Path, names: list[str], levels=LEVELS, mode: str = "RGB") -> list[Path]:
    """Flat 64x48 frames of the given grey levels (with a dark square, so a dream has an edge to work on)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, level in zip(names, levels):
        image = Image.new(mode, (64, 48), (level,) * 3 + ((128,) if mode == "RGBA" else ()))
        image.paste((0,) * len(mode), (20, 12, 40, 32))
        image.save(folder / name)
        paths.append(folder / name)
    return paths


def read_back(path: Path) -> tuple[sources.VideoInfo, list[np.ndarray]]:
    info = sources.probe(path)
    return info, list(sources.read_frames(info, (info.width, info.height)))


def brightness(images: list[np.ndarray]) -> list[float]:
    return [float(image[:8].mean()) for image in images]  # the top rows: no square, no preview number


def rising(values: list[float]) -> bool:
    """Whether each value is clearly above the one before (frames in the order of their levels)."""
    return all(after - before > 5 for before, after in zip(values, values[1:]))


def test_a_folder_of_frames_is_dreamed_at_fps_and_a_changed_frame_refuses_the_resume(runner, tmp_path):
    paths = frames(tmp_path / "shots", [f"f_{n}.png" for n in range(1, 5)])
    out, kept = tmp_path / "out.mp4", tmp_path / "kept"
    args = ["video", str(tmp_path / "shots"), "-o", str(out), "--fps", "12", "--frames-dir", str(kept), *TINY,
            "--cadence", "2"]  # keyframes and the frames between them, as from a video file
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    info, images = read_back(out)
    assert info.fps == 12 and len(images) == 4
    assert yaml.safe_load(out.with_name("out.mp4.yaml").read_text())["fps"] == 12
    Image.new("RGB", (64, 48), (250, 0, 0)).save(paths[2])  # a frame re-rendered in place
    _refused(runner.invoke(app, args), f"settings changed since the frames in {kept} were made (the input)",
             "--restart")
    _refused(runner.invoke(app, [*args[:4], "--fps", "25", *args[6:]]), "were made (", "--fps")


def test_a_pattern_from_any_start_number_reads_its_frames_in_order(runner, tmp_path):
    frames(tmp_path / "s", [f"f_{n:04d}.png" for n in range(7, 11)])
    (tmp_path / "s" / "notes.txt").write_text("not a frame")
    out = tmp_path / "p.mp4"
    result = runner.invoke(app, ["video", str(tmp_path / "s" / "f_%04d.png"), "-o", str(out), "--preview"])
    assert result.exit_code == 0, result.output
    info, images = read_back(out)
    assert info.fps == 24 and len(images) == 4  # the default rate of a sequence
    assert rising(brightness(images))  # 7, 8, 9, 10 as numbered (a preview dims them under its numbers)


def test_a_quoted_glob_reads_in_natural_order(runner, tmp_path):
    frames(tmp_path / "s", ["shot_9.png", "shot_10.png", "shot_11.png"])
    (tmp_path / "s" / "other.jpg").write_bytes(b"not matched")
    out = tmp_path / "g.mp4"
    result = runner.invoke(app, ["video", str(tmp_path / "s" / "*.png"), "-o", str(out), "--preview", "--fps", "10"])
    assert result.exit_code == 0, result.output
    info, images = read_back(out)
    assert info.fps == 10 and len(images) == 3 and rising(brightness(images))  # 9, 10, 11: not 10, 11, 9


def test_an_animated_gif_is_a_clip_with_its_own_frames_and_rate(runner, tmp_path):
    looks = [Image.new("RGB", (64, 48), (level,) * 3) for level in LEVELS]
    looks[0].save(tmp_path / "a.gif", save_all=True, append_images=looks[1:], duration=100, loop=0)
    out = tmp_path / "a.mp4"
    result = runner.invoke(app, ["video", str(tmp_path / "a.gif"), "-o", str(out), "--preview"])
    assert result.exit_code == 0, result.output
    info, images = read_back(out)
    assert info.fps == 10 and len(images) == 4


def test_fps_applies_to_sequences_and_a_clip_keeps_its_own_rate(runner, tmp_path):
    """`fps` given for a video file is said not to apply; the sidecar records the rate the clip played at,
    so replaying it says nothing."""
    clip = make_clip(tmp_path / "c.mp4", seconds=0.2, rate="25", audio=False)
    out = tmp_path / "o.mp4"
    result = runner.invoke(app, ["video", str(clip), "-o", str(out), "--preview", "--fps", "12"])
    assert result.exit_code == 0, result.output
    assert "--fps 12 applies to image sequences; c.mp4 keeps its own 25 fps" in result.stderr
    assert sources.probe(out).fps == 25
    assert yaml.safe_load(out.with_name("o.mp4.yaml").read_text())["fps"] == 25
    again = runner.invoke(app, ["video", str(clip), "-o", str(tmp_path / "r.mp4"), "--preview",
                                "--preset", str(out.with_name("o.mp4.yaml"))])
    assert again.exit_code == 0, again.output
    assert "applies to image sequences" not in again.stderr


def test_a_gap_is_one_line_before_any_dreaming(runner, tmp_path, monkeypatch):
    def no_dream(*args, **kwargs):
        raise AssertionError("dreamed before the sequence was checked")

    monkeypatch.setattr("dreamvideo.render.video.Engine", no_dream)
    frames(tmp_path / "s", ["f_0001.png", "f_0002.png", "f_0004.png"])
    result = runner.invoke(app, ["video", str(tmp_path / "s"), "-o", str(tmp_path / "o.mp4"), *TINY])
    _refused(result, f"{tmp_path / 's' / 'f_0003.png'} is missing (a gap between f_0002.png and f_0004.png)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_an_alpha_sequence_is_flattened_with_one_note(runner, tmp_path):
    frames(tmp_path / "s", ["f_1.png", "f_2.png", "f_3.png"], mode="RGBA")
    result = runner.invoke(app, ["video", str(tmp_path / "s"), "-o", str(tmp_path / "o.mp4"), "--preview"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if "flattened on black" in line]
    assert len(notes) == 1 and "alpha channel" in notes[0]


def test_frames_kept_in_the_sequences_own_folder_are_refused(runner, tmp_path):
    """The store's frames would join a folder's sequence (and `restart` delete the user's frame_000001.png)."""
    frames(tmp_path / "s", ["frame_000001.png", "frame_000002.png", "frame_000003.png"])
    frames(tmp_path / "t", ["a_1.png", "a_2.png", "a_3.png"])
    before = {p: p.read_bytes() for p in tmp_path.glob("*/*")}
    result = runner.invoke(app, ["video", str(tmp_path / "s"), "-o", str(tmp_path / "o.mp4"),
                                 "--frames-dir", str(tmp_path / "s"), *TINY])
    _refused(result, "input frame", "is in --frames-dir", "named as the render names its frames")
    result = runner.invoke(app, ["video", str(tmp_path / "t" / "*.png"), "-o", str(tmp_path / "o.mp4"),
                                 "--frames-dir", str(tmp_path / "t"), *TINY])
    _refused(result, "would join the sequence; choose another --frames-dir")
    assert {p: p.read_bytes() for p in tmp_path.glob("*/*")} == before


def test_a_sequence_in_is_a_sequence_out_with_as_many_frames_numbered_in_order(runner, tmp_path):
    """Compositors hand over frames and take frames back: f_0007..f_0010 in, dreamed_00001..00004 out,
    in the same order (the frames' grey levels rise, and one light dream step keeps them rising)."""
    frames(tmp_path / "shots", [f"f_{n:04d}.png" for n in range(7, 11)])
    out = tmp_path / "out" / "dreamed_%05d.png"
    result = runner.invoke(app, ["video", str(tmp_path / "shots" / "f_%04d.png"), "-o", str(out), "--fps", "12",
                                 *TINY])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").glob("dreamed_*.png"))
    assert written == [f"dreamed_{n:05d}.png" for n in range(1, 5)]
    images = [np.asarray(Image.open(tmp_path / "out" / name).convert("RGB")) for name in written]
    assert all(image.shape == (48, 64, 3) for image in images)
    assert rising(brightness(images))  # the input's order, frame for frame
