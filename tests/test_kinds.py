"""The kind table: each command offers exactly the settings its kind is shaped by, and the
studio starts the very command the table names."""

from __future__ import annotations

import pytest
import typer

from dreamvideo.cli import app
from dreamvideo.settings import setting_names
from dreamvideo.settings.kinds import KINDS, PRESET_ONLY
from dreamvideo.studio import child


def setting_options(command: str) -> set[str]:
    """The settings a CLI command takes as options (run options such as --preset left out)."""
    group = typer.main.get_command(app)
    return {param.name for param in group.commands[command].params} & set(setting_names())


@pytest.mark.parametrize("name", sorted(KINDS))
def test_each_command_offers_the_settings_its_kind_records_and_no_others(name):
    kind = KINDS[name]
    assert setting_options(kind.command) == set(kind.fields) - PRESET_ONLY
    others = set().union(*(KINDS[k].fields for k in KINDS)) - set(kind.fields)
    assert not setting_options(kind.command) & others  # a still has no --frames, a video no --zoom


def test_the_studio_runs_the_command_the_table_names_with_its_input():
    preset = "settings.yaml"
    still = child.command("still", "cat.jpg", "cat-dream.png", preset)
    zoom = child.command("zoom", "", "dive.mp4", preset)
    video = child.command("video", "clip.mp4", "out.mp4", preset)
    assert still[3:5] == ["dream", "cat.jpg"]
    assert zoom[3:6] == ["zoom", "--from", "noise"]  # the kind that can start from noise
    assert video[3:5] == ["video", "clip.mp4"]
