"""Chunked video on a local Ray runtime (2 CPUs): the same clip as one process, seams aside.

One single-process render and one 3-chunk, 2-worker render of a 1.2 s clip are shared
by the tests of this module; every test that renders again compares with them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from dreamvideo.errors import DreamError
from dreamvideo.media import ffmpeg as media_ffmpeg
from dreamvideo.media import sources
from dreamvideo.distributed import backend, driver, ray_backend
from dreamvideo.render import RunOptions, layout, render_video
from dreamvideo.render.store import FrameStore
from dreamvideo.distributed.chunks import fade_weight, mix, plan
from dreamvideo.settings import resolve

from .conftest import FAST, make_clip, streams

DIST = driver.Distribution(workers=2, chunk_frames=10, warmup=3, overlap=2)


def frames_in(folder: Path) -> list[np.ndarray]:
    return [sources.load_image(folder / layout.name(i)) for i in layout.indices(folder)]


USERS = ["frame_01.png", "frame_000001.jpg", "chunk_notes.json", "chunk_1.json", "fade/frame_01.png",
         "fade/frame_000001_1.png"]


def users_files(folder: Path) -> dict[Path, bytes]:
    """The user's own files in a frames folder, named almost as the driver names its own."""
    mine = {folder / name: name.encode() for name in USERS}
    for path, data in mine.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return mine


def one_thread(render, *args):
    """A single-process render on as many torch threads as a CPU worker uses."""
    threads = torch.get_num_threads()
    torch.set_num_threads(backend.CPU_THREADS)
    try:
        return render(*args)
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def renders(tmp_path_factory, ray_runtime):
    """A 30-frame clip rendered by one process and by 2 workers in 3 chunks (W=3, O=2)."""
    tmp = tmp_path_factory.mktemp("dist")
    clip = make_clip(tmp / "clip.mp4", seconds=1.2, rate="25")
    settings = resolve(None, {**FAST, "seed": 7})
    single = one_thread(render_video, settings, clip, tmp / "single.mp4", RunOptions(frames_dir=tmp / "single"))
    multi = driver.render_video(settings, clip, tmp / "multi.mp4", RunOptions(frames_dir=tmp / "multi"), DIST)
    return clip, settings, tmp, single, multi


def test_same_frames_fps_and_audio_as_one_process(renders):
    clip, settings, tmp, single, multi = renders
    a, b = sources.probe(single), sources.probe(multi)
    assert (b.fps, b.width, b.height, b.has_audio) == (a.fps, a.width, a.height, True)
    assert b.duration == pytest.approx(a.duration, abs=0.03)
    assert len(list(sources.read_frames(b, (b.width, b.height)))) == 30
    assert streams(multi) == {"video": 1, "audio": 1}
    assert not any(tmp.glob(".multi*partial*"))


def test_chunk_frames_are_the_single_process_frames_of_their_span(renders, tmp_path):
    """Chunk 0 is the single-process render; a later chunk is a single-process render
    started where its warm-up starts, frame for frame, byte for byte; the frames two
    chunks share are the fade of both (CPU renders are compared on the same torch
    thread count: other counts round differently)."""
    clip, settings, tmp, _, _ = renders
    ref, out = frames_in(tmp / "single"), frames_in(tmp / "multi")
    assert len(out) == len(ref) == 30
    assert all(np.array_equal(ref[i], out[i]) for i in range(10))
    chunks = plan(30, 10, 3, 2, open_end=True)  # as the driver plans it
    spans = {}
    for chunk in chunks[1:]:
        late = settings.model_copy(update={"start": chunk.dream_start / 25})
        folder = tmp_path / f"from{chunk.dream_start}"
        one_thread(render_video, late, clip, folder.with_suffix(".mp4"), RunOptions(frames_dir=folder))
        spans[chunk.number] = dict(enumerate(frames_in(folder), chunk.dream_start))
    spans[0] = dict(enumerate(ref))
    for index in range(10, 30):
        sharing = [c for c in chunks if c.first <= index < c.first + 10 + c.tail]
        expected = mix([(fade_weight(c, index), spans[c.number][index]) for c in sharing])
        assert np.array_equal(out[index], expected), index
    assert len(chunks) == 3 and [c.role(i) for c, i in ((chunks[1], 10), (chunks[2], 21))] == ["head", "head"]


