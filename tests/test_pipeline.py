from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest


from dreamvideo.errors import DreamError
from dreamvideo.errors import Interrupted
from dreamvideo.render import Engine, RunOptions, render_video, render_zoom
from dreamvideo.render import engine as pipeline
from dreamvideo.settings import resolve
from dreamvideo.media.sources import load_image, probe
from dreamvideo.progress import Notes

from .conftest import FAST, ffmpeg, make_clip, streams, truncated_clip


def _frames(path: Path) -> int:
    return imageio_ffmpeg.count_frames_and_secs(str(path))[0]


def _zoom_settings(**extra):
    return resolve(None, {**FAST, "size": "64x64", "frames": 4, "fps": 12, "seed": 3, **extra})


class DreamCounter:
    """Counts real dream calls; optionally presses Ctrl-C before call number ``stop_at``."""

    def __init__(self, monkeypatch, stop_at: int | None = None) -> None:
        self.calls = 0
        self.stop_at = stop_at
        real = Engine.dream_octaves

        def counted(engine, frame, index, *args, **kwargs):
            if self.stop_at is not None and self.calls == self.stop_at:
                raise KeyboardInterrupt
            self.calls += 1
            return real(engine, frame, index, *args, **kwargs)

        monkeypatch.setattr(Engine, "dream_octaves", counted)


@pytest.mark.parametrize("suffix", ["mp4", "gif"])
def test_zoom_from_noise_writes_n_frames(tmp_path, suffix):
    out = render_zoom(_zoom_settings(), "noise", tmp_path / f"dive.{suffix}", RunOptions())
    assert _frames(out) == 4
    if suffix == "mp4":
        assert probe(out).fps == 12
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"dive.{suffix}", f"dive.{suffix}.yaml"]


def test_zoom_from_an_image_fills_the_requested_canvas(tmp_path, chelsea):
    out = render_zoom(_zoom_settings(frames=2, size="96x64"), str(chelsea), tmp_path / "z.mp4", RunOptions())
    info = probe(out)
    assert (info.width, info.height) == (96, 64) and _frames(out) == 2


def test_interrupted_zoom_resumes_without_redoing_frames(tmp_path, monkeypatch):
    settings = _zoom_settings(frames=5)
    out = tmp_path / "dive.mp4"
    counter = DreamCounter(monkeypatch, stop_at=2)
    with pytest.raises(Interrupted, match="2 finished frame"):
        render_zoom(settings, "noise", out, RunOptions())
    assert not out.exists()

    counter.stop_at = None
    counter.calls = 0
    keep = tmp_path / "frames"
    work = tmp_path / ".dive.mp4.frames"
    work.rename(keep)  # continue in a kept frames dir, as --frames-dir would
    render_zoom(settings, "noise", out, RunOptions(frames_dir=keep))
    assert counter.calls == 3 and _frames(out) == 5

    # The resumed render equals an uninterrupted one, frame for frame.
    straight = tmp_path / "straight"
    render_zoom(settings, "noise", tmp_path / "s.mp4", RunOptions(frames_dir=straight))
    for i in range(5):
        name = f"frame_{i:06d}.png"
        assert (keep / name).read_bytes() == (straight / name).read_bytes()


def test_resume_refuses_changed_settings_until_restart(tmp_path, monkeypatch):
    out = tmp_path / "dive.mp4"
    DreamCounter(monkeypatch, stop_at=1)
    with pytest.raises(Interrupted):
        render_zoom(_zoom_settings(), "noise", out, RunOptions())
    with pytest.raises(DreamError, match=r"settings changed .*zoom.*`restart`"):
        render_zoom(_zoom_settings(zoom=1.2), "noise", out, RunOptions())
    monkeypatch.undo()
    render_zoom(_zoom_settings(zoom=1.2), "noise", out, RunOptions(restart=True))
    assert _frames(out) == 4


def test_zoom_resume_without_seed_reuses_the_first_seed(tmp_path, monkeypatch):
    out = tmp_path / "dive.mp4"
    settings = _zoom_settings(seed=None)
    DreamCounter(monkeypatch, stop_at=1)
    with pytest.raises(Interrupted):
        render_zoom(settings, "noise", out, RunOptions())
    monkeypatch.undo()
    render_zoom(settings, "noise", out, RunOptions())  # no "settings changed" error
    assert _frames(out) == 4


def _video_settings(**extra):
    return resolve(None, {**FAST, "seed": 1, **extra})


