"""`audio_in`: a sound input measured live into the offline `audio` features, read by schedule expressions
(lavfi tones stand in for a microphone; bounded, played at their own rate)."""

import time

import pytest

from dreamvideo.cli import app
from dreamvideo.errors import DreamError, SettingsError
from dreamvideo.live import LiveControls, LiveOptions, run_live
from dreamvideo.live.audio_in import AudioIn
from dreamvideo.live.dreamer import LiveDreamer
from dreamvideo.settings import resolve

TINY = {"octaves": 1, "steps": 1, "frame_steps": 1, "jitter": 4, "size": "64x48", "seed": 5}


def _heard(spec: str, seconds: float = 0.6) -> dict[str, float]:
    controls = LiveControls(resolve(None, TINY))
    sound = AudioIn(spec, controls, timeout=5)
    try:
        time.sleep(seconds)
        return dict(controls.features)
    finally:
        sound.close()


def test_a_low_tone_is_bass_and_a_high_one_treble():
    low = _heard("lavfi:sine=frequency=80:sample_rate=22050:duration=3")
    high = _heard("lavfi:sine=frequency=5000:sample_rate=22050:duration=3")
    assert low["rms"] > 0.8 and low["bass"] > 0.8 and low["treble"] < 0.1
    assert high["rms"] > 0.8 and high["treble"] > 0.8 and high["bass"] < 0.1


def test_silence_reads_zero_not_the_loudest_so_far():
    quiet = _heard("lavfi:anullsrc=sample_rate=22050:duration=3")
    assert quiet == {"rms": 0.0, "bass": 0.0, "mid": 0.0, "treble": 0.0, "onset": 0.0}


def test_an_expression_reading_the_sound_changes_the_setting_as_the_sound_changes(monkeypatch):
    blends: list[float] = []
    real = LiveDreamer._blend

    def spy(dreamer):
        blends.append(real(dreamer))
        return blends[-1]
    monkeypatch.setattr(LiveDreamer, "_blend", spy)
    tone = "lavfi:aevalsrc='if(lt(mod(t,1),0.5),0.8*sin(2*PI*80*t),0)':s=22050:d=30"  # on and off each 0.5 s
    settings = resolve(None, {**TINY, "blend": "0:(0.1 + 0.8*bass)"})
    run_live(settings, LiveOptions("test", duration=2.5, audio_in=tone))
    assert min(blends) == pytest.approx(0.1, abs=0.02) and max(blends) > 0.8  # the silences and the bass


def test_an_expression_reading_the_sound_needs_a_sound_input(runner):
    result = runner.invoke(app, ["live", "test", "--size", "64x48", "--duration", "1",
                                 "--blend", "0:(0.2 + 0.5*onset)"])
    assert result.exit_code == 1 and "'onset' in a schedule needs --audio-in" in result.output
    assert result.output.strip().count("\n") == 0
    with pytest.raises(SettingsError, match="needs `audio_in`"):
        LiveControls(resolve(None, TINY)).set("blend", "0:(rms)")


def test_a_sound_input_that_gives_nothing_is_one_line(tmp_path):
    with pytest.raises(DreamError, match="`audio_in` .*missing.wav gives no sound: .*No such file") as error:
        AudioIn(str(tmp_path / "missing.wav"), LiveControls(resolve(None, TINY)), timeout=3)
    assert "\n" not in str(error.value)
