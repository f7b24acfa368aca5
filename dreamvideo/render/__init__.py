"""Renders: plan frames, fill a frame store resumably, assemble the output once."""

from collections.abc import Callable

from .engine import Engine, RunOptions
from .still import render_still
from .video import render_video
from .zoom import render_zoom

__all__ = ["Engine", "RunOptions", "render_still", "render_video", "render_zoom", "renderer"]


def renderer(kind: str) -> Callable:
    """The render of a kind named in ``settings/kinds.py``: ``render_<name>``, looked up when asked."""
    return globals()[f"render_{kind}"]
