"""What the form is built from: the Settings JSON schema and the tables beside it (presets: .presets)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ...media.formats import output_formats
from ...media.inputs import ANIMATED, AUDIO, STILL, SUFFIXES, VIDEO, input_suffixes
from ...models import list_models
from ...settings import Settings
from ...settings.kinds import RENDERS as KINDS  # what the studio queues
from ...settings.kinds import Kind
from ..words import label
from ..renders import OUTPUTS
from .base import OneLineRoute

router = APIRouter(route_class=OneLineRoute)


@router.get("/api/schema")
def schema() -> dict[str, Any]:
    """Settings' JSON schema (descriptions are the form's help), plus the tables the page reads instead of
    repeating them: the kind table (``x-kinds``: the fields each kind uses; ``x-kind-table``: its label,
    input, the outputs a job may write, default first, and the input files it ``accepts``), the output
    formats (``x-formats``) and the input files by kind (``x-inputs``: what uploads and the picker take)."""
    data = Settings.model_json_schema()
    data["properties"].pop("meta", None)
    for name, prop in data["properties"].items():
        prop["title"] = label(name)  # the words every studio message names the field by
    data["properties"]["model"]["x-choices"] = [spec.name for spec in list_models()]  # details: /api/models
    # layers stays text (a list, or keyframes that switch them): the page's chips pick from /api/models' own
    # list for the chosen model; a pick list of one model's layers could hold neither, nor another model's
    data["x-kinds"] = {name: sorted(kind.fields) for name, kind in KINDS.items()}
    data["x-kind-table"] = {name: {"label": kind.label, "command": kind.command, "input": kind.input,
                                   "outputs": list(OUTPUTS[name]), "accepts": list(accepted(kind))}
                            for name, kind in KINDS.items()}
    data["x-formats"] = formats()
    data["x-inputs"] = {kind: list(SUFFIXES[kind]) for kind in (STILL, ANIMATED, VIDEO, AUDIO)}
    data["x-groups"] = groups(data["properties"])
    return data


def accepted(kind: Kind) -> tuple[str, ...]:
    """The file names a kind's input may have (a sequence has no suffix of its own: its frames are stills)."""
    return input_suffixes(*(name for name in kind.accepts if name in SUFFIXES))


def groups(properties: dict[str, Any]) -> list[str]:
    """Mark each field with ``x-group``, the settings section it lives in (``settings/motion.py`` -> Motion),
    so the page groups "More settings" as the settings are grouped; returns the groups in the sections' order."""
    order = []
    for section in Settings.__bases__:
        group = section.__module__.rsplit(".", 1)[-1].capitalize()
        for name in section.model_fields:
            if name in properties:
                properties[name].setdefault("x-group", group)
        order.append(group)
    for prop in properties.values():
        prop.setdefault("x-group", "General")  # Settings' own fields (a description)
    return [*order, "General"]


def formats() -> list[dict[str, Any]]:
    """Every output format, in the listing's order: where it goes, what it is for, and how browsers take it."""
    return [{"suffix": f.suffix, "container": f.container, "codec": f.codec, "name": f.name, "default": f.default,
             "sequence": f.sequence, "browser": f.browser, "loops": f.loops, "audio": f.audio, "alpha": f.alpha,
             "bit_depths": [8, 16] if f.deep else [f.bit_depth], "purpose": f.purpose} for f in output_formats()]
