"""The gallery: every render in the folder, found by the sidecar the CLI writes beside it.

A sidecar (``OUT.mp4.yaml``) records what shaped a render, so the gallery needs no
database of its own: whatever the CLI or the studio rendered shows up, and
"render again" is the sidecar fed back as settings. Hidden folders (work folders,
the studio's own) are skipped.

How a card shows a render is the formats table's answer (``media/video_formats``): what
browsers play is shown playing (``<video>`` for a video, ``<img>`` for an animated image,
which loops by itself); anything else (MOV ProRes/HAP/DNxHR, HEVC, an image sequence) gets
a poster frame and a download link.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from ..errors import DreamError
from ..media.formats import Format, find_format, frame_regex, is_sequence, video_suffixes
from ..media.sequence_output import sidecar_path
from ..settings.kinds import KINDS, RENDERS
from .paths import relative

SUFFIXES = tuple(dict.fromkeys((*video_suffixes(), ".png", ".jpg", ".jpeg")))  # (a sequence's pattern ends .png)
# What a job may write: its kind's outputs that the gallery shows, the kind's default first.
OUTPUTS = {name: tuple(dict.fromkeys((kind.suffix, *(s for s in kind.outputs if s in SUFFIXES))))
           for name, kind in RENDERS.items()}
MAX_RENDERS = 2000  # a huge folder still answers quickly
MAX_SIDECAR = 256 * 1024  # a CLI sidecar is a few KB; anything far larger is not one


class _SidecarLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases: safe_load still expands them ("billion laughs").

    The CLI writes sidecars from a JSON round trip (``render.sidecar``), so a real one never
    holds an alias; a few nested ones would make the gallery's JSON gigabytes long.
    """

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("a sidecar holds no aliases")
        return super().compose_node(parent, index)


def read_sidecar(path: Path) -> Any:
    """A sidecar's YAML, read without following a link or blocking on a FIFO, capped in size.

    A FIFO or device named ``x.mp4.yaml`` would otherwise hang the gallery on ``read()``;
    ``O_NONBLOCK`` opens it at once and the regular-file check then turns it away.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SIDECAR:
            return None
        text = handle.read(MAX_SIDECAR + 1).decode("utf-8")
    return parse_sidecar(text)


def parse_sidecar(text: str) -> Any:
    """A sidecar's text as data: safe YAML without aliases (the file's read above, or a dropped file's)."""
    return yaml.load(text, Loader=_SidecarLoader)


