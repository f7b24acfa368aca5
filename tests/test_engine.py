"""The engine: its objective schedule (built once on the start image, blended per frame, replayable) and
one dream per frame, run with the settings' DreamConfig or one its caller adjusts."""

from dataclasses import replace

import numpy as np
import pytest
import yaml

from dreamvideo.render import Engine, RunOptions, render_still, render_zoom
from dreamvideo.render import engine as engine_module
from dreamvideo.settings import resolve

from .conftest import FAST, IMAGES, make_clip

SCHEDULE = {0: "block10:strong2", 2: "block5:3 + 0.5*block10"}


def _settings(**extra):
    return resolve(None, {**FAST, "size": "64x64", "frames": 4, "fps": 12, "seed": 3,
                          "objective": SCHEDULE, "objective_blend": 2, **extra})


def test_schedule_is_resolved_on_the_start_image_and_blended_per_frame():
    engine = Engine(_settings(), RunOptions())
    start = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    recorded = engine.prepare(start)
    assert engine.model.requested == ["block10", "block5"]     # one model for every keyframe
    picked = recorded.objective[0]
    assert picked.startswith("block10:") and "strong" not in picked
    assert recorded.objective[2] == "block5:3 + 0.5*block10"
    names = [engine.objective_at(i, start).name for i in range(4)]
    assert names[0] == names[1] == picked
    assert names[2].startswith(f"0.50*({picked}) + 0.50*(block5:3")   # half-way through the fade
    assert names[3] == "block5:3 + 0.5*block10"


def test_objective_zoom_sidecar_replays_the_same_frames(tmp_path, monkeypatch):
    loads = []
    real = engine_module.get_model
    monkeypatch.setattr(engine_module, "get_model", lambda *a, **k: loads.append(a) or real(*a, **k))
    render_zoom(_settings(frames=3), "noise", tmp_path / "a.mp4", RunOptions(frames_dir=tmp_path / "a"))
    assert len(loads) == 1
    again = resolve(str(tmp_path / "a.mp4.yaml"))
    assert again.objective[0].startswith("block10:") and "strong" not in again.objective[0]
    assert again.objective_blend == 2
    render_zoom(again, "noise", tmp_path / "b.mp4",
                RunOptions(frames_dir=tmp_path / "b"))
    for i in range(3):
        name = f"frame_{i:06d}.png"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_switching_objective_changes_what_is_dreamed(tmp_path):
    """Frames after a switch differ from a render that never switches; frames before it do not."""
    one = {0: "block10:42"}
    render_zoom(_settings(frames=3, objective=one), "noise", tmp_path / "a.mp4", RunOptions(frames_dir=tmp_path / "a"))
    render_zoom(_settings(frames=3, objective={**one, 1: "block10:7"}, objective_blend=1), "noise",
                tmp_path / "b.mp4", RunOptions(frames_dir=tmp_path / "b"))
    same = [(tmp_path / "a" / f"frame_{i:06d}.png").read_bytes() == (tmp_path / "b" / f"frame_{i:06d}.png").read_bytes()
            for i in range(3)]
    assert same == [True, False, False]


def test_still_with_a_class_term_records_the_class_by_name(tmp_path):
    settings = resolve(None, {**FAST, "size": 160, "seed": 1, "objective": "class:281"})
    render_still(settings, IMAGES / "coffee.jpg", tmp_path / "o.png", RunOptions())
    sidecar = yaml.safe_load((tmp_path / "o.png.yaml").read_text())
    assert sidecar["objective"] == "class:tabby"


def test_layers_and_objective_replace_each_other_when_overridden():
    preset = resolve("channel-trip", {"layers": ["block5"]})
    assert preset.objective is None and preset.all_layers() == ["block5"]
    assert resolve("lite0", {"objective": "class:tabby"}).layers is None
    with pytest.raises(Exception, match="either `layers` or `objective`"):
        resolve(None, {"layers": ["block5"], "objective": "block10"})


def test_chunked_video_resolves_the_objective_once_for_every_worker(tmp_path, ray_runtime):
    from dreamvideo.distributed import driver

    clip = make_clip(tmp_path / "clip.mp4", seconds=0.5, rate="20", audio=False)
    settings = resolve(None, {**FAST, "seed": 7, "objective": "block10:strong2"})
    dist = driver.Distribution(workers=2, chunk_frames=5, warmup=1, overlap=1)
    driver.render_video(settings, clip, tmp_path / "o.mp4", RunOptions(), dist)
    recorded = resolve(str(tmp_path / "o.mp4.yaml")).objective[0]
    assert recorded.startswith("block10:") and "strong" not in recorded


@pytest.fixture(scope="module")
def engine():
    return Engine(resolve(None, {**FAST, "seed": 5}), RunOptions(device="cpu"))


def _frame() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)


def test_the_settings_dream_is_the_config_the_engine_reports(engine):
    assert (engine.config.steps, engine.config.octaves, engine.config.jitter) == (2, 1, 4)
    assert np.array_equal(engine.dream(_frame(), 3), engine.dream(_frame(), 3, config=engine.config))


def test_a_config_handed_in_is_the_dream_that_runs(engine):
    """A lighter schedule (a zoom's later frames) is the settings' config with fields replaced:
    it runs exactly its own steps, and dreams a different frame."""
    light = replace(engine.config, steps=1, octaves=0)
    steps: list[int] = []
    dreamed = engine.dream(_frame(), 3, steps.append, light)
    assert sum(steps) == light.total_steps == 1
    assert not np.array_equal(dreamed, engine.dream(_frame(), 3))
    assert engine.config.steps == 2  # the engine's own dream is untouched


@pytest.fixture
def gpus(monkeypatch):
    """Which accelerators this machine pretends to have: set ``cuda`` / ``mps`` on the returned object."""
    import torch

    have = type("Have", (), {"cuda": False, "mps": False})()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: have.cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: have.mps)
    return have


@pytest.mark.parametrize("cuda, mps, picked", [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")])
def test_auto_device_prefers_cuda_then_mps_then_cpu(gpus, cuda, mps, picked):
    gpus.cuda, gpus.mps = cuda, mps
    assert engine_module.pick_device(None).type == picked


def test_asked_devices_are_checked_against_what_is_there(gpus):
    from dreamvideo.errors import DreamError

    gpus.mps = True
    assert engine_module.pick_device("mps").type == "mps"
    assert engine_module.pick_device("cpu").type == "cpu"
    gpus.mps = False
    with pytest.raises(DreamError, match="MPS is not available"):
        engine_module.pick_device("mps")
    with pytest.raises(DreamError, match="no CUDA GPU"):
        engine_module.pick_device("cuda:1")
    with pytest.raises(DreamError, match="use cpu, cuda, cuda:N or mps"):
        engine_module.pick_device("quantum")
