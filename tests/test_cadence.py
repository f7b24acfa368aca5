"""Zoom cadence, colour coherence, seamless loops and motion preview, end to end at tiny sizes."""

from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import yaml
from skimage import color

from dreamvideo.cli import app
from dreamvideo.errors import DreamError, Interrupted
from dreamvideo.media.audio import decode
from dreamvideo.media.sources import load_image
from dreamvideo.render import Engine, RunOptions, render_zoom
from dreamvideo.render.preview import Numbered
from dreamvideo.render.store import FrameStore
from dreamvideo.render.seamless_video import seam_ratio
from dreamvideo.settings import resolve

from .conftest import FAST, FAST_ARGS, make_clip
from .test_zoom import song  # noqa: F401  (fixture)


class _Folder:
    """A kept frames folder, read as the store does."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, index: int) -> np.ndarray:
        return load_image(self.folder / f"frame_{index:06d}.png")


def _settings(**extra):
    return resolve(None, {**FAST, "size": "64x64", "frames": 8, "fps": 12, "seed": 3, "cadence": 3, **extra})


def _frames(folder: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(folder.glob("frame_??????.png"))]


def _count_dreams(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = Engine.dream

    def counted(engine, frame, index, *args, **kwargs):
        calls.append(index)
        return real(engine, frame, index, *args, **kwargs)
    monkeypatch.setattr(Engine, "dream", counted)
    return calls


def _stop_after(monkeypatch, last: int) -> None:
    """Ctrl-C right after frame ``last`` is saved."""
    real = FrameStore.save

    def save(store, index, frame):
        real(store, index, frame)
        if index == last:
            raise KeyboardInterrupt
    monkeypatch.setattr(FrameStore, "save", save)


def test_cadence_dreams_every_nth_frame_and_crossfades_between(tmp_path, monkeypatch):
    calls = _count_dreams(monkeypatch)
    render_zoom(_settings(), "noise", tmp_path / "c.mp4", RunOptions(frames_dir=tmp_path / "f"))
    assert calls == [2, 5, 7]  # each window's last frame is dreamed, the frames before are moved
    assert imageio_ffmpeg.count_frames_and_secs(str(tmp_path / "c.mp4"))[0] == 8
    frames = [load_image(p).astype(float) for p in sorted((tmp_path / "f").glob("frame_??????.png"))]
    steps = [np.abs(b - a).mean() for a, b in zip(frames, frames[1:])]
    assert max(steps) < 3 * np.median(steps)  # no jump at the keyframes


@pytest.mark.parametrize("stop, lose_key", [(4, False), (4, True), (3, False), (5, False)])
def test_cadence_resumes_mid_window_exactly(tmp_path, monkeypatch, stop, lose_key):
    settings = _settings()
    render_zoom(settings, "noise", tmp_path / "s.mp4", RunOptions(frames_dir=tmp_path / "straight"))
    _stop_after(monkeypatch, stop)
    with pytest.raises(Interrupted, match=f"{stop + 1} finished frame"):
        render_zoom(settings, "noise", tmp_path / "r.mp4", RunOptions(frames_dir=tmp_path / "resumed"))
    monkeypatch.undo()
    key = tmp_path / "resumed" / "frame_000003.key.png"
    assert key.is_file()
    if lose_key:
        key.write_bytes(b"damaged")  # dreamed again from frame 2, the same way
    calls = _count_dreams(monkeypatch)
    render_zoom(settings, "noise", tmp_path / "r.mp4", RunOptions(frames_dir=tmp_path / "resumed"))
    assert calls == ([5, 7] if lose_key else [7])
    assert _frames(tmp_path / "resumed") == _frames(tmp_path / "straight")


def test_colour_reference_of_a_noise_zoom_survives_a_resume(tmp_path, monkeypatch):
    settings = _settings(frames=9, color_coherence="lab", color_strength={0: 1.0, 8: 0.5})
    render_zoom(settings, "noise", tmp_path / "s.mp4", RunOptions(frames_dir=tmp_path / "straight"))
    _stop_after(monkeypatch, 6)
    with pytest.raises(Interrupted):
        render_zoom(settings, "noise", tmp_path / "r.mp4", RunOptions(frames_dir=tmp_path / "resumed"))
    monkeypatch.undo()
    (tmp_path / "resumed" / "frame_000000.key.png").unlink()  # the reference: the first dream, made again
    render_zoom(settings, "noise", tmp_path / "r.mp4", RunOptions(frames_dir=tmp_path / "resumed"))
    assert _frames(tmp_path / "resumed") == _frames(tmp_path / "straight")


def test_cadence_over_the_frame_count_is_one_line(runner, tmp_path):
    result = runner.invoke(app, ["zoom", "-n", "4", "--cadence", "5", "-o", str(tmp_path / "z.mp4")])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "--cadence 5 is more than the 4 frame(s)" in result.output
    result = runner.invoke(app, ["zoom", "-n", "4", "--cadence", "0", "-o", str(tmp_path / "z.mp4")])
    assert result.exit_code != 0 and not list(tmp_path.iterdir())


def _lab_distance(frames: list[np.ndarray], reference: np.ndarray) -> float:
    """Mean over LAB channels of the 1-D Wasserstein distance between value distributions."""
    q = np.linspace(0.01, 0.99, 50)
    ref = color.rgb2lab(reference).reshape(-1, 3)
    out = []
    for frame in frames:
        lab = color.rgb2lab(frame).reshape(-1, 3)
        out.append(np.mean([np.abs(np.quantile(lab[:, c], q) - np.quantile(ref[:, c], q)).mean() for c in range(3)]))
    return float(np.mean(out))


def test_color_coherence_keeps_the_start_images_colours(tmp_path, chelsea):
    distances = {}
    for space in ("none", "lab"):
        settings = _settings(cadence=1, frames=6, steps=6, step_size=0.03, color_coherence=space)
        render_zoom(settings, str(chelsea), tmp_path / f"{space}.mp4", RunOptions(frames_dir=tmp_path / space))
        frames = [load_image(p) for p in sorted((tmp_path / space).glob("frame_??????.png"))[3:]]
        distances[space] = _lab_distance(frames, load_image(tmp_path / space / "frame_000000.png"))
    assert distances["lab"] < 0.7 * distances["none"], distances


@pytest.mark.parametrize("cadence", [1, 2])
def test_loop_closes_seamlessly_and_resumes_exactly(tmp_path, monkeypatch, cadence):
    settings = _settings(cadence=cadence, frames=12, zoom=1.05, loop=True)
    out = tmp_path / "loop.gif"
    render_zoom(settings, "noise", out, RunOptions(frames_dir=tmp_path / "straight"))
    kept = [load_image(p) for p in sorted((tmp_path / "straight").glob("frame_??????.png"))]
    loop = kept[3:]  # a 12-frame loop has a 3-frame lead-in
    assert len(loop) == 12 and imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 12
    assert np.array_equal(loop[-1], kept[2])  # the last frame leads into the first as frame 2 did into 3
    assert seam_ratio(loop) < 1.3
    assert yaml.safe_load((tmp_path / "loop.gif.yaml").read_text())["meta"]["loop_seam_ratio"] < 1.3
    _stop_after(monkeypatch, 13)  # inside the fade
    with pytest.raises(Interrupted):
        render_zoom(settings, "noise", out, RunOptions(frames_dir=tmp_path / "resumed"))
    monkeypatch.undo()
    render_zoom(settings, "noise", out, RunOptions(frames_dir=tmp_path / "resumed"))
    assert _frames(tmp_path / "resumed") == _frames(tmp_path / "straight")


def test_a_music_loop_lasts_as_long_as_the_track(runner, tmp_path, song):  # noqa: F811
    out = tmp_path / "m.mp4"
    result = runner.invoke(app, ["zoom", "--loop", "--audio", str(song), "--fps", "8", "-s", "64x64", *FAST_ARGS,
                                 "--zoom", "0:(1.02 + 0.1*onset)", "--seed", "0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 8


@pytest.mark.parametrize("args, words", [
    (["--frames", "1"], "--loop needs at least 2 frames, got 1"),
    (["--frames", "8", "--zoom", "0:(1.0), 7:(1.1)"], "--loop: --zoom goes from 1 at frame 0 to 1.1 at frame 7"),
])
def test_loops_that_cannot_close_are_one_line(runner, tmp_path, args, words):
    result = runner.invoke(app, ["zoom", "--loop", *args, "-o", str(tmp_path / "l.gif")])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and words in result.output, result.output
    assert not list(tmp_path.iterdir())


@pytest.fixture
def no_model(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a preview built a model")
    monkeypatch.setattr("dreamvideo.render.engine.get_model", refuse)


def test_zoom_preview_builds_no_model_and_says_it_is_a_preview(runner, tmp_path, no_model, song):  # noqa: F811
    out = tmp_path / "p.mp4"
    result = runner.invoke(app, ["zoom", "--preview", "--audio", str(song), "--fps", "8", "--size", "64x64",
                                 "--cadence", "2", "--color-coherence", "lab", "--rotate", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 8
    assert abs(len(decode(out)) / 22050 - 1.0) <= 1 / 8  # the track is muxed in
    sidecar = yaml.safe_load((tmp_path / "p.mp4.yaml").read_text())
    assert sidecar["meta"]["preview"] is True and sidecar["preview"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.mp4", "p.mp4.yaml"]


def test_a_preview_never_writes_over_a_real_renders_frames(runner, tmp_path):
    frames = tmp_path / "frames"
    args = ["zoom", "-n", "2", "-s", "64x64", "--seed", "1", *FAST_ARGS, "--frames-dir", str(frames)]
    assert runner.invoke(app, [*args, "-o", str(tmp_path / "real.mp4")]).exit_code == 0
    before = _frames(frames)
    for extra in ([], ["--restart"]):
        result = runner.invoke(app, [*args, "--preview", *extra, "-o", str(tmp_path / "p.mp4")])
        assert result.exit_code == 1 and result.output.count("\n") == 1
        assert "holds the frames of a real render; a --preview never writes over them" in result.output
    assert _frames(frames) == before and not (tmp_path / "p.mp4").exists()


def test_video_preview_is_the_span_without_a_model(tmp_path, no_model):
    clip = make_clip(tmp_path / "clip.mp4", seconds=0.5, rate="24", size="64x48")
    out = tmp_path / "v.mp4"
    from dreamvideo.render import render_video
    render_video(resolve(None, {"preview": True, "cadence": 2}), clip, out, RunOptions())
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 12
    assert yaml.safe_load((tmp_path / "v.mp4.yaml").read_text())["meta"]["preview"] is True


def _stop_at_frame(monkeypatch, stop: int, error: type[BaseException] = KeyboardInterrupt) -> None:
    """Ctrl-C (or ``error``) as frame ``stop`` is saved."""
    real = FrameStore.save

    def save(store, index, frame, *args, **kwargs):
        if index == stop:
            raise error("stopped")
        return real(store, index, frame, *args, **kwargs)
    monkeypatch.setattr(FrameStore, "save", save)


@pytest.mark.parametrize("kind", ["zoom", "video"])
def test_a_stopped_preview_removes_its_work_folder_but_not_a_named_frames_dir(tmp_path, no_model, monkeypatch, kind):
    """Ctrl-C during a motion preview left its hidden ``.OUT.preview.frames`` behind, for nothing: a preview
    takes seconds to make again. An error removes it too; a frames_dir the user named stays (a real render's
    kept frames are tested with its resume)."""
    from dreamvideo.render import render_video

    clip = make_clip(tmp_path / "clip.mp4", seconds=0.5, rate="24", size="64x48")

    def render(out: Path, options: RunOptions) -> None:
        if kind == "zoom":
            render_zoom(_settings(preview=True, frames=6), "noise", out, options)
        else:
            render_video(resolve(None, {"preview": True}), clip, out, options)
    _stop_at_frame(monkeypatch, 3)
    with pytest.raises(Interrupted, match="interrupted"):
        render(tmp_path / "p.mp4", RunOptions())
    _stop_at_frame(monkeypatch, 3, DreamError)
    with pytest.raises(DreamError):
        render(tmp_path / "p.mp4", RunOptions())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]
    _stop_at_frame(monkeypatch, 3)
    with pytest.raises(Interrupted, match="run the same command again to resume"):
        render(tmp_path / "p.mp4", RunOptions(frames_dir=tmp_path / "kept"))
    assert len(list((tmp_path / "kept").glob("frame_??????.png"))) == 3  # the folder the user named stays


def test_preview_from_noise_shows_a_test_pattern(tmp_path, no_model, monkeypatch):
    settings = _settings(preview=True, frames=3, zoom=1.2)
    render_zoom(settings, "noise", tmp_path / "p.mp4", RunOptions(frames_dir=tmp_path / "f"))
    first, last = (load_image(tmp_path / "f" / f"frame_00000{i}.png") for i in (0, 2))
    assert first.std() > 40  # a contrasty pattern, not grey noise
    assert not np.array_equal(first, last)
    stamped = Numbered(_Folder(tmp_path / "f")).load(2)
    changed = np.argwhere((stamped != last).any(-1))
    assert len(changed) and changed[:, 0].max() < 20  # "frame 2" at the top; what feeds the next frame is clean
    monkeypatch.undo()
    with pytest.raises(DreamError, match="settings changed"):  # a real render never resumes a preview's frames
        render_zoom(_settings(frames=3, zoom=1.2), "noise", tmp_path / "r.mp4", RunOptions(frames_dir=tmp_path / "f"))


def test_fast_dive_and_loop_gif_presets(tmp_path, no_model):
    fast = resolve("fast-dive")
    assert fast.cadence == 3 and fast.color_coherence == "lab"
    settings = resolve("loop-gif", {"preview": True, "size": "64x64", "seed": 0})
    render_zoom(settings, "noise", tmp_path / "l.gif", RunOptions(frames_dir=tmp_path / "f"))
    frames = [load_image(p) for p in sorted((tmp_path / "f").glob("frame_??????.png"))][-48:]
    assert imageio_ffmpeg.count_frames_and_secs(str(tmp_path / "l.gif"))[0] == 48
    assert seam_ratio(frames) < 1.3


def test_a_strength_that_fails_at_a_later_frame_stops_before_any_folder(runner, tmp_path, no_model):
    out = tmp_path / "z.mp4"
    args = ["zoom", "-n", "4", "-s", "64x64", *FAST_ARGS, "--color-coherence", "lab", "-o", str(out)]
    result = runner.invoke(app, [*args, "--color-strength", "0:(t*1e308*1e308)"])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "--color-strength" in result.output and "frame 1" in result.output
    assert not list(tmp_path.iterdir())  # no work folder: the corrected command is not "settings changed"


def test_a_preview_never_replaces_a_finished_render(runner, tmp_path):
    out = tmp_path / "real.mp4"
    args = ["zoom", "-n", "2", "-s", "64x64", "--seed", "1", *FAST_ARGS, "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    before = out.read_bytes(), (tmp_path / "real.mp4.yaml").read_bytes()
    result = runner.invoke(app, [*args, "--preview"])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "is a finished render" in result.output and "--preview never replaces it" in result.output
    assert (out.read_bytes(), (tmp_path / "real.mp4.yaml").read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real.mp4", "real.mp4.yaml"]
    preview = tmp_path / "p.mp4"
    for _ in range(2):  # a preview replaces a preview; the real render then replaces it
        assert runner.invoke(app, [*args[:-1], str(preview), "--preview"]).exit_code == 0
    assert runner.invoke(app, [*args[:-1], str(preview)]).exit_code == 0
    assert "preview" not in yaml.safe_load((tmp_path / "p.mp4.yaml").read_text())["meta"]


def test_more_frames_onto_a_kept_cadence_render_is_refused_not_mixed(tmp_path):
    """With cadence the frame count shapes the last window (7 frames at cadence 3: frame 6 is a key;
    8 frames: an in-between), so a kept folder of another length must not be extended."""
    render_zoom(_settings(frames=8), "noise", tmp_path / "s.mp4", RunOptions(frames_dir=tmp_path / "straight"))
    kept = RunOptions(frames_dir=tmp_path / "kept")
    render_zoom(_settings(frames=7), "noise", tmp_path / "k.mp4", kept)
    with pytest.raises(DreamError, match=r"settings changed .*\(`frames`\)"):
        render_zoom(_settings(frames=8), "noise", tmp_path / "k.mp4", kept)
    render_zoom(_settings(frames=8), "noise", tmp_path / "k.mp4", RunOptions(frames_dir=tmp_path / "kept",
                                                                              restart=True))
    assert _frames(tmp_path / "kept") == _frames(tmp_path / "straight")


@pytest.mark.parametrize("preview", [[], ["--preview"]])
def test_a_frames_dir_that_is_the_output_is_refused_before_any_frame(runner, tmp_path, preview):
    out = tmp_path / "q.mp4"
    result = runner.invoke(app, ["zoom", "-n", "2", "-s", "64x64", *FAST_ARGS, "--cadence", "2", *preview,
                                 "--frames-dir", str(out), "-o", str(out)])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "--frames-dir" in result.output and "is the output" in result.output
    assert not list(tmp_path.iterdir())


def test_a_two_frame_loop_says_its_seam_cannot_be_measured(runner, tmp_path, no_model):
    result = runner.invoke(app, ["zoom", "-n", "2", "--loop", "--preview", "-s", "64x64", "-o", str(tmp_path / "l.gif")])
    assert result.exit_code == 0, result.output
    assert "seam ratio n/a" in result.output and "nan" not in result.output
    assert imageio_ffmpeg.count_frames_and_secs(str(tmp_path / "l.gif"))[0] == 2


def test_a_presets_loop_and_a_sidecars_preview_can_be_turned_off(runner, tmp_path, no_model, monkeypatch):
    preview = tmp_path / "p.mp4"
    args = ["-n", "4", "-s", "64x64", "--seed", "1", "--fps", "12"]
    result = runner.invoke(app, ["zoom", "--preset", "loop-gif", *args, "--no-loop", "--preview", "-o", str(preview)])
    assert result.exit_code == 0, result.output
    sidecar = yaml.safe_load((tmp_path / "p.mp4.yaml").read_text())
    assert sidecar["loop"] is False and "loop_seam_ratio" not in sidecar["meta"]
    assert imageio_ffmpeg.count_frames_and_secs(str(preview))[0] == 4
    monkeypatch.undo()  # the sidecar replayed for real: a model is built now
    real = tmp_path / "real.mp4"
    result = runner.invoke(app, ["zoom", "--preset", str(tmp_path / "p.mp4.yaml"), "--no-preview", *FAST_ARGS,
                                 "-n", "2", "-o", str(real)])
    assert result.exit_code == 0, result.output
    assert "preview" not in yaml.safe_load((tmp_path / "real.mp4.yaml").read_text())["meta"]


def test_another_fps_is_refused_when_an_expression_reads_it(tmp_path, monkeypatch):
    """music-dive's turn is timed in `fps`: a resume at another rate would mix two camera paths."""
    turn = {"rotate": "0:(20*sin(2*pi*t/(2*fps)))", "cadence": 1, "frames": 4}
    _stop_after(monkeypatch, 1)
    with pytest.raises(Interrupted):
        render_zoom(_settings(**turn), "noise", tmp_path / "a.mp4", RunOptions(frames_dir=tmp_path / "a"))
    monkeypatch.undo()
    with pytest.raises(DreamError, match=r"settings changed .*\(`fps`\)"):
        render_zoom(_settings(**turn, fps=3), "noise", tmp_path / "a.mp4", RunOptions(frames_dir=tmp_path / "a"))
    render_zoom(_settings(frames=4, cadence=1), "noise", tmp_path / "b.mp4", RunOptions(frames_dir=tmp_path / "b"))
    render_zoom(_settings(frames=4, cadence=1, fps=3), "noise", tmp_path / "b.mp4",
                RunOptions(frames_dir=tmp_path / "b"))  # without it fps stays encoding-only
