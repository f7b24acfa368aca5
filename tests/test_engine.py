"""The render engine: one dream per frame, run with the settings' DreamConfig or one its caller adjusts."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from dreamvideo.render.engine import Engine, RunOptions
from dreamvideo.settings import resolve

from .conftest import FAST


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
