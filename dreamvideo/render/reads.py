"""What a render reads, and the one check that nothing it writes or deletes is one of those files.

A render reads its input (a zoom: its start image; a video from an image sequence: every
frame file), the preset or sidecar its settings came from, guide images, an audio track and
weights (:func:`render_reads`). It writes its output and the sidecar beside it (an image
sequence: its frames, replacing or removing those of its pattern already there, and
``NAME.wav``), and writes and deletes frames in its work folder:
in a `frames_dir` only the store's own names, in the hidden folder everything (it is
removed once the output is safe). An image-sequence output (``DIR/f_%05d.png``) writes every
name its pattern makes in its folder. :func:`check_render` compares them as files (symlinks,
hard links and ``..`` included) before any work, in the render itself, so the CLI,
batch workers and the studio's child all run it; :func:`clashes` is the comparison,
which a batch file's check runs over all its jobs at once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..core.objective_terms import guide_paths
from ..errors import DreamError
from ..media.encode import check_video_output
from ..media.files import check_output, identity, same_file
from ..media.formats import Format, frame_regex, is_sequence
from ..media.sequence_output import audio_path, sequence_files, sidecar_path
from ..settings import Settings
from ..settings.kinds import KINDS
from ..settings.presets import preset_path
from .common import work_folder
from .engine import RunOptions
from .preview import preview_folder
from .store import owns

Files = tuple[tuple[str, Path], ...]  # (role, path)
INPUT_FRAME = "input frame"  # a file of an input image sequence


def render_reads(settings: Settings, kind: str, source: Path | None, preset: Path | None = None,
                 frames: tuple[Path, ...] = ()) -> Files:
    """Every file a render of ``kind`` reads, by role: its input file (a zoom's: start image; an image
    sequence's ``frames`` in its place), preset, guides, audio, weights.

    Guides are those of the resolved objective (``--guide`` and ``guide:`` terms alike, found
    beside a preset that names them); audio and weights as the settings name them.
    """
    weights = settings.weights if settings.weights not in (None, "random") else None
    given = [(INPUT_FRAME, path) for path in frames] or [("start image" if kind == "zoom" else "input file", source)]
    files = [*given, ("preset", preset),
             *(("guide image", Path(g)) for g in guide_paths(settings.objective or {}, settings.model)),
             ("audio file", Path(settings.audio) if settings.audio else None),
             ("weights file", Path(weights) if weights else None)]
    return tuple((role, path) for role, path in files if path is not None)


def written(output: Path) -> Files:
    """What publishing a render writes: the output and its sidecar; an image sequence also its audio
    and every frame of its pattern already in its folder (each is replaced or removed)."""
    files = (("output", output), ("sidecar", sidecar_path(output)))
    if not is_sequence(output):
        return files
    return (*files, ("audio", audio_path(output)), *(("frame", frame) for frame in sequence_files(output)))


def clashes(writes: Iterable[tuple[Any, Path]], reads: Iterable[tuple[Any, Path]]) -> Iterator[tuple[Any, Path, list]]:
    """Each path written that is a file read, by identity, with the tags of all that read it, in order;
    an image-sequence output clashes with every file read that its pattern names."""
    reads = list(reads)
    readers: dict[Any, list] = {}
    for tag, path in reads:
        readers.setdefault(identity(path), []).append(tag)
    for tag, path in writes:
        if found := _pattern_readers(path, reads) if is_sequence(path) else readers.get(identity(path)):
            yield tag, path, found


def _pattern_readers(pattern: Path, reads: list[tuple[Any, Path]]) -> list:
    """The tags of files read that an image sequence ``pattern`` would write over: a name it makes, in its
    folder (as given, or where a link leads)."""
    regex = frame_regex(pattern)
    return [tag for tag, path in reads
            if any(regex.fullmatch(p.name) and same_file(p.parent, pattern.parent) for p in (path, path.resolve()))]


def overwrite_line(output: Path, reads: Files, shown: str | None = None) -> str | None:
    """The line refusing an output (or its sidecar, a sequence's frame or audio) that is a file the render
    reads; None when none is.

    ``shown``: how to name the output (default: its path).
    """
    name = Path(shown or output)
    for what, path, found in clashes(written(output), (((role, read), read) for role, read in reads)):
        (role, read), *_ = found
        if what == "output" and is_sequence(output):
            return f"output {name} would write over {read}, the {role} this render reads; choose another output name"
        where = (f"output {name}" if what == "output"
                 else f"output {name} writes its {what} {name.with_name(path.name)}, which")
        return f"{where} is the {role} this render reads; choose another output name"
    return None


def check_render(output: Path, settings: Settings, options: RunOptions, kind: str,
                 source: Path | None, frames: tuple[Path, ...] = ()) -> Format | None:
    """Refuse, before any work, an output that could not be written (or in no format of ``kind``'s), and
    anything a render of ``kind`` would write or delete (output, sidecar, its work folder's frames) that it
    reads (``frames``: an input image sequence's files).

    Returns the format the video is written in (None: a still's image).
    """
    fmt = None
    if KINDS[kind].writes_video:
        fmt = check_video_output(output, settings.codec, settings.bit_depth)
    else:
        check_output(output, KINDS[kind].outputs)
    side = sidecar_path(output)
    if side.is_dir():
        raise DreamError(f"the sidecar {side} of the output is a directory; choose another output name")
    reads = render_reads(settings, kind, source, _preset_file(options.preset), frames)
    if line := overwrite_line(output, reads):
        raise DreamError(line)
    if kind != "still":  # a still has no frames
        _check_work((preview_folder if settings.preview else work_folder)(output, options),
                    options.frames_dir is not None, reads)
    return fmt


def _preset_file(name: str | None) -> Path | None:
    """The preset's file (a shipped name found); one not found here (a remote batch worker) reads as written."""
    if not name:
        return None
    try:
        return preset_path(name)
    except DreamError:
        return Path(name)


def _check_work(folder: Path, kept: bool, reads: Files) -> None:
    """Refuse a file read that the work folder's frames would overwrite or delete.

    In a `frames_dir` (``kept``) the render touches only the store's own names; the hidden
    folder goes whole once the output is safe, whatever is in it.
    """
    try:
        here = os.stat(folder)
    except OSError:
        return  # not there yet: the render makes it, and nothing it reads can be in it
    for role, path in reads:
        real = path.resolve()
        if kept and any(owns(p.name) and _same_dir(p.parent, here) for p in (path.absolute(), real)):
            raise DreamError(f"the {role} {path} is in `frames_dir` {folder}, named as the render names its "
                             "frames (it writes and deletes those); move it out or choose another `frames_dir`")
        if kept and role == INPUT_FRAME and _same_dir(path.absolute().parent, here):
            raise DreamError(f"the {role} {path} is in `frames_dir` {folder}, where the render's own frames "
                             "would join the sequence; choose another `frames_dir`")
        if not kept and any(_same_dir(p, here) for p in real.parents):
            raise DreamError(f"the {role} {path} is in {folder}, the work folder this render deletes when "
                             "it is done; move it out")


def _same_dir(path: Path, status: os.stat_result) -> bool:
    try:
        return os.path.samestat(os.stat(path), status)
    except OSError:
        return False
