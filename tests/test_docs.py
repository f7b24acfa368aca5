"""The docs and the CLI cannot drift apart: every command shown parses, the reference lists everything, the site builds.

Every ``dreamvideo ...`` line in a shell code block of README.md and docs/ is parsed by the real
command (its options, types and arguments, as the shell would hand them over) without running it;
the listing commands and one zoom run for real at a tiny size. The generated reference
(``docs/reference_gen.py``) must name every CLI option and every setting, so a new flag cannot miss
the docs. ``mkdocs build --strict`` runs when MkDocs is installed (the ``docs`` extra; CI builds it too).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from dreamvideo.cli import app
from dreamvideo.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
import reference_gen  # noqa: E402  (docs/ is not a package: the generator is a script the MkDocs hook loads)

FENCE = re.compile(r"^```(?:bash|sh|shell|console)\s*\n(.*?)^```", re.M | re.S)
LISTINGS = {"formats", "models", "layers", "classes", "presets"}
TINY = ["--size", "48x48", "--frames", "3", "--octaves", "1", "--steps", "1", "--frame-octaves", "1",
        "--frame-steps", "1", "--jitter", "2", "--precision", "fp32"]


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def shown_commands() -> list[tuple[str, list[str]]]:
    """Every ``dreamvideo`` command in a shell block: (where, its arguments after ``dreamvideo``)."""
    found = []
    for path in doc_files():
        for block in FENCE.findall(path.read_text()):
            for line in block.splitlines():
                for part in line.split("&&"):
                    words = shlex.split(part, comments=True)
                    if words and Path(words[0]).name == "dreamvideo":
                        found.append((f"{path.relative_to(ROOT)}: {part.strip()}", words[1:]))
    return found


COMMANDS = shown_commands()


def parse(args: list[str]) -> None:
    """Parse ``args`` as the shell would hand them to ``dreamvideo``, down to the leaf command, without running it."""
    command, path = typer.main.get_command(app), "dreamvideo"
    while getattr(command, "commands", None) and args and args[0] in command.commands:
        path, command, args = f"{path} {args[0]}", command.commands[args[0]], args[1:]
    assert not getattr(command, "commands", None) or not args or args[0].startswith("-"), f"unknown command {args}"
    with command.make_context(path, list(args)):
        pass


def test_the_docs_show_commands_of_every_kind():
    names = {args[0] for _, args in COMMANDS}
    assert {"dream", "zoom", "video", "live", "studio", "batch", "presets", "audio-features"} <= names


@pytest.mark.parametrize("where,args", COMMANDS, ids=[where for where, _ in COMMANDS])
def test_every_command_in_the_docs_parses(where: str, args: list[str]):
    parse(args)


def test_a_wrong_flag_in_the_docs_would_be_caught():
    from typer.core import _click as click

    with pytest.raises(click.exceptions.NoSuchOption):
        parse(["zoom", "--frame", "48", "-o", "dive.mp4"])
    with pytest.raises(click.exceptions.BadParameter):
        parse(["zoom", "--steps", "many", "-o", "dive.mp4"])


@pytest.mark.parametrize("where,args", [(w, a) for w, a in COMMANDS if a[0] in LISTINGS][:8],
                         ids=lambda value: value if isinstance(value, str) else "")
def test_the_listing_commands_in_the_docs_run(where: str, args: list[str]):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip()


def test_a_zoom_from_the_docs_renders_at_a_tiny_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    where, args = next((w, a) for w, a in COMMANDS if a[:3] == ["zoom", "--preset", "seed-dive"])
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*args, *TINY])
    assert result.exit_code == 0, result.output
    output = tmp_path / args[args.index("-o") + 1]
    assert output.stat().st_size > 0 and output.with_name(output.name + ".yaml").is_file()


def test_the_cli_reference_lists_every_command_and_option():
    page = reference_gen.cli_markdown()
    for path, command in reference_gen.commands():
        assert f"## `{path}`" in page
        for param in command.params:
            for flag in reference_gen.flags(param):
                assert reference_gen.code(flag) in page.split(f"## `{path}`")[1].split("\n## ")[0], (path, flag)


def test_the_settings_reference_lists_every_setting_with_its_default():
    page = reference_gen.settings_markdown()
    rows = {line.split("|")[1].strip(" `"): line for line in page.splitlines() if line.startswith("| `")}
    for name, field in Settings.model_fields.items():
        assert name in rows, name
    assert "`0.05`" in rows["step_size"] and "`--step-size`" in rows["step_size"]
    assert "preset only" in rows["normalize"]


def test_the_models_reference_lists_every_model_and_layer():
    from dreamvideo.models.registry import list_models

    page = reference_gen.models_markdown()
    for info in list_models():
        section = page.split(f"## `{info.name}`")[1].split("\n## ")[0]
        assert all(f"| `{spec.name}`" in section for spec in info.layers), info.name


def test_the_readme_stays_short_and_keeps_its_quick_start():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    ci = (ROOT / ".ci" / "run").read_text()
    test_line = next(line for line in ci.splitlines() if "pytest" in line)
    assert test_line in readme  # CI runs the README's own test command


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None,
                    reason="MkDocs is not installed (pip install -e '.[docs]')")
def test_the_site_builds_strictly(tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "--octave-scale" in (tmp_path / "site" / "reference" / "cli" / "index.html").read_text()
