"""`precision` auto: bf16 only on a CPU with native bf16 and only where a (cached) probe finds it faster."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch
import yaml

from dreamvideo.core import precision as core_precision
from dreamvideo.core.dream import DreamConfig, Dreamer
from dreamvideo.core.precision import Precision, native_bf16
from dreamvideo.models import get_model, lite_gradient
from dreamvideo.models.device import bf16_twin
from dreamvideo.render import RunOptions, render_still
from dreamvideo.render import precision
from dreamvideo.settings import resolve

from .conftest import IMAGES

SIZES = [(256, 256), (183, 183), (131, 131), (93, 93)]


@pytest.fixture(scope="module")
def lite0():
    return get_model("efficientnet-lite0", ["block10"], weights="random")


def _capabilities(monkeypatch, **flags: bool) -> None:
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx2": True, **flags})


def _fake_probe(monkeypatch, faster_from: int) -> list[tuple[int, int]]:
    """bf16 twice as fast at sizes of at least ``faster_from`` pixels, slower below; returns the sizes timed."""
    timed: list[tuple[int, int]] = []

    def measure(dreamer, size):
        timed.append(size)
        return [0.2, 0.1] if size[0] * size[1] >= faster_from else [0.1, 0.2]

    monkeypatch.setattr(precision, "measure", measure)
    return timed


@pytest.mark.parametrize("flags, native", [({"avx512_bf16": True}, True), ({"amx_bf16": True}, True),
                                           ({"bf16": True}, True),  # Arm
                                           ({"avx512_bf16": False, "avx512_f": True}, False), ({}, False)])
def test_native_bf16_is_read_from_the_cpu_capabilities(monkeypatch, flags, native):
    _capabilities(monkeypatch, **flags)
    assert native_bf16() is native


def test_a_cpu_that_cannot_be_read_counts_as_without_bf16(monkeypatch):
    def unreadable():
        raise RuntimeError("cpuinfo failed")

    monkeypatch.setattr(torch.cpu, "get_capabilities", unreadable)
    assert native_bf16() is False


def test_without_native_bf16_auto_is_fp32_and_nothing_is_probed(monkeypatch, lite0):
    _capabilities(monkeypatch, avx512_bf16=False)
    timed = _fake_probe(monkeypatch, 0)
    notes: list[str] = []
    plan, record = precision.choose("auto", Dreamer(lite0), SIZES, notes.append)
    assert plan == Precision("fp32") and record["used"] == "fp32" and "native bf16" in record["why"]
    assert timed == [] and notes == []


def test_with_native_bf16_the_probe_picks_bf16_for_the_octaves_where_it_is_faster(monkeypatch, lite0):
    _capabilities(monkeypatch, amx_bf16=True)
    timed = _fake_probe(monkeypatch, 183 * 183)
    notes: list[str] = []
    plan, record = precision.choose("auto", Dreamer(lite0), SIZES, notes.append)
    assert plan.name == "bf16" and plan.min_pixels == 183 * 183
    assert timed == [(256, 256), (183, 183), (131, 131)]  # stops where bf16 loses; 93 px is never probed
    assert plan.uses_bf16((1, 3, 256, 256)) and not plan.uses_bf16((1, 3, 131, 131))
    assert record["probe"]["256x256"] == {"fp32_s": 0.2, "bf16_s": 0.1} and record["probe_cached"] is False
    assert len(notes) == 1 and "bf16" in notes[0] and "2.00x" in notes[0] and "0.50x" in notes[0]


def test_the_probe_is_cached_per_model_cpu_torch_and_threads(monkeypatch, lite0, precision_cache):
    _capabilities(monkeypatch, avx512_bf16=True)
    precision_cache.unlink(missing_ok=True)
    timed = _fake_probe(monkeypatch, 0)
    first, _ = precision.choose("auto", Dreamer(lite0), SIZES[:2], lambda _: None)
    assert len(timed) == 2 and precision.cache_scope(Dreamer(lite0)) in json.loads(precision_cache.read_text())
    again, record = precision.choose("auto", Dreamer(lite0), SIZES[:2], lambda _: None)  # a hit: no timing
    assert again == first and len(timed) == 2 and record["probe_cached"] is True
    deeper = get_model("efficientnet-lite0", ["block12"], weights="random")  # another depth: another probe
    precision.choose("auto", Dreamer(deeper), SIZES[:2], lambda _: None)
    assert len(timed) == 4


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", "scope: 5", "entry: 'fast'"])
def test_a_damaged_cache_is_probed_again(monkeypatch, lite0, precision_cache, damage):
    _capabilities(monkeypatch, avx512_bf16=True)
    scope = precision.cache_scope(Dreamer(lite0))
    text = {"scope: 5": json.dumps({scope: 5}), "entry: 'fast'": json.dumps({scope: {"256x256": "fast"}})}
    precision_cache.write_text(text.get(damage, damage))
    timed = _fake_probe(monkeypatch, 0)
    plan, _ = precision.choose("auto", Dreamer(lite0), SIZES[:1], lambda _: None)
    assert plan.name == "bf16" and timed == [(256, 256)]
    assert json.loads(precision_cache.read_text())  # rewritten whole


def test_small_frames_stay_fp32_without_a_probe(monkeypatch, lite0):
    _capabilities(monkeypatch, avx512_bf16=True)
    timed = _fake_probe(monkeypatch, 0)
    plan, record = precision.choose("auto", Dreamer(lite0), [(64, 48), (46, 34)], lambda _: None)
    assert plan == Precision("fp32") and timed == [] and "small" in record["why"]


@pytest.mark.parametrize("asked", ["fp32", "bf16"])
def test_fp32_and_bf16_force_without_a_probe(monkeypatch, lite0, asked):
    _capabilities(monkeypatch, avx512_bf16=True)
    timed = _fake_probe(monkeypatch, 0)
    plan, record = precision.choose(asked, Dreamer(lite0), SIZES, lambda _: None)
    assert plan == Precision(asked) and record == {"used": asked} and timed == []


@pytest.mark.parametrize("device, used", [("cuda", "bf16"), ("mps", "fp32")])
def test_auto_on_gpus_needs_no_probe(monkeypatch, device, used):
    timed = _fake_probe(monkeypatch, 0)
    plan, record = precision.choose("auto", SimpleNamespace(device=torch.device(device)), SIZES, lambda _: None)
    assert plan == Precision(used) and record == {"used": used} and timed == []


def test_a_real_probe_times_both_precisions(lite0):
    fp32, bf16 = precision.measure(Dreamer(lite0), (128, 128))
    assert fp32 > 0 and (bf16 is None or bf16 > 0)


def test_small_octaves_run_in_fp32_and_large_ones_in_bf16(lite0, monkeypatch):
    """What the gradient is computed in, per octave size (EfficientNet-Lite: by hand, in the engine of that dtype)."""
    seen: dict[int, torch.dtype] = {}
    call = lite_gradient.LiteGradient.__call__

    def record(engine, image, *args):
        seen.setdefault(image.shape[-1], engine.dtype)
        return call(engine, image, *args)

    monkeypatch.setattr(lite_gradient.LiteGradient, "__call__", record)
    Dreamer(lite0, Precision("bf16", min_pixels=120 * 120)).dream(
        torch.rand(1, 3, 140, 140), DreamConfig(octaves=1, steps=1, octave_scale=1.4), seed=0)
    assert seen == {100: torch.float32, 140: torch.bfloat16}


def test_bf16_weights_cast_once_give_the_gradient_autocast_gives(monkeypatch):
    """A model without a gradient by hand runs its CPU bf16 octaves on a twin with bf16 weights (cast
    once, not at every step): exactly what autocast computes with the fp32 model; one twin per model,
    also when `precision` auto turns bf16 only after the probe."""
    import copy

    from dreamvideo.core import dream

    model = get_model("vgg16", ["relu2_1"], weights="random")
    made, deepcopy = [], copy.deepcopy
    monkeypatch.setattr(copy, "deepcopy", lambda value, *a: made.append(value) or deepcopy(value, *a))
    dreamer = Dreamer(model, Precision("bf16"))
    assert dreamer.gradient_path == "autograd"
    image = torch.rand(1, 3, 72, 72, generator=torch.Generator().manual_seed(0))
    twin = dreamer.gradient(image, dreamer.objective(None))
    dreamer._twin_ok = False  # autocast's own casts, on the fp32 model
    assert torch.equal(twin, dreamer.gradient(image, dreamer.objective(None)))
    used, real = [], dream.bf16_twin
    monkeypatch.setattr(dream, "bf16_twin", lambda m: used.append(m) or real(m))
    auto = Dreamer(model, "auto")  # fp32 until the probe's choice is set
    auto.plan = Precision("bf16")
    assert torch.equal(twin, auto.gradient(image, auto.objective(None))) and used == [model]
    assert sum(value is model for value in made) == 1 and next(model.stages.parameters()).dtype == torch.float32


def test_sidecar_and_note_record_the_choice(monkeypatch, tmp_path):
    _capabilities(monkeypatch, avx512_bf16=True)
    _fake_probe(monkeypatch, 0)
    notes: list[str] = []
    reporter = SimpleNamespace(note=notes.append, task=lambda *a: (lambda n: None), reset=lambda a: None)
    settings = resolve(None, {"octaves": 1, "steps": 1, "jitter": 4, "size": "160x128", "seed": 0})
    render_still(settings, IMAGES / "chelsea.jpg", tmp_path / "out.png", RunOptions(), reporter)
    meta = yaml.safe_load((tmp_path / "out.png.yaml").read_text())["meta"]
    assert meta["precision"]["used"] == "bf16" and meta["precision"]["probe"]  # chelsea at 160x106
    assert sum("`precision` auto: bf16" in n for n in notes) == 1


def test_forced_fp32_is_recorded_as_such(tmp_path):
    settings = resolve(None, {"octaves": 1, "steps": 1, "size": "64x48", "seed": 0, "precision": "fp32"})
    render_still(settings, IMAGES / "chelsea.jpg", tmp_path / "out.png", RunOptions())
    data = yaml.safe_load((tmp_path / "out.png.yaml").read_text())
    assert data["precision"] == "fp32" and data["meta"]["precision"] == {"used": "fp32"}


def test_auto_without_a_probe_is_bf16_on_cuda_only():
    cpu, cuda, mps = (torch.device(d) for d in ("cpu", "cuda", "mps"))
    assert [core_precision.fixed("auto", d).name for d in (cpu, cuda, mps)] == ["fp32", "bf16", "fp32"]
    assert core_precision.fixed("bf16", mps) == Precision("bf16")
