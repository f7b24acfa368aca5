"""The 1000 ImageNet class names, offline, and lookup by index or name.

The names come from torchvision's own category list (the one its ImageNet weights
carry in ``meta["categories"]``), so they ship with the pinned torchvision and need
no download. Every ImageNet model in the registry shares this index order. The
list is read from torchvision's source as data, not imported: importing
torchvision loads torch, and settings validation and ``dreamvideo classes`` must
answer at once.
"""

from __future__ import annotations

import ast
import difflib
import functools
import importlib.util
import re
from pathlib import Path

from ..errors import DreamError


@functools.cache
def class_names() -> tuple[str, ...]:
    """torchvision's ``_IMAGENET_CATEGORIES``, parsed from ``torchvision/models/_meta.py``."""
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        raise DreamError("torchvision is not installed; ImageNet class names come from it")
    source = Path(list(spec.submodule_search_locations)[0]) / "models" / "_meta.py"
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_IMAGENET_CATEGORIES":
            return tuple(ast.literal_eval(node.value))
    raise DreamError(f"no ImageNet category list in {source}")


def __getattr__(name: str) -> tuple[str, ...]:
    if name == "CLASS_NAMES":   # read on first use, not at import
        return class_names()
    raise AttributeError(name)


def class_name(index: int) -> str:
    return class_names()[index]


def search(query: str) -> list[int]:
    """Indices of every class whose name contains ``query``, case-insensitively (all for "")."""
    needle = query.strip().lower()
    return [i for i, name in enumerate(class_names()) if needle in name.lower()]


def _contained_in(query: str) -> list[int]:
    """Classes whose whole name appears as words in the query ("tabby cat" -> tabby), longest first."""
    names = class_names()
    hits = [i for i, name in enumerate(names)
            if re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", query)]
    if not hits:
        return []
    longest = max(len(names[i]) for i in hits)
    return [i for i in hits if len(names[i]) == longest]


def _listing(indices: list[int], limit: int = 8) -> str:
    shown = ", ".join(f"{class_name(i)} ({i})" for i in indices[:limit])
    return shown + (f", ... {len(indices) - limit} more" if len(indices) > limit else "")


def find_class(query: str | int) -> int:
    """One class index for an index or a name.

    Names match case-insensitively: an exact name first, then a unique name that
    contains the query, then a class name spelled out inside the query ("tabby cat"
    finds "tabby"). Several matches or none raise a one-line error listing candidates.
    """
    text = str(query).strip()
    if text.isdigit():
        index = int(text)
        if index >= len(class_names()):
            raise DreamError(f"class index {index} out of range 0-{len(class_names()) - 1}")
        return index
    lowered = text.lower()
    if not lowered:
        raise DreamError("empty class name; see `dreamvideo classes`")
    exact = [i for i, name in enumerate(class_names()) if name.lower() == lowered]
    matches = exact or search(lowered) or _contained_in(lowered)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise DreamError(f"class '{text}' matches {len(matches)} classes: {_listing(matches)}; "
                         "give a longer name or the index")
    lowered_names = {name.lower(): i for i, name in enumerate(class_names())}
    close = difflib.get_close_matches(lowered, list(lowered_names), n=5, cutoff=0.6)
    hint = f"; close matches: {_listing([lowered_names[c] for c in close])}" if close else ""
    raise DreamError(f"no ImageNet class matches '{text}'{hint} (see `dreamvideo classes`)")
