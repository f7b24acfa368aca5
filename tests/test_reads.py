"""What a render reads is never what it writes or deletes; replaying a sidecar reads the same inputs.

The CLI, batch and the studio's child share one list of the files a render reads and one
check of its output, sidecar and frames against it (``render/reads.py``), by file, not by
spelling. Sizes are tiny: every refusal comes before a model is built.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dreamvideo.cli import app

from .conftest import FAST_ARGS, IMAGES
from .test_audio import click_track
from .test_cli import _assert_clean_failure as _refused

ZOOM = ["--size", "64x64", "--frames", "2", "--seed", "3", *FAST_ARGS]


@pytest.fixture
def here(tmp_path: Path, monkeypatch) -> Path:
    """A working folder holding an input, a PNG guide and a GIF guide, as a user's would."""
    monkeypatch.chdir(tmp_path)
    photo = Image.open(IMAGES / "chelsea.jpg").convert("RGB")
    photo.save(tmp_path / "in.jpg")
    photo.resize((64, 48)).save(tmp_path / "g.png")
    photo.resize((64, 48)).save(tmp_path / "g.gif")
    return tmp_path


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("command", [
    ["dream", "in.jpg", "--guide", "g.png", "-o", "g.png", "--size", "64"],
    ["dream", "in.jpg", "--objective", "block10 + 0.5*guide:g.png", "-o", "./g.png", "--size", "64"],
    ["zoom", "--guide", "g.gif", "-o", "g.gif", *ZOOM],
])
def test_an_output_that_names_a_guide_is_refused_and_the_guide_kept(runner, here, command):
    before = _files(here)
    _refused(runner.invoke(app, command), "g.", "is the guide image this render reads")
    assert _files(here) == before


def test_a_sidecar_that_would_overwrite_the_preset_it_reads_is_refused(runner, here):
    (here / "mine.png.yaml").write_text("steps: 1\n# my own preset\n")
    (here / "link.yaml").symlink_to(here / "mine.png.yaml")
    before = _files(here)
    for preset in ("mine.png.yaml", "link.yaml", str(here / "mine.png.yaml")):
        result = runner.invoke(app, ["dream", "in.jpg", "-o", "mine.png", "--preset", preset, "--size", "64"])
        _refused(result, "sidecar mine.png.yaml", "is the preset this render reads")
    assert _files(here) == before


def test_a_sidecar_path_that_is_a_directory_is_refused_before_any_dreaming(runner, here, monkeypatch):
    def no_dream(*args, **kwargs):
        raise AssertionError("dreamed before the sidecar was checked")

    monkeypatch.setattr("dreamvideo.render.still.Engine", no_dream)
    monkeypatch.setattr("dreamvideo.render.zoom.Engine", no_dream)
    (here / "cat.png.yaml").mkdir()
    (here / "dive.mp4.yaml").mkdir()
    _refused(runner.invoke(app, ["dream", "in.jpg", "-o", "cat.png", "--size", "64"]), "cat.png.yaml", "directory")
    _refused(runner.invoke(app, ["zoom", "-o", "dive.mp4", *ZOOM]), "dive.mp4.yaml", "directory")
    assert not (here / "cat.png").exists() and not (here / "dive.mp4").exists()


def test_a_file_read_from_the_frames_the_render_writes_or_deletes_is_refused(runner, here):
    """A start image named as the store names its frames, in `frames_dir`; any file in the hidden
    work folder, which goes whole once the output is safe. A user's other files there are fine."""
    (here / "D").mkdir()
    (here / "D" / "frame_000001.png").write_bytes((here / "g.png").read_bytes())
    (here / ".w.mp4.frames").mkdir()
    (here / ".w.mp4.frames" / "x.png").write_bytes((here / "g.png").read_bytes())
    before = {**_files(here / "D"), **_files(here / ".w.mp4.frames")}
    result = runner.invoke(app, ["zoom", "--from", "D/frame_000001.png", "--frames-dir", "D", "-o", "d.mp4", *ZOOM])
    _refused(result, "start image D/frame_000001.png is in --frames-dir D")
    result = runner.invoke(app, ["zoom", "--from", ".w.mp4.frames/x.png", "-o", "w.mp4", *ZOOM])
    _refused(result, "the work folder this render deletes")
    assert {**_files(here / "D"), **_files(here / ".w.mp4.frames")} == before
    (here / "E").mkdir()
    (here / "E" / "photo.png").write_bytes((here / "g.png").read_bytes())
    result = runner.invoke(app, ["zoom", "--from", "E/photo.png", "--frames-dir", "E", "-o", "e.mp4", *ZOOM])
    assert result.exit_code == 0, result.output
    assert (here / "E" / "photo.png").read_bytes() == before["frame_000001.png"]


def _frame(folder: Path, index: int = 0) -> np.ndarray:
    return np.asarray(Image.open(folder / f"frame_{index:06d}.png")).astype(int)


