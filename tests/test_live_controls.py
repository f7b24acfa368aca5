"""Live controls and hand-over slots: settings changed while running, only the newest frame kept (no model)."""

import threading
import time

import pytest

from dreamvideo.errors import SettingsError
from dreamvideo.live.controls import LiveControls
from dreamvideo.live.slots import Latest, Stamped, clock
from dreamvideo.live.stats import LiveStats
from dreamvideo.settings import resolve


def test_a_live_change_is_validated_as_a_preset_would_be_and_bumps_the_version():
    controls = LiveControls(resolve(None, {"seed": 1}))
    assert controls.set("step_size", 0.08).step_size == 0.08
    assert controls.set("layers", "block5").layers == {0: ["block5"]}
    assert controls.version == 2
    with pytest.raises(SettingsError, match="`step_size`"):
        controls.set("step_size", 7)
    with pytest.raises(SettingsError, match="`size` is fixed"):
        controls.set("size", 128)
    with pytest.raises(SettingsError, match="not a setting"):
        controls.set("stepsize", 0.1)
    assert controls.version == 2 and controls.settings.step_size == 0.08


def test_setting_layers_replaces_an_objective():
    controls = LiveControls(resolve(None, {"seed": 1, "objective": "block10"}))
    settings = controls.set("layers", ["block5", "block10"])
    assert settings.objective is None and settings.layers == {0: ["block5", "block10"]}


def test_a_slot_keeps_only_the_newest_item_and_a_slow_reader_skips_the_rest():
    slot: Latest[int] = Latest()
    for item in range(5):
        slot.put(item)
    assert slot.newer(0, 0.1) == (5, 4)
    assert slot.newer(5, 0.05) is None  # nothing newer: waits, then gives up


def test_a_closed_slot_wakes_its_reader():
    slot: Latest[int] = Latest()
    threading.Timer(0.05, slot.close).start()
    started = time.monotonic()
    assert slot.newer(0, 5) is None and time.monotonic() - started < 2


def test_stats_count_drops_between_the_first_and_last_frame_shown():
    stats = LiveStats()
    for seq in (3, 4, 6, 9):  # 7 captured from 3 to 9, 4 shown
        stats.show(Stamped(None, clock() - 0.01, seq))
    figures = stats.figures()
    assert stats.captured == 7 and figures["dropped_pct"] == pytest.approx(100 * 3 / 7)
    assert 10 <= figures["p50_ms"] < 1000
    assert stats.summary().startswith("live: shown ")