@pytest.mark.parametrize("mode", ["flow", "blend", "none"])
def test_video_keeps_frame_count_rate_and_audio(tmp_path, clip, mode):
    out = render_video(_video_settings(coherence=mode, start=0.2, end=0.8), clip, tmp_path / "o.mp4",
                       RunOptions())
    # Source frames k/fps inside [0.2, 0.8) at 30000/1001 fps: k = 6..23.
    assert _frames(out) == 18
    assert probe(out).fps == Fraction(30000, 1001)
    assert streams(out) == {"video": 1, "audio": 1}


def test_video_without_audio_and_max_frames(tmp_path):
    clip = make_clip(tmp_path / "silent.mp4", rate="25", audio=False)
    out = render_video(_video_settings(max_frames=5), clip, tmp_path / "o.gif", RunOptions())
    assert _frames(out) == 5


def test_video_resume_continues_the_flow_chain(tmp_path, clip, monkeypatch):
    settings = _video_settings(max_frames=6, coherence="flow")
    out = tmp_path / "o.mp4"
    counter = DreamCounter(monkeypatch, stop_at=3)
    with pytest.raises(Interrupted):
        render_video(settings, clip, out, RunOptions())
    counter.stop_at, counter.calls = None, 0
    render_video(settings, clip, out, RunOptions())
    assert counter.calls == 3 and _frames(out) == 6


@pytest.mark.parametrize("make, settings, words", [
    (lambda p: p.write_text("not a video at all"), {}, "not a video"),
    (None, {"start": 5.0}, "beyond the end"),
    (None, {"start": 0.5, "end": 0.4}, "must be after"),
])
def test_bad_videos_are_refused_without_output(tmp_path, clip, make, settings, words):
    source = clip
    if make:
        source = tmp_path / "fake.mp4"
        make(source)
    out = tmp_path / "o.mp4"
    with pytest.raises(DreamError, match=words):
        render_video(_video_settings(**settings), source, out, RunOptions())
    assert not out.exists()


def test_truncated_video_is_refused(tmp_path, clip):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(clip.read_bytes()[: clip.stat().st_size // 3])
    out = tmp_path / "o.mp4"
    with pytest.raises(DreamError):
        render_video(_video_settings(), broken, out, RunOptions())
    assert not out.exists()


def test_video_with_no_frames_is_refused(tmp_path):
    audio_only = tmp_path / "tone.mp4"
    import subprocess
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440", "-t", "0.5", "-c:a", "aac", str(audio_only)], check=True)
    with pytest.raises(DreamError):
        render_video(_video_settings(), audio_only, tmp_path / "o.mp4", RunOptions())
    assert not (tmp_path / "o.mp4").exists()


def test_flow_carries_detail_without_brightening(tmp_path):
    """The flow chain must not creep brighter frame after frame (a known flow-dreamer fault)."""
    clip = make_clip(tmp_path / "c.mp4", seconds=1.0, rate="24", size="96x64", audio=False)
    out = render_video(_video_settings(coherence="flow", blend=0.9), clip, tmp_path / "o.mp4",
                       RunOptions(frames_dir=tmp_path / "frames"))
    means = [load_image(p).mean() for p in sorted((tmp_path / "frames").glob("*.png"))]
    assert len(means) == 24 and _frames(out) == 24  # kept frames and the video alike
    assert abs(np.mean(means[-6:]) - np.mean(means[:6])) < 8


def test_video_with_audio_to_gif(tmp_path, clip):
    out = render_video(_video_settings(max_frames=3), clip, tmp_path / "o.gif", RunOptions())
    assert _frames(out) == 3


def test_prefetch_passes_items_and_errors_through():
    from dreamvideo.media.sources import prefetch

    assert list(prefetch(iter(range(10)), depth=2)) == list(range(10))

    def broken():
        yield 1
        raise DreamError("decoder died")

    with pytest.raises(DreamError, match="decoder died"):
        list(prefetch(broken()))


def test_model_is_loaded_once_per_render(tmp_path, monkeypatch):
    loads = []
    real = pipeline.get_model
    monkeypatch.setattr(pipeline, "get_model", lambda *a, **k: loads.append(a) or real(*a, **k))
    render_zoom(_zoom_settings(frames=4), "noise", tmp_path / "d.mp4", RunOptions())
    assert len(loads) == 1


def test_kept_frames_are_reused_and_protected(tmp_path, monkeypatch):
    frames = tmp_path / "frames"
    settings = _zoom_settings(frames=3)
    render_zoom(settings, "noise", tmp_path / "a.mp4", RunOptions(frames_dir=frames))
    counter = DreamCounter(monkeypatch)
    render_zoom(settings.model_copy(update={"fps": 6.0}), "noise", tmp_path / "b.mp4",
                RunOptions(frames_dir=frames))
    assert counter.calls == 0 and _frames(tmp_path / "b.mp4") == 3
    with pytest.raises(DreamError, match="settings changed"):
        render_zoom(_zoom_settings(frames=3, steps=3), "noise", tmp_path / "c.mp4", RunOptions(frames_dir=frames))
    (frames / "manifest.json").unlink()
    with pytest.raises(DreamError, match="frames of another render"):
        render_zoom(settings, "noise", tmp_path / "c.mp4", RunOptions(frames_dir=frames))


def test_zoom_sidecar_reproduces_the_frames(tmp_path):
    render_zoom(_zoom_settings(frames=3, seed=None, rotate={0: 0, 2: 3}), "noise", tmp_path / "a.mp4",
                RunOptions(frames_dir=tmp_path / "a"))
    again = resolve(str(tmp_path / "a.mp4.yaml"))
    render_zoom(again, "noise", tmp_path / "b.mp4", RunOptions(frames_dir=tmp_path / "b"))
    for i in range(3):
        name = f"frame_{i:06d}.png"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


# ---------------------------------------------------------------- real-world inputs (issue 10)

def _stream_seconds(path: Path, stream: str) -> float:
    """How long one stream of a file plays: the end of its last packet."""
    import re
    import subprocess

    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(path),
                             "-map", f"0:{stream}:0", "-f", "null", "-", "-progress", "pipe:1", "-nostats"],
                            capture_output=True, text=True, check=True)
    return int(re.findall(r"^out_time_us=(\d+)", result.stdout, re.M)[-1]) / 1e6


