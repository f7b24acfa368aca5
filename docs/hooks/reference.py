"""MkDocs hook: the generated reference pages, and the repo's figures, added to the site at build time.

The pages come from ``docs/reference_gen.py`` (the CLI, the settings schema, the model registry),
so they are made fresh on every ``mkdocs build`` or ``serve`` and never stored. The frame sheets
the benchmarks write into ``Images/examples/`` are served from there, not copied into ``docs/``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "Images" / "examples"


def on_files(files: Files, config: Any) -> Files:
    """Add the reference pages and the benchmark sheets as generated files."""
    for path in (str(ROOT), str(ROOT / "docs")):
        if path not in sys.path:
            sys.path.insert(0, path)
    import reference_gen

    for path, markdown in reference_gen.pages().items():
        files.append(File.generated(config, path, content=markdown))
    for figure in sorted(FIGURES.glob("*.jpg")):
        files.append(File.generated(config, f"images/{figure.name}", abs_src_path=str(figure)))
    return files
