"""Zoom v2 end to end: small sizes, expressions from the command line, music-driven renders."""

from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
import yaml
from PIL import Image

from dreamvideo.cli import app
from dreamvideo.media.audio import decode
from dreamvideo.media.formats import find_format
from dreamvideo.media.readback import streams
from dreamvideo.media.sources import probe
from dreamvideo.motion.camera import Camera
from dreamvideo.render.zoom import timeline
from dreamvideo.settings import resolve

from .conftest import FAST_ARGS
from .test_audio import CLICKS, click_track, peaks


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> Path:
    return click_track(tmp_path_factory.mktemp("song") / "song.mp3", seconds=1.0)


def test_zoom_at_96x96_drops_small_octaves_and_says_so(runner, tmp_path):
    out = tmp_path / "small.mp4"
    result = runner.invoke(app, ["zoom", "--size", "96x96", "--frames", "2", "--steps", "1", "--jitter", "4",
                                 "--seed", "0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "96x96: dreaming with 3 of 4 octaves" in result.output
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 2


def test_dream_of_a_160x120_image_and_a_too_small_one(runner, tmp_path, chelsea):
    small = tmp_path / "small.png"
    Image.open(chelsea).resize((160, 120)).save(small)
    result = runner.invoke(app, ["dream", str(small), "-o", str(tmp_path / "out.png"), "--steps", "1",
                                 "--octaves", "6"])
    assert result.exit_code == 0, result.output
    assert "160x120: dreaming with 3 of 6 octaves" in result.output
    Image.open(chelsea).resize((40, 24)).save(small)
    result = runner.invoke(app, ["dream", str(small), "-o", str(tmp_path / "tiny.png")])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "image 40x24 is smaller than this layer's minimum of 32 px" in result.output
    assert not (tmp_path / "tiny.png").exists()


def test_bad_expression_on_the_command_line_is_one_line(runner, tmp_path):
    result = runner.invoke(app, ["zoom", "--zoom", "0:(1.04), 30:(1+tt)", "-o", str(tmp_path / "z.mp4")])
    assert result.exit_code == 1
    assert result.output.strip() == ("error: --zoom: keyframe 30: unknown name 'tt' in '1+tt'; "
                                     "use t, max_f, fps, pi, rms, bass, mid, treble, onset")
    result = runner.invoke(app, ["zoom", "--rotate", "0:(50*sin(t))", "--frames", "3", "-o", str(tmp_path / "z.mp4")])
    assert result.exit_code == 1 and "--rotate: keyframe 0: value" in result.output and "must be <= 45" in result.output
    result = runner.invoke(app, ["zoom", "--zoom", "0:(1 + 0.1*bass)", "-o", str(tmp_path / "z.mp4")])
    assert result.output.strip() == "error: --zoom: keyframe 0: 'bass' needs an audio track: set --audio"
    assert not list(tmp_path.iterdir())


def test_onset_driven_zoom_moves_more_on_click_frames(song):
    settings = resolve("music-dive", {"audio": str(song), "zoom": "0:(1.01 + 0.1*onset)"})
    times, track = timeline(settings)
    assert times.frames == track.frames == 24  # 1 s at the preset's 24 fps
    factors = np.array([Camera(settings, times).at(i)["factor"] for i in range(times.frames)])
    clicks = [int(c * 24) for c in CLICKS if c < 1.0]
    assert peaks(factors - 1.01 + 0.5) and all(abs(p - c) <= 1 for p, c in zip(peaks((factors - 1.01) * 10), clicks))
    quiet = [i for i in range(24) if min(abs(i - c) for c in clicks) >= 4]
    assert factors[clicks].min() > 1.08 and factors[quiet].max() < 1.03


def test_music_zoom_length_follows_the_audio_and_the_audio_is_muxed(runner, song, tmp_path):
    out = tmp_path / "music.mp4"
    result = runner.invoke(app, ["zoom", "--audio", str(song), "--fps", "6", "--size", "64x64", *FAST_ARGS,
                                 "--zoom", "0:(1.01 + 0.2*onset)", "--seed", "0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 6
    audio_seconds = len(decode(out)) / 22050
    assert abs(audio_seconds - frames / 6) <= 1 / 6
    sidecar = (tmp_path / "music.mp4.yaml").read_text()
    assert "zoom: 0:(1.01 + 0.2*onset)" in sidecar and f"audio: {song}" in sidecar


def test_audio_features_command_plots_and_refuses_bad_input(runner, song, tmp_path):
    out = tmp_path / "features.png"
    result = runner.invoke(app, ["audio-features", str(song), "--fps", "24", "-o", str(out)])
    assert result.exit_code == 0 and "24 frames at 24 fps" in result.output
    assert Image.open(out).size[0] > 800
    result = runner.invoke(app, ["audio-features", str(tmp_path / "nope.mp3"), "-o", str(out)])
    assert result.exit_code == 1 and result.output.strip().startswith("error: audio file not found")


def test_music_dive_preset_needs_and_uses_audio(song):
    settings = resolve("music-dive", {"audio": str(song)})
    assert settings.uses("onset") and settings.uses("bass")
    Camera(settings, timeline(settings)[0])  # every move evaluates in range for a real track


# ---------------------------------------------------------------- output formats (issue 26)

TINY = ["--size", "64x48", "--frames", "4", "--steps", "1", "--octaves", "1", "--jitter", "4", "--seed", "0"]


@pytest.mark.parametrize("name,codec,reports", [
    ("z.webm", None, ("vp9", "yuv420p")),
    ("z.mov", None, ("prores", "yuv422p10le")),
    ("z.mov", "hap", ("hap", "rgb0")),
    ("z.webp", None, ("webp_anim", "argb")),
    ("z.apng", None, ("apng", "rgb24")),
])
def test_a_zoom_is_written_in_every_format_and_reads_back_as_its_record_promises(runner, tmp_path, name, codec,
                                                                                 reports):
    out = tmp_path / name
    result = runner.invoke(app, ["zoom", *TINY, "-o", str(out), *(["--codec", codec] if codec else [])])
    assert result.exit_code == 0, result.output
    info = streams(out)
    assert (info.codec, info.pix_fmt) == reports == find_format(out, codec).reports
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == [name, name + ".yaml"]  # no work folder or temporary left
    assert yaml.safe_load((tmp_path / (name + ".yaml")).read_text()).get("codec") == codec


def test_a_zoom_to_an_image_sequence_is_numbered_beside_the_users_files_8_or_16_bit(runner, tmp_path, song):
    folder = tmp_path / "seq"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / "f_final.png").write_bytes(b"mine too")
    result = runner.invoke(app, ["zoom", *TINY, "-o", str(folder / "f_%05d.png")])
    assert result.exit_code == 0, result.output
    made = [f"f_{i:05d}.png" for i in range(1, 5)]
    assert sorted(p.name for p in folder.iterdir()) == sorted(["notes.txt", "f_final.png", "f.yaml", *made])
    assert (folder / "notes.txt").read_text() == "mine" and (folder / "f_final.png").read_bytes() == b"mine too"
    assert (streams(folder / made[0]).codec, streams(folder / made[0]).pix_fmt) == ("png", "rgb24")
    assert yaml.safe_load((folder / "f.yaml").read_text())["meta"]["output"] == "f_%05d.png"
    deep = tmp_path / "new" / "d_%03d.png"  # a folder the render makes; the music goes beside as d.wav
    result = runner.invoke(app, ["zoom", *TINY[:2], "--audio", str(song), "--fps", "4", *TINY[4:], "-o", str(deep),
                                 "--bit-depth", "16"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in deep.parent.iterdir()) == ["d.wav", "d.yaml", "d_001.png", "d_002.png",
                                                             "d_003.png", "d_004.png"]
    assert cv2.imread(str(deep.parent / "d_004.png"), cv2.IMREAD_UNCHANGED).dtype == np.uint16
    assert streams(deep.parent / "d_001.png").pix_fmt == "rgb48be"
    assert abs(len(decode(deep.parent / "d.wav")) / 22050 - 1.0) <= 0.05  # 4 frames at 4 fps


def test_a_size_hap_cannot_take_is_cropped_with_one_note_before_any_dream(runner, tmp_path, monkeypatch):
    def no_dream(*args, **kwargs):
        raise AssertionError("dreamed before the output's format was checked")

    out = tmp_path / "vj.mov"
    monkeypatch.setattr("dreamvideo.render.zoom.Engine", no_dream)
    result = runner.invoke(app, ["zoom", *TINY, "--size", "66x50", "--codec", "hap", "-o", str(out)])
    assert ".mov hap needs sides that are multiples of 4: the 66x50 frames are cropped to 64x48" in result.output
    result = runner.invoke(app, ["zoom", *TINY, "--codec", "dnxhr", "-o", str(out)])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "dnxhr needs frames of at least 256x120, these are 64x48: raise --size or choose another --codec" \
        in result.output
    monkeypatch.undo()
    result = runner.invoke(app, ["zoom", *TINY, "--size", "66x50", "--codec", "hap", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.count("needs sides that are multiples of 4") == 1  # said once, not again at assembly
    assert (probe(out).width, probe(out).height) == (64, 48)


def test_a_format_without_audio_says_so_and_a_loop_stays_a_loop(runner, song, tmp_path):
    out = tmp_path / "loop.webp"
    result = runner.invoke(app, ["zoom", *TINY, "--audio", str(song), "--fps", "4", "--loop", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "webp takes no audio: the video is written without it" in result.output
    assert "loop of 4 frames" in result.output
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 4 and not streams(out).audio
