from pathlib import Path

import pytest
import yaml

from dreamvideo.cli import app
from dreamvideo.settings import Settings, SettingsError, interpolate, resolve, shipped_presets

from .conftest import FAST_ARGS


@pytest.mark.parametrize("name", sorted(shipped_presets()))
def test_every_shipped_preset_loads(name):
    settings = resolve(name)
    assert settings.description
    if settings.model.startswith("vgg"):
        assert "Needs VGG19 weights" in settings.description


def test_shipped_presets_cover_the_seed():
    names = set(shipped_presets())
    assert {"vgg19-layer5", "vgg19-layer10", "vgg19-layer19", "vgg19-layer28", "seed-dive"} <= names
    assert resolve("vgg19-layer28").layers == {0: ["conv5_1"]}
    dive = resolve("seed-dive")
    assert (dive.size, dive.at("zoom", 3), dive.frames) == ((300, 300), 1.2, 5)


@pytest.mark.parametrize("text, field, words", [
    ("octave_scael: 1.4\n", "octave_scael", "Extra inputs are not permitted"),
    ("steps: many\n", "steps", "valid integer"),
    ("zoom: 3.0\n", "zoom", "less than or equal to 2"),
    ("zoom: {0: 1.02, 50: 0.4}\n", "zoom.50", "greater than or equal to 0.5"),
    ("layers: [block99]\n", "layers", "unknown layer 'block99'"),
    ("model: vgg19\nlayers: ['99']\n", "layers", "unknown layer '99'"),
    ("steps: [1, 2\n", "yaml", "line"),
])
def test_bad_preset_names_the_field_and_exits_1(runner, tmp_path, text, field, words):
    preset = tmp_path / "bad.yaml"
    preset.write_text(text)
    result = runner.invoke(app, ["presets", "show", str(preset)])
    assert result.exit_code == 1
    assert f"{preset}: {field}: " in result.stderr and words in result.stderr
    assert "Traceback" not in result.output


