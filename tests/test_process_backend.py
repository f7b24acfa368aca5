"""Chunked video on one single-thread worker process per core, without Ray.

One 30-frame clip is rendered in 3 chunks by 2 worker processes and, for reference,
by the same chunks run one after another in this process on one thread (what a
worker computes), so the tests need no Ray runtime.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from dreamvideo.distributed import backend, driver, process_backend, ray_backend
from dreamvideo.distributed.backend import Cluster
from dreamvideo.render import RunOptions, render_video
from dreamvideo.settings import resolve

from .conftest import FAST, FAST_ARGS, make_clip
from .test_distributed import (_ours, complete_despite_a_kill, frames_in, one_thread,
                               rerun_redoes_only_unfinished_chunks)

DIST = driver.Distribution(workers=2, chunk_frames=10, warmup=3, overlap=2, backend="processes")


class Inline:
    """A backend that runs every chunk here, in order, on one thread: what the workers compute."""

    @staticmethod
    @contextlib.contextmanager
    def connect(workers, address=None):
        yield Cluster(workers, {}, local=True, gpus=0)

    @staticmethod
    def run_streaming(function, arguments, cluster, on_item, on_done):
        threads = torch.get_num_threads()
        try:
            for key, argument in arguments.items():
                for item in function(argument):
                    on_item(key, item)
                on_done(key)
        finally:
            torch.set_num_threads(threads)
        return {}


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("procs")
    clip = make_clip(tmp / "clip.mp4", seconds=1.2, rate="25")
    settings = resolve(None, {**FAST, "seed": 7})
    multi = driver.render_video(settings, clip, tmp / "multi.mp4", RunOptions(frames_dir=tmp / "multi"), DIST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(driver.Distribution, "runtime", property(lambda self: Inline))
        driver.render_video(settings, clip, tmp / "inline.mp4", RunOptions(frames_dir=tmp / "inline"), DIST)
    return clip, settings, tmp, multi


def test_worker_processes_make_the_frames_of_the_chunks_run_in_one_process(renders):
    """Frame for frame, byte for byte (one thread each); chunk 0 is the single-process render."""
    clip, settings, tmp, multi = renders
    out, inline = frames_in(tmp / "multi"), frames_in(tmp / "inline")
    assert len(out) == len(inline) == 30
    assert all(np.array_equal(a, b) for a, b in zip(out, inline))
    single = one_thread(render_video, settings, clip, tmp / "single.mp4", RunOptions(frames_dir=tmp / "single"))
    assert single.is_file()
    assert all(np.array_equal(a, b) for a, b in zip(frames_in(tmp / "single")[:10], out[:10]))


def _kill_a_worker(folder: Path, killed: list[int]) -> None:
    """Once frames arrive, SIGKILL one of our spawned worker processes."""
    deadline = time.time() + 120
    while time.time() < deadline and not killed:
        if any(folder.glob("frame_*.png")):
            for pid in filter(str.isdigit, os.listdir("/proc")):
                with contextlib.suppress(OSError):
                    if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes() and _ours(int(pid)):
                        os.kill(int(pid), signal.SIGKILL)
                        killed.append(int(pid))
                        return
        time.sleep(0.05)


def test_a_killed_worker_is_replaced_and_the_output_is_complete(renders, tmp_path):
    clip, settings, tmp, _ = renders
    complete_despite_a_kill(clip, settings, tmp_path, frames_in(tmp / "multi"), DIST, _kill_a_worker)


def test_a_rerun_redoes_only_unfinished_chunks(renders, tmp_path):
    clip, settings, tmp, _ = renders
    rerun_redoes_only_unfinished_chunks(clip, settings, tmp_path, frames_in(tmp / "multi"), DIST)


def flaky(argument: tuple[str, Path]):
    """Yields 0..4; the first time each key's worker passes 2, the worker dies (SIGKILL)."""
    key, folder = argument
    for item in range(5):
        if item == 2 and not (folder / key).exists():
            (folder / key).touch()
            os.kill(os.getpid(), signal.SIGKILL)
        yield item


def doomed(argument: str):
    """Yields one item, then its worker dies, every time; or fails for good with a plain error."""
    yield argument
    if argument == "bad":
        raise ValueError("no such thing\nsecond line")
    os.kill(os.getpid(), signal.SIGKILL)


def _run(function, arguments, workers=2):
    items: dict[str, list] = {key: [] for key in arguments}
    done: list[str] = []
    cluster = Cluster(workers, {}, local=True, gpus=0)
    failures = process_backend.run_streaming(function, arguments, cluster,
                                             lambda key, item: items[key].append(item), done.append)
    return items, done, failures


def test_a_task_whose_worker_died_runs_again_without_repeating_what_it_delivered(tmp_path):
    items, done, failures = _run(flaky, {key: (key, tmp_path) for key in "abc"})
    assert items == {key: [0, 1, 2, 3, 4] for key in "abc"}
    assert sorted(done) == ["a", "b", "c"] and not failures


def test_a_task_that_fails_for_good_is_one_line_and_the_others_finish(tmp_path):
    items, done, failures = _run(doomed, {"dies": "dies", "bad": "bad"}, workers=1)
    assert failures == {"dies": f"its worker died {backend.RETRIES + 1} times (out of memory, or killed)",
                        "bad": "ValueError: no such thing"}
    assert items == {"dies": ["dies"], "bad": ["bad"]} and not done


def test_auto_uses_processes_without_ray_and_ray_with_an_address(monkeypatch):
    monkeypatch.setattr(ray_backend, "installed", lambda: False)
    assert driver.Distribution(workers=2).runtime is process_backend
    assert driver.Distribution(workers=0, address="127.0.0.1:1").runtime is ray_backend
    monkeypatch.setattr(ray_backend, "installed", lambda: True)
    assert driver.Distribution(workers=2).runtime is ray_backend
    assert driver.Distribution(workers=2, backend="processes").runtime is process_backend


@pytest.mark.parametrize("args, line", [
    (["--backend", "processes"], "error: --backend needs --workers N or --ray-address"),
    (["--backend", "threads", "--workers", "2"], "error: --backend must be one of auto, ray, processes; got 'threads'"),
    (["--backend", "processes", "--workers", "0"],
     "error: --workers must be at least 1 with the processes --backend; got 0"),
    (["--backend", "processes", "--ray-address", "auto"],
     "error: the processes --backend runs on this machine only; leave out --ray-address, or use the ray --backend"),
])
def test_a_refused_backend_is_one_line_before_any_work(tmp_path, runner, args, line):
    from dreamvideo.cli import app

    clip = make_clip(tmp_path / "clip.mp4", seconds=0.2, audio=False)
    result = runner.invoke(app, ["video", str(clip), "-o", str(tmp_path / "r.mp4"), *args])
    assert result.exit_code == 1
    assert result.output.strip() == line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


def test_cli_video_on_worker_processes(renders, tmp_path, runner):
    from dreamvideo.cli import app

    args = ["video", str(renders[0]), "-o", str(tmp_path / "out.mp4"), "--workers", "2", "--backend", "processes",
            "--chunk-frames", "10", "--warmup-frames", "3", "--overlap-frames", "2", *FAST_ARGS, "--seed", "7"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "seams: flicker" in result.output and "wrote" in result.output
    assert all(np.array_equal(a, b) for a, b in zip(frames_in(tmp_path / ".out.mp4.frames"),
                                                    frames_in(renders[2] / "multi")))
