"""Reading and checking a batch file: each item alone, then every job's files against the others'.

Every problem comes back at once, as ``file: item N: field: message``, before Ray
starts. Paths in an item (``input``, ``output``, ``preset``, guides and ``audio`` in
``options``) are relative to the YAML file; guides a preset names, beside the preset.
A job's output (or its sidecar) must not be any job's input, preset, guide, audio or
weights, by any path to the same file: a batch must never overwrite what it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..core.objective_terms import guide_paths
from ..errors import DreamError, SettingsError, first_line
from ..settings import Settings
from ..settings.kinds import KINDS, WORDS
from ..settings.presets import format_errors, merge, read_preset

Presets = dict[str, tuple[str, dict[str, Any]]]  # a batch reads each preset once


class JobEntry(BaseModel):
    """One item of a batch file, as written."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal[tuple(WORDS)] = Field(description="dream (or still), zoom or video")  # type: ignore[valid-type]
    output: str = Field(min_length=1)
    input: Optional[str] = Field(None, description="image or clip; a zoom's start image (default: noise)")
    preset: Optional[str] = None
    options: dict[str, Any] = Field(default_factory=dict, description="settings, as in a preset")


@dataclass(frozen=True)
class Job:
    """A checked job: resolved settings, absolute paths, and every file it reads, by role."""

    number: int
    kind: str  # the kind's name in ``settings/kinds.py`` (a ``dream`` item is a still)
    settings: Settings
    input: Path | None
    output: Path
    reads: tuple[tuple[str, Path], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.number} {KINDS[self.kind].command}"


def _preset(name: str, folder: Path, presets: Presets) -> tuple[str, dict[str, Any]]:
    """A shipped preset by name, else a file relative to the batch file; each read once per batch."""
    if name not in presets:
        presets[name] = read_preset(name, folder)
    return presets[name]


def _settings(where: str, entry: JobEntry, folder: Path, presets: Presets) -> tuple[Settings, str | None]:
    """The preset (if any) under the item's options, validated; guides found as the user meant."""
    source, data = _preset(entry.preset, folder, presets) if entry.preset else (None, {})
    given = dict(entry.options)
    if isinstance(given.get("audio"), str):
        given["audio"] = str(folder / Path(given["audio"]).expanduser())
    if isinstance(given.get("weights"), str) and given["weights"] != "random":
        given["weights"] = str(folder / Path(given["weights"]).expanduser())
    data = merge({k: v for k, v in data.items() if k != "meta"}, given)
    base_dir = Path(source).parent if source and "objective" not in given else folder
    try:
        return Settings.model_validate(data, context={"base_dir": base_dir}), source
    except ValidationError as exc:
        lines = [line[len(where) + 2:] for line in format_errors(where, exc, data).splitlines()]
        mine = lambda line: not source or line.split(":")[0].split(".")[0] in given  # noqa: E731
        raise SettingsError("\n".join(  # name where the bad value was written: the options or the preset
            f"{where}: {'options.' if mine(line) else 'preset: '}{line}" for line in lines)) from None


def _reads(settings: Settings, source: Path | None, preset: str | None) -> tuple[tuple[str, Path], ...]:
    """Every file a job reads, by role (its input, preset, guides, audio, weights)."""
    guides = [Path(g) for g in guide_paths(settings.objective or {}, settings.model)]
    files = [("input", source), ("preset", Path(preset) if preset else None),
             *(("guide", g) for g in guides), ("audio", Path(settings.audio) if settings.audio else None),
             ("weights", Path(settings.weights) if settings.weights not in (None, "random") else None)]
    return tuple((role, path) for role, path in files if path is not None)


def _check_item(where: str, number: int, item: Any, folder: Path, presets: Presets) -> tuple[Job | None, list[str]]:
    """One item: entry fields, then preset and options together, then its own paths."""
    try:
        entry = JobEntry.model_validate(item)
    except ValidationError as exc:
        return None, format_errors(where, exc, item if isinstance(item, dict) else {}).splitlines()
    try:
        settings, preset = _settings(where, entry, folder, presets)
    except SettingsError as exc:
        return None, str(exc).splitlines()
    except DreamError as exc:
        return None, [f"{where}: preset: {first_line(exc)}"]
    errors, kind = [], WORDS[entry.kind]
    output = folder / entry.output
    if output.suffix.lower() not in kind.outputs:
        errors.append(f"{where}: output: a {kind.command} writes one of {', '.join(kind.outputs)}")
    elif not output.parent.is_dir():
        errors.append(f"{where}: output: folder does not exist: {output.parent}")
    source = folder / entry.input if entry.input and entry.input != "noise" else None
    if not kind.takes_noise and not source:
        errors.append(f"{where}: input: a {kind.command} job needs an input file")
    elif source and not source.is_file():
        problem = "a directory, not a file" if source.is_dir() else "file not found"
        errors.append(f"{where}: input: {problem}: {source}")
    if settings.audio and not Path(settings.audio).is_file():
        errors.append(f"{where}: audio: file not found: {settings.audio}")
    return Job(number, kind.name, settings, source, output, _reads(settings, source, preset)), errors


def _identity(path: Path) -> Any:
    """The same key for every path to one file (symlinks, hard links, ``..``): its inode,
    or for a file not there yet, its folder's inode and its name (a stat, not a resolve:
    a 10,000-job batch makes 20,000 of them)."""
    for place, name in ((path, ""), (path.parent, path.name)):
        try:
            status = place.stat()
        except OSError:
            continue
        return status.st_dev, status.st_ino, name
    return str(path)


def _clashes(where: Path, jobs: list[Job]) -> list[str]:
    """Outputs (and their sidecars) that are another output, or anything any job reads."""
    readers: dict[Any, list[tuple[int, str]]] = {_identity(where): [(0, "batch file")]}
    for job in jobs:
        for role, path in job.reads:
            readers.setdefault(_identity(path), []).append((job.number, role))
    writers: dict[Any, int] = {}
    errors = []
    for job in jobs:
        key = _identity(job.output)
        if key in writers:
            errors.append(f"{where}: item {job.number}: output: also the output of item {writers[key]}")
        writers.setdefault(key, job.number)
        for what, path in (("", job.output), ("its sidecar ", job.output.with_name(job.output.name + ".yaml"))):
            read = sorted(readers.get(_identity(path), []), key=lambda r: (r[0] != job.number, r[0]))
            if read:
                number, role = read[0]
                whose = ("the " if number == 0 else "its own " if number == job.number
                         else f"item {number}'s ") + role
                more = f" (and {len(read) - 1} more)" if len(read) > 1 else ""
                errors.append(f"{where}: item {job.number}: output: {what}{path} would overwrite {whose}{more}")
    return errors


def load_jobs(path: Path) -> list[Job]:
    """Read and check a batch file; every problem at once, as ``file: item N: field: message``."""
    try:
        items = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        raise DreamError(f"batch file not found: {path}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SettingsError(f"{path}: cannot read: {first_line(exc)}") from None
    if not isinstance(items, list) or not items:
        raise SettingsError(f"{path}: a batch file is a YAML list of jobs (kind, input, output, preset, options)")
    jobs, errors, presets, folder = [], [], {}, path.parent.resolve()
    for number, item in enumerate(items, 1):
        job, problems = _check_item(f"{path}: item {number}", number, item, folder, presets)
        errors += problems
        if job is not None:
            jobs.append(job)
    errors += _clashes(path, jobs)
    if errors:
        raise SettingsError("\n".join(errors))
    return jobs
