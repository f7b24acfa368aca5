"""MIDI CC control: the mapping, CC messages through the one control path OSC uses, and a missing
backend or port in one line (mido messages fed in directly: no hardware, no MIDI backend needed)."""

import threading
import time

import pytest

from dreamvideo.cli import app
from dreamvideo.errors import SettingsError
from dreamvideo.live import LiveControls, LiveOptions, run_live
from dreamvideo.live.midi import MidiHandler, knobs_for, parse_map
from dreamvideo.progress import Notes
from dreamvideo.settings import resolve

mido = pytest.importorskip("mido")
TINY = {"octaves": 1, "steps": 1, "frame_steps": 1, "jitter": 4, "size": "64x48", "seed": 5}


def _cc(control: int, value: int):
    return mido.Message("control_change", control=control, value=value)


def test_a_cc_sets_its_setting_linearly_over_its_range_through_the_live_controls():
    controls, notes = LiveControls(resolve(None, TINY)), Notes()
    handle = MidiHandler(parse_map("1=step_size:0.01:0.2, 2=pull:0:1, 7=octaves:1:4"), controls, notes.note)
    handle(_cc(1, 127))
    assert controls.settings.step_size == pytest.approx(0.2)
    handle(_cc(1, 0))
    handle(_cc(2, 64))
    handle(_cc(7, 127))
    settings = controls.settings
    assert settings.step_size == pytest.approx(0.01) and settings.pull == pytest.approx(64 / 127, abs=1e-6)
    assert settings.octaves == 4 and isinstance(settings.octaves, int)
    handle(_cc(9, 100))  # not mapped
    handle(mido.Message("note_on", note=1, velocity=127))  # not a CC
    assert controls.version == 4 and controls.settings == settings and not notes.lines


def test_a_value_the_setting_refuses_changes_nothing_and_is_said_once():
    controls, notes = LiveControls(resolve(None, TINY)), Notes()
    handle = MidiHandler(parse_map("3=step_size:0:5"), controls, notes.note)
    for value in (120, 125, 120):
        handle(_cc(3, value))
    assert controls.version == 0 and controls.settings.step_size == pytest.approx(0.05)
    assert len(notes.lines) == 1 and "midi CC 3" in notes.lines[0] and "`step_size`" in notes.lines[0]


def test_the_default_map_is_valid_and_used_only_with_midi():
    assert {knob.setting for knob in knobs_for("first", None).values()} >= {"step_size", "pull"}
    assert knobs_for(None, None) is None
    with pytest.raises(SettingsError, match="`midi_map` needs `midi`"):
        knobs_for(None, "1=pull:0:1")


@pytest.mark.parametrize("mapping, expected", [
    ("1=step_size", "is not CC=setting:min:max"),
    ("x=pull:0:1", "is not CC=setting:min:max"),
    ("1=size:64:512", "size is not a number setting that can change live"),
    ("1=coherence:0:1", "coherence is not a number setting"),
    ("1=stepsize:0:1", "stepsize is not a number setting"),
    ("200=pull:0:1", "a CC number is 0..127"),
    (" , ", "maps no CC"),
])
def test_a_bad_map_is_one_line(mapping, expected):
    with pytest.raises(SettingsError, match=expected) as error:
        parse_map(mapping)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("names, args, expected", [
    (ModuleNotFoundError("No module named 'rtmidi'"), ["--midi", "first"], "--midi finds no MIDI backend"),
    ([], ["--midi", "first"], "--midi: no MIDI input port is connected"),
    (["Knobs 1"], ["--midi", "Faders"], "--midi port 'Faders' not found; input ports: Knobs 1"),
    (["Knobs 1", "Knobs 2"], ["--midi", "knobs"], "--midi port 'knobs' is ambiguous"),
    (["Knobs 1"], ["--midi-map", "1=pull:0:1"], "--midi-map needs --midi"),
])
def test_a_missing_backend_or_port_is_one_line_and_exit_1(runner, monkeypatch, names, args, expected):
    def input_names():
        if isinstance(names, Exception):
            raise names
        return names
    monkeypatch.setattr(mido, "get_input_names", input_names)
    started = time.monotonic()
    result = runner.invoke(app, ["live", "test", "--size", "64x48", "--steps", "1", "--octaves", "1",
                                 "--duration", "5", *args])
    assert result.exit_code == 1 and expected in result.output
    assert result.output.strip().count("\n") == 0 and time.monotonic() - started < 8  # before any dream


def test_a_knob_turned_mid_run_changes_the_dream(monkeypatch):
    ports: list = []

    class Port:
        def __init__(self, name, callback):
            self.name, self.callback, self.closed = name, callback, False
            ports.append(self)

        def close(self):
            self.closed = True
    monkeypatch.setattr(mido, "get_input_names", lambda: ["Knobs 1", "Knobs 2"])
    monkeypatch.setattr(mido, "open_input", lambda name, callback: Port(name, callback))
    controls = LiveControls(resolve(None, TINY))

    def turn() -> None:
        while not controls.frame():
            time.sleep(0.05)
        ports[0].callback(_cc(1, 127))
    threading.Thread(target=turn, daemon=True).start()
    run_live(resolve(None, TINY), LiveOptions("test", duration=2, midi="knobs 2"), controls=controls)
    assert ports[0].name == "Knobs 2" and ports[0].closed
    assert controls.settings.step_size == pytest.approx(0.2) and controls.version == 1