def test_the_seam_figure_is_measured_and_recorded(renders):
    meta = yaml.safe_load(renders[4].with_name("multi.mp4.yaml").read_text())["meta"]
    assert isinstance(meta["flicker_ratio"], float) and meta["flicker_ratio"] > 0
    figure = meta["seam_flicker"]
    assert set(figure) == {"at_seams", "inside_chunks", "ratio"}
    assert figure["ratio"] == pytest.approx(figure["at_seams"] / figure["inside_chunks"], rel=0.01)
    assert (meta["workers"], meta["chunk_frames"], meta["warmup_frames"], meta["overlap"], meta["frames"]) == \
        (2, 10, 3, 2, 30)


def _ours(pid: int) -> bool:
    """Whether ``pid`` descends from this test process (our Ray runtime's workers do)."""
    while pid > 1:
        if pid == os.getpid():
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
    return False


def _kill_first_chunk_worker(folder: Path, killed: list[int]) -> None:
    """Once frames arrive, SIGKILL one of our Ray worker processes that is dreaming a chunk."""
    deadline = time.time() + 120
    while time.time() < deadline and not killed:
        if any(folder.glob("frame_*.png")):
            for pid in os.listdir("/proc"):
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if pid.isdigit() and b"ray::dream_chunk" in cmd and _ours(int(pid)):
                    os.kill(int(pid), signal.SIGKILL)
                    killed.append(int(pid))
                    return
        time.sleep(0.05)


def test_a_killed_worker_is_retried_and_the_output_is_complete(renders, tmp_path):
    clip, settings, tmp, _, _ = renders
    complete_despite_a_kill(clip, settings, tmp_path, frames_in(tmp / "multi"), DIST, _kill_first_chunk_worker)


def complete_despite_a_kill(clip, settings, tmp_path: Path, reference: list, dist, kill) -> None:
    """``kill(folder, killed)`` kills a worker while the render runs; the frames are those of a run without."""
    killed: list[int] = []
    watcher = threading.Thread(target=kill, args=(tmp_path / "frames", killed))
    watcher.start()
    driver.render_video(settings, clip, tmp_path / "out.mp4", RunOptions(frames_dir=tmp_path / "frames"), dist)
    watcher.join()
    assert killed, "no worker was killed"
    out = frames_in(tmp_path / "frames")
    assert len(out) == 30 and all(np.array_equal(a, b) for a, b in zip(out, reference))


def test_a_rerun_redoes_only_unfinished_chunks(renders, tmp_path):
    clip, settings, tmp, _, _ = renders
    rerun_redoes_only_unfinished_chunks(clip, settings, tmp_path, frames_in(tmp / "multi"), DIST)


def rerun_redoes_only_unfinished_chunks(clip, settings, tmp_path: Path, reference: list, dist) -> None:
    """Chunk 1 of a finished render is made unfinished; a rerun dreams it alone, touching no user file."""
    work = tmp_path / "frames"
    mine = users_files(work)
    driver.render_video(settings, clip, tmp_path / "out.mp4", RunOptions(frames_dir=work), dist)
    (work / "chunk_0001.json").unlink()  # as if interrupted while chunk 1 ran
    for i in range(10, 20):
        (work / f"frame_{i:06d}.png").unlink()
    before = {p.name: p.stat().st_mtime_ns for p in work.glob("frame_*.png")}
    driver.render_video(settings, clip, tmp_path / "out.mp4", RunOptions(frames_dir=work), dist)
    after = {p.name: p.stat().st_mtime_ns for p in work.glob("frame_*.png")}
    assert all(after[name] == mtime for name, mtime in before.items() if not name.startswith("frame_00002"))
    assert len(after) == 30 + 1  # and the user's frame_01.png
    assert all(np.array_equal(a, b) for a, b in zip(frames_in(work), reference))
    assert all(path.read_bytes() == data for path, data in mine.items())


def test_a_restart_deletes_only_the_drivers_own_chunk_files(tmp_path):
    work = tmp_path / "frames"
    mine = users_files(work)
    store = FrameStore(work, {"kind": "video", "settings": {"seed": 1}})
    chunks = driver.ChunkStore(store, restart=False)
    chunk = plan(30, 10, 3, 2, open_end=True)[1]
    chunks.save(chunk, chunk.first, b"png bytes")  # a frame two chunks share, kept apart until both are in
    chunks.finish(chunk, chunk.first, [])
    driver.ChunkStore(FrameStore(work, {"kind": "video", "settings": {"seed": 2}}, restart=True), restart=True)
    assert not chunks.fade_path(chunk.first, chunk).exists() and not chunks.marker(chunk).exists()
    assert all(path.read_bytes() == data for path, data in mine.items())


