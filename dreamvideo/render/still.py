"""A still: one image dreamed into another."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..media import sources
from ..progress import Reporter, Silent
from ..settings import Settings
from .assemble import publish_image
from .common import longest_side, with_seed
from .engine import Engine, RunOptions
from .reads import check_render
from .sidecar import sidecar_text


def render_still(settings: Settings, source: Path, output: Path, options: RunOptions,
                 progress: Reporter = Silent()) -> Path:
    """Dream one image file into another, with its sidecar."""
    check_render(output, settings, options, "still", source)
    frame = sources.load_image(source, longest_side(settings), cap=True, note=progress.note)
    settings = with_seed(settings, None)
    engine = Engine(settings, options)
    used = engine.fit(frame.shape[1], frame.shape[0], progress)
    settings = engine.prepare(frame)
    advance = progress.task("dreaming", replace(engine.config, octaves=used).total_steps)
    dreamed = engine.dream(frame, 0, advance)
    text = sidecar_text(output, settings, "still", engine.model.weights_source, input=str(source),
                        precision=engine.precision)
    return publish_image(dreamed, output, text)
