"""Reading and checking a batch file: each item alone, then every job's files against the others'.

Every problem comes back at once, as ``file: item N: field: message``, before Ray
starts. Paths in an item (``input``, ``output``, ``preset``, guides and ``audio`` in
``options``) are relative to the YAML file; guides a preset names, beside the preset.
A job's output (or its sidecar) must not be any job's input, preset, guide, audio or
weights, by any path to the same file (``render/reads.py``: the list and the comparison a
single render uses too): a batch must never overwrite what it reads. A zoom without
``input`` whose preset is a zoom's sidecar starts from the image the sidecar records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import DreamError, SettingsError, first_line
from ..media.files import identity
from ..media.sequence_input import names_sequence
from ..render.reads import clashes, render_reads, written
from ..settings import Settings
from ..settings.kinds import KINDS, WORDS, Kind
from ..settings.presets import format_errors, merge, read_preset, replayed_start

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
    preset: Path | None = None

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


def _source(entry: JobEntry, kind: Kind, folder: Path, presets: Presets) -> tuple[Path | None, str | None]:
    """The job's input file (None: a zoom from noise) and what is wrong with it, as ``field: message``.

    A zoom without ``input`` replaying a zoom's sidecar starts from the image it records.
    """
    given = entry.input if entry.input != "noise" else None
    replayed = None
    if kind.takes_noise and not entry.input and entry.preset:
        replayed = replayed_start(_preset(entry.preset, folder, presets), folder)
    source = folder / (given or replayed) if given or replayed else None
    field = "input" if given else "preset: the start image it records"
    if not kind.takes_noise and not given:
        return None, f"input: a {kind.command} job needs an input file"
    if source and not source.is_file() and not (kind.input == "video" and names_sequence(str(source))):
        return source, f"{field}: {'a directory, not a file' if source.is_dir() else 'file not found'}: {source}"
    return source, None  # a video's image sequence is checked whole when the job runs


def _output_problem(kind: Kind, output: Path, settings: Settings) -> str | None:
    """What is wrong with a job's output name (the kind writes no such format, its folder is not there),
    or None; an image sequence's folder is made, so only the folder above it must exist."""
    try:
        fmt = kind.output_format(output, settings.codec, settings.bit_depth)
    except DreamError as exc:
        return first_line(exc)
    folder = output.parent.parent if fmt is not None and fmt.sequence and not output.parent.exists() else output.parent
    return None if folder.is_dir() else f"folder does not exist: {folder}"


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
    if problem := _output_problem(kind, output, settings):
        errors.append(f"{where}: output: {problem}")
    source, problem = _source(entry, kind, folder, presets)
    errors += [f"{where}: {problem}"] if problem else []
    if settings.audio and not Path(settings.audio).is_file():
        errors.append(f"{where}: audio: file not found: {settings.audio}")
    preset_file = Path(preset) if preset else None
    reads = render_reads(settings, kind.name, source, preset_file)
    return Job(number, kind.name, settings, source, output, reads, preset_file), errors


def _clashes(where: Path, jobs: list[Job]) -> list[str]:
    """Outputs that are another output, and outputs (or their sidecars) that are anything any job reads."""
    reads = [((0, "batch file"), where), *(((job.number, role), path) for job in jobs for role, path in job.reads)]
    writes = [((job.number, what), path) for job in jobs for what, path in written(job.output)]
    found = {tag: (path, read) for tag, path, read in clashes(writes, reads)}
    writers: dict[Any, int] = {}
    errors = []
    for job in jobs:
        key = identity(job.output)
        if key in writers:
            errors.append(f"{where}: item {job.number}: output: also the output of item {writers[key]}")
        writers.setdefault(key, job.number)
        for what in ("output", "sidecar", "audio", "frame"):
            shown = "" if what == "output" else f"its {what} "
            if (job.number, what) in found:
                path, read = found[job.number, what]
                number, role = min(read, key=lambda r: (r[0] != job.number, r[0]))
                whose = ("the " if number == 0 else "its own " if number == job.number else f"item {number}'s ") + role
                more = f" (and {len(read) - 1} more)" if len(read) > 1 else ""
                errors.append(f"{where}: item {job.number}: output: {shown}{path} would overwrite {whose}{more}")
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
