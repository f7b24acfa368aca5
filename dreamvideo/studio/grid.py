"""The variation grid (AUTOMATIC1111's X/Y plot): one still, one setting along each axis, up to 4x4.

Axes name a setting a still uses; each cell is the form's settings with that cell's axis
values, validated as the form is, so a bad value is refused before anything is dreamed and
every cell's settings load back into the form as they are. The seed stays fixed across the
cells (0 when the form has none) unless an axis is the seed; along a model axis each model
takes its own default layers (the form's belong to its model). Planning is torch-free; the
dreams (:func:`make_grid`, on a worker thread) are a sheet of :mod:`.sheets`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel

from ..settings import Settings
from ..settings.kinds import RENDERS as KINDS
from .forms import validate, with_local_weights

MAX_VALUES = 4  # per axis: a 4x4 grid at most
# What an axis may vary: a still's settings, less its size (the grid's) and what leaves one picture as it is.
VARIED = sorted(set(KINDS["still"].fields) - {"size", "description", "tile", "objective_blend"})


class Axis(BaseModel):
    """One axis: a setting and the values it takes along it, as the form would send them."""

    field: str
    values: list[Any]


def plain(field: str) -> str:
    """A setting as the page names it: ``step_size`` -> ``step size``."""
    return field.replace("_", " ")


def refuse(field: str, line: str, status: int = 422) -> HTTPException:
    """A one-line refusal naming the grid's ``field`` (``x``, ``y`` or a setting), in the page's words."""
    return HTTPException(status, {"errors": [{"field": field, "flag": "", "message": line, "line": line}],
                                  "error": line})


def check_axes(x: Axis, y: Axis | None) -> None:
    """Each axis names a setting a still uses, and not the same one twice."""
    for name, axis in (("x", x), ("y", y)):
        if axis is None:
            continue
        if not 1 <= len(axis.values) <= MAX_VALUES:
            raise refuse(name, f"the grid's {name} axis takes 1 to {MAX_VALUES} values, not {len(axis.values)}")
        if axis.field not in VARIED:
            what = "is not a setting" if axis.field not in Settings.model_fields else "does not change a still"
            raise refuse(name, f"the grid's {name} axis: '{plain(axis.field)}' {what}; "
                               f"choose one of: {', '.join(plain(f) for f in VARIED)}")
    if y is not None and y.field == x.field:
        raise refuse("y", f"both axes vary {plain(x.field)}; pick another setting for one of them")


def cells(root: Path, given: dict[str, Any], x: Axis, y: Axis | None,
          preset: str | None = None) -> list[tuple[Any, Any, Settings]]:
    """Every cell, row by row: (x value, y value, its validated settings over ``preset``); a bad value is
    one plain line."""
    axes = {axis.field: name for name, axis in (("x", x), ("y", y)) if axis is not None}
    base = _checked(root, given, {}, preset)
    fixed = {**given, "seed": base.seed if base.seed is not None else 0}
    if "model" in axes:  # each model dreams its own default layers, unless the other axis names layers
        fixed = {k: v for k, v in fixed.items() if k not in ("layers", "objective") or k in axes}
    out = []
    for y_value in (y.values if y else [None]):
        for x_value in x.values:
            data = {**fixed, x.field: x_value, **({y.field: y_value} if y else {})}
            out.append((x_value, y_value, _checked(root, data, axes, preset)))
    return out


def _checked(root: Path, data: dict[str, Any], axes: dict[str, str], preset: str | None) -> Settings:
    """``data`` validated as the form's settings are; a problem names the axis (or setting) in plain words."""
    try:
        return validate(data, root, preset)
    except HTTPException as exc:
        first = exc.detail["errors"][0] if isinstance(exc.detail, dict) and exc.detail.get("errors") else {}
        field, message = first.get("field", ""), first.get("message", str(exc.detail))
        if field not in axes:
            raise refuse(field, f"{plain(field)}: {message}" if field else message) from None
        raise refuse(axes[field], f"the grid's {axes[field]} axis: {plain(field)} {data.get(field)!r} "
                                  f"is not valid: {message}") from None


def make_grid(root: Path, source: Path | None, planned: list[tuple[Any, Any, Settings]], size: int) -> dict[str, Any]:
    """``POST /api/grid``'s answer: each cell's picture URL and full settings (cached, else dreamed now)."""
    from .sheets import dream_all, dream_fields, identity, key_of, load, save, start_frame

    started = time.perf_counter()
    key = key_of({"what": "grid", **identity(root, source), "size": size,
                  "cells": [dream_fields(settings) for _, _, settings in planned]})
    cached = load(root, "grid", key) is not None
    if not cached:
        frame = start_frame(source, planned[0][2], size)
        pictures = dream_all(frame, [with_local_weights(root, settings) for _, _, settings in planned])
        save(root, "grid", key, {str(i): png for i, png in enumerate(pictures)}, {"cells": len(planned)})
    return {"key": key, "cached": cached, "seconds": round(time.perf_counter() - started, 3),
            "cells": [{"x": x, "y": y, "image": f"/api/grid/{key}/{i}.png", "settings": settings.to_yaml_dict()}
                      for i, (x, y, settings) in enumerate(planned)]}
