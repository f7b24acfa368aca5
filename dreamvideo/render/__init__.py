"""Renders: plan frames, fill a frame store resumably, assemble the output once."""

from .engine import Engine, RunOptions
from .still import render_image
from .video import render_video
from .zoom import render_zoom

__all__ = ["Engine", "RunOptions", "render_image", "render_video", "render_zoom"]
