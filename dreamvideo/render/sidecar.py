"""What a render records: the settings that shaped it, for the manifest and the sidecar.

Only the settings that shape a render of its kind are recorded (``settings/kinds.py``
says which), so a sidecar holds only what shaped it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
import torchvision
import yaml

from .. import __version__
from ..errors import DreamError
from ..media.files import same_file
from ..settings import Settings
from ..settings.kinds import fields_for
from ..settings.schema import FILE_SETTINGS
from .store import read_manifest

# Settings that change only the encoding, not the frames: a resume may change them.
ENCODING_ONLY = {"frames", "fps", "crf", "codec", "bit_depth", "description", "meta"}
FILE_INPUTS = ("source", "input")  # a zoom's start, a video's clip


def recorded(settings: Settings, kind: str) -> dict[str, Any]:
    """The settings as YAML-friendly data, only the fields that apply to ``kind``."""
    keep = fields_for(kind)
    return {k: v for k, v in settings.to_yaml_dict().items() if k in keep}


def manifest(kind: str, settings: Settings, **inputs: Any) -> dict[str, Any]:
    """What finished frames depend on; a resume with a different manifest is refused."""
    data = {k: v for k, v in recorded(settings, kind).items() if k not in ENCODING_ONLY}
    for name in FILE_SETTINGS:  # the file, not its spelling
        if data.get(name) not in (None, "random"):
            data[name] = str(Path(data[name]).resolve())
    return json.loads(json.dumps({"kind": kind, "settings": data, **inputs}, default=str))


def resumable(folder: Path, new: dict[str, Any]) -> dict[str, Any]:
    """``new`` with each file spelled as the earlier run's manifest in ``folder`` spells the same file.

    A resume compares files, not spellings: ``coffee.jpg`` and its absolute path are one
    start image. Manifests now record resolved paths; one written before (a relative
    ``source`` or ``audio``) still resumes while it names the same file.
    """
    try:
        old = read_manifest(folder)
    except DreamError:
        return new  # the store reports an unreadable manifest
    if not old:
        return new
    fixed = json.loads(json.dumps(new))
    pairs = [(fixed, old, FILE_INPUTS), (fixed["settings"], old.get("settings") or {}, FILE_SETTINGS)]
    for mine, theirs, names in pairs:
        for name in names:
            now, before = mine.get(name), theirs.get(name)
            if isinstance(now, str) and isinstance(before, str) and now != before \
                    and "noise" not in (now, before) and same_file(Path(now), Path(before)):
                mine[name] = before
    return fixed


def sidecar_text(output: Path, settings: Settings, kind: str, weights_source: str, **extra: Any) -> str:
    """``OUTPUT.yaml``: the recorded settings plus where the weights and versions came from.

    Fed back as a preset it reproduces the render; ``meta`` is ignored when read.
    """
    meta = {"dreamvideo": __version__, "torch": torch.__version__,
            "torchvision": torchvision.__version__, "weights_source": weights_source,
            "output": output.name, **extra}
    data = {**recorded(settings, kind), "meta": meta}
    return yaml.safe_dump(_plain(data), sort_keys=False, width=1000)


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """YAML-safe data: tuples and paths become lists and strings; keyframes stay numbers."""
    def keys(pairs: list[tuple[str, Any]]) -> dict[Any, Any]:
        return {int(k) if k.isdigit() else k: v for k, v in pairs}
    return json.loads(json.dumps(data, default=str), object_pairs_hook=keys)
