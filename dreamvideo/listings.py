"""The listing commands (``formats``, ``models``, ``layers``, ``classes``): plain text about what the tool
knows, no render; ``cli`` registers them on the app. Each imports what it lists only when run."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .options import flags_in
from .runner import out, run


def formats() -> None:
    """List the output formats: each suffix and codec, what it is for, browsers, audio, loops, alpha, quality."""
    from .media.formats import format_lines

    for line in format_lines():
        out.print(flags_in(line), markup=False)


def models() -> None:
    """List the models and where each one's weights would come from."""
    from .models import list_models

    for info in list_models():
        out.print(f"{info.name:20} {info.description}\n{'':20} weights: {flags_in(info.weights_status())}",
                  markup=False)


def layers(model: Annotated[str, typer.Argument(metavar="MODEL", help="Model name.")]) -> None:
    """List a model's layers: name, channels, stride (default layers marked *)."""
    def action() -> None:
        from .models import model_info

        info = model_info(model)
        out.print(f"{'layer':14} {'alias':11} {'channels':>8} {'stride':>6}", markup=False)
        for spec in info.layers:
            mark = "*" if spec.name in info.default_layers else ""
            out.print(f"{spec.name + mark:14} {','.join(spec.aliases):11} {spec.channels:8d} {spec.stride:6d}",
                      markup=False)
    run(action, loads_torch=True)


def classes(query: Annotated[Optional[str], typer.Argument(metavar="QUERY",
                                                           help="Part of a class name, or an index.")] = None) -> None:
    """List ImageNet class names with their indices (for --class and class: terms)."""
    def action() -> None:
        from .models.classes import class_name, find_class, search

        text = (query or "").strip()
        found = [find_class(text)] if text.isdigit() else search(text)
        if not found:
            found = [find_class(text)]   # a name spelled inside the query, else close matches
        for index in found:
            out.print(f"{index:4d}  {class_name(index)}", markup=False)
    run(action)