def test_variable_rate_clip_keeps_its_duration_and_audio_sync(tmp_path):
    clip = tmp_path / "vfr.mp4"  # 0.6 s: 30 fps for 0.3 s, then 15 fps; a 0.6 s tone
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=30:d=0.6", "-f", "lavfi", "-i", "sine=d=0.6",
            "-vf", r"select='lt(n\,9)+not(mod(n\,2))'", "-fps_mode", "vfr",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(clip))
    out = render_video(_video_settings(coherence="none"), clip, tmp_path / "o.mp4", RunOptions())
    fps = probe(out).fps
    video = _frames(out) / fps
    assert probe(clip).variable_rate and abs(video - 0.6) <= 1 / fps
    assert abs(_stream_seconds(out, "a") - video) <= 1 / fps


def test_max_frames_audio_follows_the_frames_written(tmp_path, clip):
    out = render_video(_video_settings(max_frames=6, coherence="none"), clip, tmp_path / "o.mp4", RunOptions())
    assert _frames(out) == 6
    assert abs(_stream_seconds(out, "a") - 6 * 1001 / 30000) <= 1001 / 30000


def test_anamorphic_clip_comes_out_in_square_pixels_at_its_display_aspect(tmp_path):
    clip = tmp_path / "anamorphic.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=88x72:rate=25:d=0.12", "-vf", "setsar=128/117",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", str(clip))
    out = render_video(_video_settings(coherence="none"), clip, tmp_path / "o.mp4", RunOptions())
    info = probe(out)
    assert (info.width, info.height) == (96, 72) and info.sar == 1


def test_truncated_clip_warns_how_many_frames_were_read(tmp_path):
    cut = truncated_clip(tmp_path, 1)
    notes = Notes()
    out = render_video(_video_settings(coherence="none"), cut, tmp_path / "o.mp4", RunOptions(), notes)
    read = _frames(out)
    assert 0 < read < 24
    warnings = [line for line in notes.lines if not line.startswith("flicker ratio")]  # every video reports it
    assert warnings == [f"warning: read {read} of 24 frames of cut.mp4; the file ends early (truncated or "
                        "damaged), the output has the frames that could be read"]


def test_large_still_without_size_is_capped_and_says_so(tmp_path):
    from PIL import Image

    from dreamvideo.media.images import DEFAULT_MAX_SIDE
    from dreamvideo.render import render_still

    wide = tmp_path / "wide.png"
    Image.fromarray(np.full((64, DEFAULT_MAX_SIDE + 52, 3), 120, np.uint8)).save(wide)
    notes = Notes()
    out = render_still(_video_settings(), wide, tmp_path / "o.png", RunOptions(), notes)
    assert load_image(out).shape[1] == DEFAULT_MAX_SIDE
    capped = [line for line in notes.lines if not line.startswith("`precision` auto")]  # auto's choice, on some CPUs
    assert capped == [f"input is {DEFAULT_MAX_SIDE + 52}x64; dreaming at {DEFAULT_MAX_SIDE}x62 "
                           f"(default limit {DEFAULT_MAX_SIDE} px; pass `size` N for another size)"]