def sidecars(folder: Path) -> Iterator[Path]:
    """Every YAML file under ``folder`` that may be a render's sidecar (``X.mp4.yaml``, an image sequence's
    ``NAME.yaml``: :func:`output_of` tells), not inside hidden folders, not following links out."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".yaml") and not name.startswith("."):
                yield Path(root) / name


def kind_of(output: Path, meta: dict[str, Any]) -> str:
    """Still, zoom or video: a zoom's sidecar names where it started, a video's its clip's rate; a still
    is an image with neither (an animated WebP is a zoom's or a video's)."""
    if "from" in meta:
        return "zoom"
    still = output.suffix.lower() in KINDS["still"].outputs and not is_sequence(output)
    return "still" if still and "fps" not in meta else "video"


def output_of(sidecar: Path, meta: dict[str, Any]) -> Path | None:
    """The render a sidecar records, by the renderer's own naming (:func:`sidecar_path`): ``X.mp4`` for
    ``X.mp4.yaml``, an image sequence's pattern (its ``meta.output``) for its ``DIR/NAME.yaml``; None for
    any other YAML (a preset, the user's notes)."""
    named = Path(sidecar.name[:-5])
    if named.name.lower().endswith(SUFFIXES) and not is_sequence(named):
        return sidecar.with_name(named.name)
    pattern = meta.get("output")
    if isinstance(pattern, str) and pattern == Path(pattern).name and is_sequence(Path(pattern)):
        output = sidecar.with_name(pattern)
        return output if sidecar_path(output) == sidecar else None
    return None


def recorded(folder: Path, sidecar: Path, data: dict[str, Any],
             output: Path | None = None) -> tuple[str, dict[str, Any], str | None]:
    """What a sidecar's settings ``data`` record beside them, for the gallery and for recalling settings
    alike: the render's kind, its ``meta`` (popped from ``data``; a hand-edited sidecar may hold anything
    there) and its input as the API names it (a zoom's ``from``, else ``input``), if still in FOLDER.
    ``output``: the render, when the caller found it already (:func:`output_of`)."""
    meta = data.pop("meta", None)
    meta = meta if isinstance(meta, dict) else {}
    kind = kind_of(output or output_of(sidecar, meta) or sidecar.with_name(sidecar.name[:-5]), meta)
    source = meta.get("from") if kind == "zoom" else meta.get("input")
    return kind, meta, source_in(folder, sidecar.parent, source)


def render_entry(folder: Path, sidecar: Path) -> dict[str, Any] | None:
    """One gallery card: path, kind, size, frames, duration, flicker, strength, date, settings and how
    the page shows it (``play``: "video", "image" or None, then ``poster`` and ``download``)."""
    if folder not in sidecar.resolve().parents:
        return None  # a link that leads out of the folder
    try:
        data = read_sidecar(sidecar.resolve())  # checked inside above; a link within the folder is fine
        meta = data.get("meta") if isinstance(data, dict) else None
        output = output_of(sidecar, meta if isinstance(meta, dict) else {})
        if output is None or folder not in output.resolve().parents:
            return None
        files = written(output)
    except (OSError, ValueError, yaml.YAMLError):  # ValueError: not UTF-8
        return None
    if not isinstance(data, dict) or not files:
        return None
    kind, meta, source = recorded(folder, sidecar, data, output)
    made = len(files) if is_sequence(output) else meta.get("frames") or data.get("frames")
    frames = 1 if kind == "still" else _count(made)
    fps = _number(meta.get("fps")) or _number(data.get("fps"))
    return {
        "path": relative(folder, output), "kind": kind, "input": source,
        "size": data.get("size"), "frames": frames, "fps": fps,
        "duration_s": round(frames / fps, 2) if frames and fps and kind != "still" else None,
        "flicker_ratio": meta.get("flicker_ratio"), "strength": meta.get("strength"),
        "bytes": sum(info.st_size for _, info in files), "modified": max(info.st_mtime for _, info in files),
        "preview": bool(meta.get("preview") or data.get("preview")),  # a motion preview, not a render
        "settings": data, **shown(folder, output, kind, data.get("codec"), files[0][0]),
    }


def written(output: Path) -> list[tuple[Path, os.stat_result]]:
    """The render's files with their stats: the output itself, or an image sequence's frames in order
    (only names its pattern makes: a user's other files in that folder are not its frames)."""
    if not is_sequence(output):
        info = output.stat()
        return [(output, info)] if stat.S_ISREG(info.st_mode) else []
    names, found = frame_regex(output), []
    with os.scandir(output.parent) as entries:
        for entry in entries:
            if names.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                found.append((Path(entry.path), entry.stat(follow_symlinks=False)))
    start = output.name.index("%")  # the number follows the pattern's fixed head
    return sorted(found, key=lambda item: int(re.match(r"\d+", item[0].name[start:])[0]))


def output_format(output: Path, codec: Any) -> Format | None:
    """The table's record for a render (its sidecar's `codec`, else the suffix's default); None if none."""
    for choice in (codec if isinstance(codec, str) else None, None):
        try:
            return find_format(output, choice)
        except DreamError:
            continue
    return None


def shown(folder: Path, output: Path, kind: str, codec: Any, first: Path) -> dict[str, Any]:
    """How the page shows a render: ``play`` ("video" for ``<video>``, "image" for ``<img>``, None where
    browsers cannot play it), ``format`` (the table's name), ``download`` (a URL: the file, or an image
    sequence's frames as one ZIP) and, where it does not play, a ``poster`` URL (a sequence's first
    frame; one frame extracted from a clip)."""
    path = relative(folder, output)
    where, file = quote(path, safe=""), "/files/" + quote(path)
    if kind == "still":
        return {"play": "image", "format": output.suffix.lower().lstrip("."), "poster": None,
                "download": file + "?download=1"}
    fmt = output_format(output, codec)
    name = fmt.name if fmt else output.suffix.lower()
    if fmt and fmt.sequence:
        return {"play": None, "format": name, "poster": "/files/" + quote(relative(folder, first)),
                "download": "/api/frames?path=" + where}
    plays = ("image" if fmt.loops else "video") if fmt and fmt.browser else None  # a file that loops by itself is an image
    return {"play": plays, "format": name, "poster": None if plays else "/api/poster?path=" + where,
            "download": file + "?download=1"}


def _number(text: Any) -> float | None:
    """A recorded fps: ``24`` or a rational ``30000/1001``; None unless positive and finite."""
    try:
        top, _, bottom = str(text).partition("/")
        value = round(float(top) / float(bottom or 1), 3)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return value if 0 < value < 1e6 else None


def _count(value: Any) -> int | None:
    """A recorded frame count, or None when the sidecar holds something else there."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def source_in(folder: Path, where: Path, source: Any) -> str | None:
    """The render's input as the API names it (relative to FOLDER), if it is still in the folder."""
    if not source or source == "noise":
        return "noise" if source else None
    for base in (folder, where):
        try:
            path = (base / str(source)).resolve()
            if folder in path.parents and path.is_file():
                return relative(folder, path)
        except (OSError, ValueError):  # a NUL byte, a name too long: not a file in the folder
            continue
    return None


def list_renders(folder: Path) -> list[dict[str, Any]]:
    """Every render, newest first."""
    found = []
    for index, sidecar in enumerate(sidecars(folder)):
        if index >= MAX_RENDERS:
            break
        if (entry := render_entry(folder, sidecar)) is not None:
            found.append(entry)
    return sorted(found, key=lambda entry: entry["modified"], reverse=True)