def test_a_chunk_that_fails_for_good_is_named_and_nothing_is_published(renders, tmp_path, monkeypatch):
    clip, settings, *_ = renders

    def stream(generators, on_item, on_done):
        for key in generators:
            ray_backend.ray_module().cancel(generators[key], force=True)
        return {1: "its worker died 3 times (out of memory, or killed)"}

    monkeypatch.setattr(ray_backend, "stream", stream)
    with pytest.raises(DreamError) as caught:
        driver.render_video(settings, clip, tmp_path / "out.mp4", RunOptions(), DIST)
    assert str(caught.value).startswith("chunk 1 (frames 10-19) failed: its worker died 3 times")
    assert "\n" not in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.mp4.frames"]


def test_a_workers_chunks_and_the_studios_previews_share_one_model_cache(tmp_path, monkeypatch):
    """A worker builds its model once for all its chunks, in the same cache the studio's previews use."""
    from dreamvideo.distributed import worker
    from dreamvideo.render import engine

    built, real = [], engine.get_model
    monkeypatch.setattr(engine, "get_model", lambda *args: built.append(args) or real(*args))
    monkeypatch.setattr(engine, "_models", {})
    monkeypatch.setattr(worker, "pin_threads", lambda device: None)  # keep this process's threads
    clip = make_clip(tmp_path / "clip.mp4", seconds=0.5, rate="16", audio=False)
    settings = resolve(None, {**FAST, "seed": 7})
    chunks = plan(8, 4, 1)
    for chunk in chunks:
        job = worker.ChunkJob(settings=settings, device=None, info=sources.probe(clip), source=str(clip),
                              size=(64, 48), start=0.0, end=None, chunk=chunk, total=8, octaves=None)
        assert [index for index, *_ in worker.dream_chunk(job)][:1] == [chunk.first]
    assert len(chunks) == 2 and len(built) == 1
    assert engine.cached_model(settings) is next(iter(engine._models.values()))  # what a preview is given
    assert len(built) == 1


def test_a_chunked_render_is_written_as_prores_with_its_audio(renders):
    """The finished chunks are kept (`frames_dir`), so only the ending runs again, into a .mov."""
    clip, settings, tmp, _, _ = renders
    out = driver.render_video(settings, clip, tmp / "multi.mov", RunOptions(frames_dir=tmp / "multi"), DIST)
    header = media_ffmpeg.run(["-i", str(out)]).stderr
    assert "Video: prores" in header and "yuv422p10le" in header and "Audio: pcm_s16le" in header
    assert len(list(sources.read_frames(sources.probe(out), (64, 48)))) == 30
    assert yaml.safe_load((tmp / "multi.mov.yaml").read_text())["meta"]["workers"] == 2


