"""Video cadence, colour coherence and seamless loops: what they do to a render, and resume with them."""

import imageio_ffmpeg
import numpy as np
import pytest
import yaml

from dreamvideo.cli import app
from dreamvideo.errors import DreamError
from dreamvideo.media import sources
from dreamvideo.motion import metrics
from dreamvideo.render import Engine, RunOptions, render_video
from dreamvideo.render.seamless_video import seam_ratio
from dreamvideo.settings import resolve

from .conftest import FAST, FAST_ARGS, streams, truncated_clip
from .test_video import _frames, _interrupted, moving_clip, one_thread  # noqa: F401  (fixtures)


def _sources(clip, size=(64, 48)):
    return list(sources.read_frames(sources.probe(clip), size))


def _dreams(monkeypatch):
    """Count the frames that run gradient steps."""
    real, calls = Engine.dream_octaves, []

    def counted(engine, frame, index, *args, **kwargs):
        calls.append(index)
        return real(engine, frame, index, *args, **kwargs)
    monkeypatch.setattr(Engine, "dream_octaves", counted)
    return calls


def test_cadence_dreams_every_nth_frame_and_moves_the_dream_onto_the_frames_between(tmp_path, moving_clip,
                                                                                   monkeypatch):
    settings = resolve(None, {**FAST, "seed": 2, "cadence": 2})
    calls = _dreams(monkeypatch)
    render_video(settings, moving_clip, tmp_path / "a.mp4", RunOptions(frames_dir=tmp_path / "a"))
    assert calls == [0, 2, 4]
    outs, raws = _frames(tmp_path / "a"), _sources(moving_clip)
    change = [np.abs(o.astype(float) - r).mean() for o, r in zip(outs, raws)]
    assert min(change[1::2]) > 0.6 * max(change[0::2])   # the frames between carry the dream too
    monkeypatch.undo()
    render_video(settings.model_copy(update={"cadence": 1}), moving_clip, tmp_path / "b.mp4",
                 RunOptions(frames_dir=tmp_path / "b"))
    every = metrics.measured(raws, _frames(tmp_path / "b")).flicker
    assert metrics.measured(raws, outs).flicker < 1.15 * every   # and they are as steady as dreamed ones


def test_cadence_resumes_from_any_frame_to_the_uninterrupted_frames(tmp_path, moving_clip, monkeypatch):
    settings = resolve(None, {**FAST, "seed": 2, "cadence": 2})
    render_video(settings, moving_clip, tmp_path / "a.mp4", RunOptions(frames_dir=tmp_path / "a"))
    straight = _frames(tmp_path / "a")
    _interrupted(settings, moving_clip, tmp_path / "b", monkeypatch, after=2)  # stops dreaming frame 4
    assert len(_frames(tmp_path / "b")) == 4
    render_video(settings, moving_clip, tmp_path / "b.mp4", RunOptions(frames_dir=tmp_path / "b"))
    assert all(np.array_equal(x, y) for x, y in zip(straight, _frames(tmp_path / "b")))
    for index in (3, 4, 5):   # from a frame between keyframes, too
        (tmp_path / "b" / f"frame_{index:06d}.png").unlink()
    render_video(settings, moving_clip, tmp_path / "b.mp4", RunOptions(frames_dir=tmp_path / "b"))
    resumed = _frames(tmp_path / "b")
    assert len(resumed) == 6 and all(np.array_equal(x, y) for x, y in zip(straight, resumed))


def test_a_cadence_longer_than_the_clip_is_refused_in_one_line(tmp_path, moving_clip, runner):
    result = runner.invoke(app, ["video", str(moving_clip), "-o", str(tmp_path / "o.mp4"), "--cadence", "7",
                                 *FAST_ARGS])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "--cadence 7" in result.output
    assert not (tmp_path / "o.mp4").exists()


def _lab_distance(outs, raws):
    """Mean |channel mean difference| in LAB, output vs its source frame: how far the colours moved."""
    from skimage.color import rgb2lab
    return float(np.mean([np.abs(rgb2lab(o / 255).mean((0, 1)) - rgb2lab(r / 255).mean((0, 1))).mean()
                          for o, r in zip(outs, raws)]))


def test_colour_coherence_keeps_each_frame_near_its_source_colours_on_a_schedule(tmp_path, moving_clip):
    base = {**FAST, "steps": 6, "step_size": 2.0, "seed": 2, "max_frames": 3}
    raws = _sources(moving_clip)[:3]
    plain, matched = (tmp_path / "plain", tmp_path / "lab")
    render_video(resolve(None, base), moving_clip, tmp_path / "p.mp4", RunOptions(frames_dir=plain))
    render_video(resolve(None, {**base, "color_coherence": "lab", "color_strength": {0: 0.0, 1: 1.0}}),
                 moving_clip, tmp_path / "l.mp4", RunOptions(frames_dir=matched))
    plain, matched = _frames(plain), _frames(matched)
    assert np.array_equal(plain[0], matched[0])      # strength 0 at frame 0: untouched
    assert _lab_distance(matched[1:], raws[1:]) < 0.5 * _lab_distance(plain[1:], raws[1:])
    assert not np.array_equal(matched[2], raws[2])   # the dream is still there


