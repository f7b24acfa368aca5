"""The layer atlas: one input dreamed at several layers of one model (the seed's own figure, made live).

One small dream per layer, on the preview's warm model, kept as a sheet (:mod:`.sheets`):
the same input, model, size and settings ask again for nothing. Which layers, when the
page names none: :func:`.models.atlas_layers` (a few spread over the model's depth).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..settings import Settings
from .models import atlas_layers
from .forms import with_local_weights
from .preview import seeded
from .sheets import dream_all, dream_fields, identity, key_of, load, save, start_frame


def make_atlas(root: Path, source: Path | None, settings: Settings, layers: list[str] | None,
               size: int) -> dict[str, Any]:
    """``POST /api/atlas``'s answer: each layer's picture URL, from the cache or dreamed now (worker thread).

    ``layers`` None: :func:`.models.atlas_layers` picks them for the start frame's size.
    """
    started = time.perf_counter()
    settings = seeded(settings)
    key = key_of({"what": "atlas", **identity(root, source), "size": size, "layers": layers or "spread",
                  "settings": dream_fields(settings, "layers", "objective")})
    index = load(root, "atlas", key)
    if index is None:
        frame = start_frame(source, settings, size)
        layers = layers or atlas_layers(settings.model, min(frame.shape[:2]))
        dreamer = with_local_weights(root, settings)
        variants = [dreamer.model_copy(update={"layers": {0: [layer]}, "objective": None}) for layer in layers]
        save(root, "atlas", key, dict(zip(layers, dream_all(frame, variants))), {"model": settings.model})
    names = index["names"] if index else layers
    return {"model": settings.model, "key": key, "cached": index is not None,
            "seconds": round(time.perf_counter() - started, 3),
            "layers": [{"layer": layer, "image": f"/api/atlas/{key}/{layer}.png"} for layer in names]}