def test_ray_is_imported_only_when_asked_for():
    code = "import sys, dreamvideo.cli, dreamvideo.render; print('ray' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_cli_video_with_workers(renders, tmp_path, runner):
    from dreamvideo.cli import app

    clip = renders[0]
    args = ["video", str(clip), "-o", str(tmp_path / "out.mp4"), "--workers", "2", "--chunk-frames", "10",
            "--warmup-frames", "3", "--overlap-frames", "2", "--octaves", "1", "--steps", "2", "--jitter", "4", "--seed", "7"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "seams: flicker" in result.output and "flicker ratio" in result.output and "wrote" in result.output
    assert sources.probe(tmp_path / "out.mp4").has_audio


def test_cli_chunk_options_need_workers(renders, tmp_path, runner):
    from dreamvideo.cli import app

    result = runner.invoke(app, ["video", str(renders[0]), "-o", str(tmp_path / "o.mp4"), "--chunk-frames", "5"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: --chunk-frames needs --workers N or --ray-address"


def test_files_shipped_through_the_object_store_arrive_as_local_files(ray_runtime, tmp_path):
    source = tmp_path / "in.mp4"
    source.write_bytes(b"clip bytes")
    remote = backend.Cluster(workers=1, task_options={}, local=False, gpus=0)
    local = backend.Cluster(workers=1, task_options={}, local=True, gpus=0)
    assert ray_backend.ship(source, local) == str(source)
    path = ray_backend.materialise(ray_backend.ship(source, remote))
    assert path != source and path.name == "in.mp4" and path.read_bytes() == b"clip bytes"


def test_a_finished_chunk_missing_a_frame_is_dreamed_again(renders, tmp_path):
    clip, settings, tmp, _, _ = renders
    work = tmp_path / "frames"
    driver.render_video(settings, clip, tmp_path / "out.mp4", RunOptions(frames_dir=work), DIST)
    (work / "frame_000015.png").unlink()  # e.g. found damaged by the last assembly, and deleted
    driver.render_video(settings, clip, tmp_path / "out.mp4", RunOptions(frames_dir=work), DIST)
    assert all(np.array_equal(a, b) for a, b in zip(frames_in(work), frames_in(tmp / "multi")))
    assert len(frames_in(work)) == 30


def test_a_frame_the_finished_chunks_lack_names_the_restart_setting_for_the_cli_to_word(tmp_path):
    """The driver is below the CLI: it names `restart`, and only the CLI says --restart."""
    from dreamvideo.options import flags_in
    from dreamvideo.render.store import FrameStore

    chunks = plan(40, 20, 4, 6)
    shared = next(i for i in range(40) if chunks[1].role(i) == "head")
    store = driver.ChunkStore(FrameStore(tmp_path / "frames", {"kind": "video"}), restart=False)
    with pytest.raises(DreamError) as caught:
        store.blend(shared, chunks[:2])
    assert "--" not in str(caught.value)
    assert flags_in(str(caught.value)).endswith("is missing from the finished chunks in "
                                                f"{tmp_path / 'frames'}; add --restart to render them again")


def test_cadence_and_colour_coherence_work_in_chunks(renders, tmp_path):
    """Cadence and colour run inside each chunk's video plan: chunk 0 is the single-process render;
    a later chunk starts with a keyframe."""
    clip, settings, _, _, _ = renders
    paced = settings.model_copy(update={"cadence": 2, "color_coherence": "lab"})
    one_thread(render_video, paced, clip, tmp_path / "one.mp4", RunOptions(frames_dir=tmp_path / "one"))
    driver.render_video(paced, clip, tmp_path / "multi.mp4", RunOptions(frames_dir=tmp_path / "multi"), DIST)
    ref, out = frames_in(tmp_path / "one"), frames_in(tmp_path / "multi")
    assert len(out) == len(ref) == 30
    assert all(np.array_equal(ref[i], out[i]) for i in range(10))


def test_a_loop_with_workers_is_refused_before_any_work(renders, tmp_path):
    clip, settings = renders[:2]
    with pytest.raises(DreamError, match="`loop` is not available with `workers`"):
        driver.render_video(settings.model_copy(update={"loop": True}), clip, tmp_path / "o.mp4",
                            RunOptions(), DIST)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("listening", [False, True], ids=["closed port", "not Ray"])
def test_an_unreachable_ray_address_is_one_line_within_the_timeout(tmp_path, listening):
    """``--ray-address 127.0.0.1:1`` ran for minutes printing Ray's log lines. Now a closed
    port is named at once (a TCP probe), and a port that answers but is not Ray after
    DREAMVIDEO_RAY_TIMEOUT (7 s here, past Ray's first retry line); nothing from Ray reaches stderr. In a subprocess:
    a Ray connection left waiting must not meet the session's runtime."""
    import socket

    clip = make_clip(tmp_path / "clip.mp4", seconds=0.2, audio=False)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)  # the kernel accepts connections; nothing ever answers them
    address = f"127.0.0.1:{server.getsockname()[1] if listening else 1}"
    env = {**os.environ, "DREAMVIDEO_RAY_TIMEOUT": "7"}  # past Ray's first retry line, at 5 s
    try:
        done = subprocess.run([sys.executable, "-m", "dreamvideo", "video", str(clip), "-o", str(tmp_path / "o.mp4"),
                               "--workers", "2", "--ray-address", address], capture_output=True, text=True,
                              env=env, timeout=90, check=False)
    finally:
        server.close()
    reason = ("no answer from Ray within 7 s (DREAMVIDEO_RAY_TIMEOUT sets how long)" if listening
              else "connection refused")
    assert done.returncode == 1
    lines = [line for line in done.stderr.strip().splitlines() if "━" not in line and not line.startswith("frames ")]
    assert lines[-1] == f"error: cannot connect to the Ray cluster at {address}: {reason}"
    assert all(line.startswith("64x48: dreaming with") for line in lines[:-1]), lines  # dreamvideo's note only
    if not listening:  # named before the clip is even opened
        assert lines == lines[-1:] and sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_a_refused_workers_count_says_one_bound_and_leaves_no_work_folder(tmp_path, runner, workers):
    """``--workers 0`` used to be refused only after the work folder and its manifest were
    written, so the corrected command then said "settings changed"; and ``-1`` was told
    ">= 0" by the option, then 0 was refused. Both now get the same line, before anything."""
    from dreamvideo.cli import app

    clip = make_clip(tmp_path / "clip.mp4", seconds=0.2, audio=False)
    result = runner.invoke(app, ["video", str(clip), "-o", str(tmp_path / "r0.mp4"), "--workers", workers])
    assert result.exit_code == 1
    assert result.output.strip() == ("error: --workers must be at least 1, or 0 with --ray-address (every GPU or "
                                     f"core of the cluster); got {workers}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


def test_a_sequence_renders_in_chunks_from_the_files_shipped_to_the_workers(ray_runtime, tmp_path, monkeypatch):
    """An image sequence in 2 chunks: each worker opens the driver's clip from the files sent to it
    through the object store (as to a remote cluster), only those its chunk reads; chunk 0 is the
    single-process render, and every later frame is dreamed from its own file."""
    from PIL import Image

    folder = tmp_path / "shots"
    folder.mkdir()
    for number in range(10):
        image = Image.new("RGB", (64, 48), (30 + 18 * number,) * 3)
        image.paste((0, 0, 0), (20, 12, 40, 32))
        image.save(folder / f"f_{number + 1:03d}.png")
    settings = resolve(None, {**FAST, "seed": 7, "fps": 10})
    one_thread(render_video, settings, folder, tmp_path / "one.mp4", RunOptions(frames_dir=tmp_path / "one"))
    describe, ship, shipped = ray_backend.describe, ray_backend.ship, []
    monkeypatch.setattr(ray_backend, "describe", lambda ray, workers, local: describe(ray, workers, local=False))
    monkeypatch.setattr(ray_backend, "ship", lambda path, cluster: shipped.append(path) or ship(path, cluster))
    dist = driver.Distribution(workers=2, chunk_frames=4, warmup=1, overlap=1)
    out = driver.render_video(settings, folder, tmp_path / "multi.mp4", RunOptions(frames_dir=tmp_path / "multi"),
                              dist)
    assert sorted(shipped) == sorted(folder.iterdir())
    assert sources.probe(out).fps == 10 and len(list(sources.read_frames(sources.probe(out), (64, 48)))) == 10
    ref, got = frames_in(tmp_path / "one"), frames_in(tmp_path / "multi")
    assert len(got) == len(ref) == 10
    assert all(np.array_equal(ref[i], got[i]) for i in range(4))  # frame 4 is the fade of both chunks
    assert all(abs(float(got[i][:8].mean()) - float(ref[i][:8].mean())) < 9 for i in range(4, 10))  # steps of 18


@pytest.mark.parametrize("start", [0.0, 0.25], ids=["on the frame grid", "between frames"])
def test_a_chunk_of_a_sequence_needs_only_its_own_files(tmp_path, start):
    """What a worker fetches of a sequence (the files a chunk reads) is all its frames need: with every
    other file gone, each chunk reads the same frames as with all of them."""
    from dataclasses import replace
    from PIL import Image

    from dreamvideo.distributed.worker import ChunkJob, chunk_files, chunk_frames
    from dreamvideo.media.inputs import open_input

    for number in range(16):
        Image.new("RGB", (32, 24), (15 * number,) * 3).save(tmp_path / f"f_{number:02d}.png")
    info = open_input(tmp_path, 10).info
    for chunk in plan(int(info.frames - start * 10), 4, 1, 1, open_end=True):
        job = ChunkJob(settings=resolve(None, {}), device=None, info=info, source=None, size=(32, 24),
                       start=start, end=None, chunk=chunk)
        needed = chunk_files(job)
        fewer = replace(info, files=tuple(p if i in needed else tmp_path / "gone.png" for i, p in enumerate(info.files)))
        assert len(needed) < len(info.files)
        expected = list(chunk_frames(info, job))
        assert expected and all(np.array_equal(a, b) for a, b in zip(expected, chunk_frames(fewer, job), strict=True))