def test_a_preset_with_two_problems_is_one_line(runner, tmp_path, chelsea):
    preset = tmp_path / "two.yaml"
    preset.write_text("steps: 0\noctaves: 0\n")
    result = runner.invoke(app, ["presets", "show", str(preset)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"{preset}: octaves: Input should be greater than or equal to 1 "
                                          "(and 1 more problem)"]
    result = runner.invoke(app, ["dream", str(chelsea), "-o", str(tmp_path / "o.jpg"), "--steps", "0",
                                 "--octaves", "0", "--octave-scale", "9"])
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: --octave") and result.stderr.endswith(" (and 2 more problems)\n")


def test_bad_preset_stops_a_render_before_output(runner, tmp_path, chelsea):
    preset = tmp_path / "bad.yaml"
    preset.write_text("octave_scael: 2\n")
    out = tmp_path / "o.jpg"
    result = runner.invoke(app, ["dream", str(chelsea), "-o", str(out), "--preset", str(preset)])
    assert result.exit_code == 1 and "octave_scael" in result.stderr and not out.exists()


def test_a_bad_option_beside_a_bad_preset_is_named_as_the_option(runner, tmp_path, chelsea):
    """Each problem names where it was written: before, one bad preset value made every line
    (the user's own --octaves 0 too) read as the preset's. Two problems are still one line."""
    preset = tmp_path / "bad.yaml"
    preset.write_text("steps: 0\n")
    with pytest.raises(SettingsError) as caught:
        resolve(str(preset), {"octaves": 0})
    assert str(caught.value).splitlines() == ["error: `octaves`: Input should be greater than or equal to 1 "
                                              "(and 1 more problem)"]
    result = runner.invoke(app, ["dream", str(chelsea), "-o", str(tmp_path / "o.png"), "--preset", str(preset),
                                 "--octaves", "0"])
    assert result.exit_code == 1 and "error: --octaves: " in result.stderr and f"{preset}: octaves" not in result.stderr


def test_schedule_interpolates_linearly_per_frame():
    settings = resolve(None, {"zoom": {0: 1.02, 120: 1.08}, "rotate": {0: 0, 60: 2},
                              "translate": {0: [0, 0], 10: [10, -5]},
                              "layers": {0: ["block5"], 30: ["block10"]}})
    assert settings.at("zoom", 60) == pytest.approx(1.05)
    assert settings.at("zoom", 500) == pytest.approx(1.08)
    assert settings.at("rotate", 15) == pytest.approx(0.5)
    assert settings.at("translate", 5) == pytest.approx((5.0, -2.5))
    assert settings.layers_at(29) == ["block5"] and settings.layers_at(30) == ["block10"]
    assert settings.all_layers() == ["block5", "block10"]
    assert interpolate({0: 1.0}, 99) == 1.0


def test_schedule_needs_a_start_keyframe():
    with pytest.raises(SettingsError, match="`zoom`: a schedule needs a keyframe at frame 0"):
        resolve(None, {"zoom": {10: 1.1}})


def test_cli_option_overrides_preset_field(runner, tmp_path, chelsea):
    preset = tmp_path / "p.yaml"
    preset.write_text("steps: 7\noctaves: 3\nlayers: [block5]\nseed: 1\n")
    out = tmp_path / "o.png"
    result = runner.invoke(app, ["dream", str(chelsea), "-o", str(out), "--preset", str(preset),
                                 "--steps", "2", "--octaves", "1", "--size", "96"])
    assert result.exit_code == 0, result.output
    sidecar = yaml.safe_load(Path(f"{out}.yaml").read_text())
    assert (sidecar["steps"], sidecar["octaves"], sidecar["layers"], sidecar["seed"]) == (2, 1, ["block5"], 1)


def test_sidecar_round_trips_to_the_same_settings_and_image(runner, tmp_path, chelsea):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    result = runner.invoke(app, ["dream", str(chelsea), "-o", str(first), "--size", "96", *FAST_ARGS])
    assert result.exit_code == 0, result.output
    sidecar = Path(f"{first}.yaml")
    meta = yaml.safe_load(sidecar.read_text())["meta"]
    assert {"dreamvideo", "torch", "torchvision", "weights_source"} <= set(meta)
    result = runner.invoke(app, ["dream", str(chelsea), "-o", str(second), "--preset", str(sidecar)])
    assert result.exit_code == 0, result.output
    assert resolve(str(sidecar)) == resolve(f"{second}.yaml")
    assert first.read_bytes() == second.read_bytes()


def test_settings_defaults_are_the_seed_algorithm():
    s = Settings()
    assert (s.octaves, s.octave_scale, s.steps, s.step_size, s.jitter) == (4, 1.4, 10, 0.05, 32)


def test_switching_model_on_the_command_line_drops_the_preset_layers():
    settings = resolve("vgg19-layer28", {"model": "efficientnet-lite0"})
    assert settings.all_layers() == ["block10"]
    assert resolve("vgg19-layer28", {"model": "efficientnet-lite0", "layers": ["block5"]}).all_layers() == ["block5"]


def test_objective_presets_show_off_class_guide_and_channel_keyframes():
    flamingo = resolve("class-zoom-flamingo")
    assert "class:flamingo" in flamingo.objective[0] and flamingo.layers is None
    assert "logits" in flamingo.all_layers() and flamingo.frames > 1
    guide = resolve("guide-espresso")
    path = Path(guide.objective[0].split("guide:", 1)[1])
    assert path.is_file() and path.parent.name == "guides"   # shipped beside the preset
    trip = resolve("channel-trip")
    assert len(trip.objective) >= 3 and trip.objective_blend > 1
    assert all(":" in spec for spec in trip.objective.values())


@pytest.mark.parametrize("text, words", [
    ("objective: {0: block10, 30: 'class:cat'}\n", "objective: frame 30: objective term 'class:cat'"),
    ("objective: {5: block10}\n", "objective: a schedule needs a keyframe at frame 0"),
    ("objective: block10\nlayers: [block5]\n", "either --layer or --objective"),
    ("objective: guide:nowhere.jpg\n", "guide image 'nowhere.jpg' not found"),
])
def test_bad_objective_in_a_preset_names_the_term(runner, tmp_path, text, words):
    preset = tmp_path / "bad.yaml"
    preset.write_text(text)
    result = runner.invoke(app, ["presets", "show", str(preset)])
    assert result.exit_code == 1 and words in result.stderr and "Traceback" not in result.output