def test_replaying_a_zoom_sidecar_starts_from_the_image_it_records(runner, here, monkeypatch):
    """Run from another folder, the start image (recorded as typed: coffee.jpg) is found beside
    the sidecar; an explicit --from still wins."""
    (here / "coffee.jpg").write_bytes((IMAGES / "coffee.jpg").read_bytes())
    first = runner.invoke(app, ["zoom", "--from", "coffee.jpg", "-o", "a.mp4", "--frames-dir", "A", *ZOOM])
    assert first.exit_code == 0, first.output
    (here / "other").mkdir()
    replay = ["zoom", "--preset", str(here / "a.mp4.yaml"), "-o", str(here / "b.mp4"), "--frames-dir", str(here / "B")]
    monkeypatch.chdir(here / "other")
    again = runner.invoke(app, replay)
    assert again.exit_code == 0, again.output
    assert "starting from" in again.stderr and "coffee.jpg" in again.stderr
    for index in (0, 1):
        assert np.abs(_frame(here / "A", index) - _frame(here / "B", index)).max() <= 1
    noise = runner.invoke(app, [*replay[:4], str(here / "n.mp4"), "--frames-dir", str(here / "N"), "--from", "noise"])
    assert noise.exit_code == 0, noise.output
    assert np.abs(_frame(here / "A") - _frame(here / "N")).mean() > 20


def test_a_resume_compares_files_not_their_spellings(runner, here):
    """The same start image and music spelled relative, then absolute, resume the kept frames; so
    does a manifest written before files were recorded resolved (it spelled them as typed)."""
    (here / "coffee.jpg").write_bytes((IMAGES / "coffee.jpg").read_bytes())
    click_track(here / "song.wav", seconds=1.0)
    relative = ["zoom", "--from", "coffee.jpg", "--audio", "song.wav", "--fps", "4", "-o", "a.mp4",
                "--frames-dir", "A", *ZOOM]
    absolute = [str(here / arg) if arg in ("coffee.jpg", "song.wav") else arg for arg in relative]
    assert runner.invoke(app, relative).exit_code == 0
    made = {p.name: p.stat().st_mtime_ns for p in (here / "A").glob("frame_*.png")}
    result = runner.invoke(app, absolute)
    assert result.exit_code == 0, result.output
    assert "resuming" in result.stderr
    manifest = json.loads((here / "A" / "manifest.json").read_text())
    manifest["source"], manifest["settings"]["audio"] = "coffee.jpg", "song.wav"
    (here / "A" / "manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(app, absolute)
    assert result.exit_code == 0, result.output
    assert {p.name: p.stat().st_mtime_ns for p in (here / "A").glob("frame_*.png")} == made


def test_a_sequence_output_never_writes_over_a_frame_or_the_audio_it_reads(runner, here):
    """The frames of the pattern already in its folder are replaced or removed, its NAME.wav
    written: none of them may be what the render reads."""
    (here / "seq").mkdir()
    (here / "seq" / "f_00002.png").write_bytes((here / "g.png").read_bytes())
    click_track(here / "seq" / "f.wav", seconds=0.5)
    before = _files(here / "seq")
    result = runner.invoke(app, ["zoom", "--from", "seq/f_00002.png", "-o", "seq/f_%05d.png", *ZOOM])
    _refused(result, "output seq/f_%05d.png would write over seq/f_00002.png, the start image")
    result = runner.invoke(app, ["zoom", "--audio", "seq/f.wav", "-o", "seq/f_%05d.png", *ZOOM])
    _refused(result, "output seq/f_%05d.png writes its audio seq/f.wav, which is the audio file")
    assert _files(here / "seq") == before


def test_an_image_sequence_output_that_would_write_over_the_input_frames_is_refused(tmp_path):
    """An output pattern writes every name it makes in its folder: one of those that is an input frame
    (here, or through a linked folder) is refused by name; a pattern that cannot make its names is not."""
    from dreamvideo.render.reads import overwrite_line, render_reads
    from dreamvideo.settings import resolve

    (tmp_path / "s").mkdir()
    files = tuple(tmp_path / "s" / f"f_{n:04d}.png" for n in (7, 8))
    for path in files:
        path.write_bytes(b"frame")
    (tmp_path / "link").symlink_to(tmp_path / "s")
    reads = render_reads(resolve(None, {}), "video", None, frames=files)
    assert [role for role, _ in reads] == ["input frame", "input frame"]
    for output in (tmp_path / "s" / "f_%04d.png", tmp_path / "link" / "f_%04d.png"):
        assert overwrite_line(output, reads) == (f"output {output} would write over {files[0]}, the input frame "
                                                 "this render reads; choose another output name")
    for output in (tmp_path / "s" / "f_%05d.png", tmp_path / "s" / "g_%04d.png", tmp_path / "f_%04d.png"):
        assert overwrite_line(output, reads) is None
