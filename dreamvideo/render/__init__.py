"""Renders: plan frames, fill a frame store resumably, assemble the output once.

The names below load on first use, so importing a light module of this package
(``render.layout``: the studio reads a work folder with it) does not load torch.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # what the names are, for readers, type checkers and the import-layer test
    from .engine import Engine, RunOptions
    from .still import render_still
    from .video import render_video
    from .zoom import render_zoom

_HOME = {"Engine": "engine", "RunOptions": "engine", "render_still": "still", "render_video": "video",
         "render_zoom": "zoom"}
__all__ = ["Engine", "RunOptions", "render_still", "render_video", "render_zoom", "renderer"]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOME[name]}", __name__), name)


def renderer(kind: str) -> Callable:
    """The render of a kind named in ``settings/kinds.py``: ``render_<name>``, loaded when asked."""
    name = f"render_{kind}"
    return globals().get(name) or __getattr__(name)  # a name set on the package (a test's stand-in) wins