def test_a_loop_plays_round_with_no_visible_jump(tmp_path, moving_clip, runner):
    out = tmp_path / "loop.mp4"
    result = runner.invoke(app, ["video", str(moving_clip), "-o", str(out), "--seed", "2", "--loop", *FAST_ARGS])
    assert result.exit_code == 0, result.output
    frames = list(sources.read_frames(sources.probe(out), (64, 48)))
    assert len(frames) == 4                      # six frames, the last two faded into the first two
    assert seam_ratio(frames) < 1.5
    assert seam_ratio(_sources(moving_clip)) > 3  # where the clip itself jumps back
    meta = yaml.safe_load(out.with_name("loop.mp4.yaml").read_text())["meta"]
    assert meta["frames"] == 4 and meta["loop_seam_ratio"] < 1.5


def test_a_loop_keeps_the_audio_of_the_frames_written(tmp_path, clip, runner):
    out = tmp_path / "loop.mp4"
    result = runner.invoke(app, ["video", str(clip), "-o", str(out), "--loop", "--max-frames", "9", *FAST_ARGS])
    assert result.exit_code == 0, result.output
    assert streams(out) == {"video": 1, "audio": 1}
    assert sources.probe(out).duration == pytest.approx(6 * 1001 / 30000, abs=0.05)


def test_a_one_frame_loop_is_refused_in_one_line(tmp_path, moving_clip, runner):
    result = runner.invoke(app, ["video", str(moving_clip), "-o", str(tmp_path / "o.mp4"), "--loop",
                                 "--max-frames", "1", *FAST_ARGS])
    assert result.exit_code == 1 and "--loop" in result.output and "--max-frames" in result.output
    assert result.output.strip().count("\n") == 0


def test_a_strength_that_fails_at_a_later_frame_stops_before_the_model_and_the_folder(tmp_path, moving_clip,
                                                                                       monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a model was built for a render that is refused")
    monkeypatch.setattr("dreamvideo.render.engine.get_model", refuse)
    for name, value in (("color_strength", "0:(1 - t/3)"), ("blend", "0:(sqrt(2 - t))")):
        settings = resolve(None, {**FAST, "size": 64, "color_coherence": "lab", name: value})
        with pytest.raises(DreamError, match=f"`{name}`.*at frame"):
            render_video(settings, moving_clip, tmp_path / "o.mp4", RunOptions())
    assert sorted(p.name for p in tmp_path.iterdir()) == [moving_clip.name]


def test_a_preview_with_workers_runs_in_this_process_without_a_model(tmp_path, moving_clip, monkeypatch, runner):
    from dreamvideo.distributed import driver

    def refuse(*args, **kwargs):
        raise AssertionError("a preview built a model or started workers")
    monkeypatch.setattr("dreamvideo.render.engine.get_model", refuse)
    monkeypatch.setattr(driver, "render_video", refuse)
    out = tmp_path / "p.mp4"
    result = runner.invoke(app, ["video", str(moving_clip), "--workers", "2", "--preview", "--cadence", "2",
                                 "-s", "64", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(out.with_name("p.mp4.yaml").read_text())["meta"]["preview"] is True
    assert not (tmp_path / ".p.mp4.frames").exists()


def test_a_clip_that_ends_early_under_its_cadence_is_still_written(tmp_path, runner):
    """The header promises 24 frames, 9 decode: a cadence of 20 passed the check, and its frames are
    made (a key, then frames between); refusing them after the work would refuse every rerun too."""
    clip = truncated_clip(tmp_path, 1.0)
    out = tmp_path / "o.mp4"
    result = runner.invoke(app, ["video", str(clip), *FAST_ARGS, "--cadence", "20", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 9
    assert not (tmp_path / ".o.mp4.frames").exists()


def test_a_frame_between_keys_keeps_the_dream_where_the_flow_is_not_trusted(chelsea):
    """A camera pan reveals a strip at the left edge: it keeps the key's dream there, no undreamed patch."""
    import cv2

    from dreamvideo.motion import inbetween

    image = cv2.resize(sources.load_image(chelsea), (120, 80), interpolation=cv2.INTER_AREA)
    key_raw, raw = image[:, 10:106], image[:, 4:100]  # panned: the first 6 columns of raw are new
    key_out = np.clip(key_raw.astype(np.int16) + 50, 0, 255).astype(np.uint8)  # the "dream": brighter
    held = inbetween.carry_detail(raw, key_raw, key_out)
    source, _ = inbetween.carry_filled(raw, key_raw, key_out, hold=False)
    strip = np.s_[:, :4]
    assert np.abs(held[strip].astype(float) - raw[strip]).mean() > 30  # dreamed
    assert np.abs(source[strip].astype(float) - raw[strip]).mean() < 10  # the older rule: the source
    inner = np.s_[8:-8, 20:-8]  # where the flow is trusted both rules move the dream alike
    assert np.abs(held[inner].astype(float) - source[inner]).mean() < 3
