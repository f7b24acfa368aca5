"""Objective text: ``"block10 + 0.5*block5:42 - 0.2*class:espresso"`` into checked terms.

A spec is a sum of terms, each ``[WEIGHT*]BODY``; ``+`` and ``-`` separate terms
when a space stands on either side of them (so ``short-haired`` and ``1e-3`` stay
whole). Bodies:

- ``block10``: the layer's mean square (DeepDream's loss);
- ``block10:42`` or ``block10:42,17``: the mean activation of those channels;
- ``block10:strong5``: the 5 channels most active on the start image;
- ``class:tabby cat`` or ``class:281``: an ImageNet class logit;
- ``guide:flower.jpg`` or ``block5:guide:flower.jpg``: match a guide image's features
  (at the model's default layer unless one is given).

Every error names the bad term, so a long spec is easy to fix.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import DreamError
from ..models import model_info, resolve_layers
from ..models.classes import class_name, find_class

LOGITS = "logits"


@dataclass(frozen=True)
class Term:
    """One weighted term. ``kind`` is layer, channels, strong, class or guide."""

    kind: str
    layer: str
    weight: float = 1.0
    channels: tuple[int, ...] = ()
    count: int = 0          # strong: how many channels to pick
    class_index: int = -1
    guide: str = ""

    def body(self) -> str:
        """Canonical text of the term without its weight; parses back to the same term."""
        if self.kind == "channels":
            return f"{self.layer}:{','.join(map(str, self.channels))}"
        if self.kind == "strong":
            return f"{self.layer}:strong{self.count}"
        if self.kind == "class":
            return f"class:{class_name(self.class_index)}"
        if self.kind == "guide":
            return f"{self.layer}:guide:{self.guide}"
        return self.layer


def format_terms(terms: list[Term]) -> str:
    """Terms back to spec text: ``block10 - 0.2*class:espresso``."""
    parts: list[str] = []
    for term in terms:
        sign = "-" if term.weight < 0 else "+"
        size = abs(term.weight)
        text = term.body() if size == 1 else f"{size:g}*{term.body()}"
        parts.append(text if not parts and sign == "+" else f"{sign} {text}")
    return " ".join(parts)


def split_terms(text: str) -> list[tuple[float, str]]:
    """Split at ``+``/``-`` operators into (sign, term text); signs in a row multiply."""
    chunks: list[tuple[float, str]] = []
    sign, start = 1.0, 0
    for i, char in enumerate(text):
        spaced = i == 0 or text[i - 1].isspace() or (i + 1 < len(text) and text[i + 1].isspace())
        if char in "+-" and spaced and not text[start:i].strip().endswith("*"):
            piece = text[start:i].strip()
            if piece:
                chunks.append((sign, piece))
                sign = 1.0
            sign *= -1.0 if char == "-" else 1.0
            start = i + 1
    piece = text[start:].strip()
    if not piece:
        raise DreamError(f"objective '{text.strip()}' ends without a term" if chunks
                         else "empty objective; give a layer such as block10")
    chunks.append((sign, piece))
    return chunks


def parse(text: str, model: str, base_dir: Path | None = None) -> list[Term]:
    """Parse and check a spec for ``model``; relative guide paths are read from ``base_dir``."""
    terms = []
    for sign, piece in split_terms(text):
        try:
            terms.append(_parse_term(sign, piece, model, base_dir))
        except DreamError as exc:
            raise DreamError(f"objective term '{piece}': {exc}") from None
    return terms


_WEIGHT = re.compile(r"^([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*\*\s*(.+)$")


def _parse_term(sign: float, piece: str, model: str, base_dir: Path | None) -> Term:
    weight, body = sign, piece
    match = _WEIGHT.match(piece)
    if match:
        weight, body = sign * float(match.group(1)), match.group(2).strip()
        if not math.isfinite(weight):  # else it would be stored, and later refused, as 'inf*...'
            raise DreamError(f"weight {match.group(1)} is too large a number")
    elif "*" in piece:
        raise DreamError("write a weight as NUMBER*TERM, e.g. 0.5*block5")
    head, _, rest = body.partition(":")
    head = head.strip()
    if head == "class":
        return _class_term(weight, rest, model)
    if head == "guide":
        return _guide_term(weight, model_info(model).default_layers[0], rest, base_dir)
    layer = resolve_layers(model, [head])[0]
    selector = rest.strip()
    if not selector and not rest:
        return Term("layer", layer, weight)
    if selector.startswith("guide:"):
        return _guide_term(weight, layer, selector[len("guide:"):], base_dir)
    return _channel_term(weight, layer, selector, model)


def _channels_of(model: str, layer: str) -> int:
    return next(spec.channels for spec in model_info(model).layers if spec.name == layer)


def _channel_term(weight: float, layer: str, selector: str, model: str) -> Term:
    total = _channels_of(model, layer)
    strong = re.fullmatch(r"strong(\d+)", selector)
    if strong:
        count = int(strong.group(1))
        if not 1 <= count <= total:
            raise DreamError(f"strong count must be 1-{total} ({layer} has {total} channels)")
        return Term("strong", layer, weight, count=count)
    if not re.fullmatch(r"\d+(\s*,\s*\d+)*", selector):
        raise DreamError(f"expected channels like {layer}:42,17 or {layer}:strong5, got '{selector}'")
    channels = tuple(dict.fromkeys(int(c) for c in selector.split(",")))
    bad = [c for c in channels if c >= total]
    if bad:
        raise DreamError(f"channel {bad[0]} out of range: {layer} has channels 0-{total - 1}")
    return Term("channels", layer, weight, channels=channels)


def _class_term(weight: float, name: str, model: str) -> Term:
    if LOGITS not in {spec.name for spec in model_info(model).layers}:
        raise DreamError(f"{model} has no class logits; class terms need an efficientnet-lite model")
    return Term("class", LOGITS, weight, class_index=find_class(name))


def _guide_term(weight: float, layer: str, path: str, base_dir: Path | None) -> Term:
    path = path.strip()
    if not path:
        raise DreamError("guide needs an image path, e.g. guide:flower.jpg")
    if layer == LOGITS:
        raise DreamError("a guide needs a feature layer, not logits")
    found = Path(path).expanduser()
    if not found.is_absolute() and base_dir is not None and (base_dir / found).is_file():
        found = base_dir / found
    if found.is_dir():
        raise DreamError(f"guide image '{path}' is a directory, not an image file")
    if not found.is_file():
        raise DreamError(f"guide image '{path}' not found")
    return Term("guide", layer, weight, guide=str(found.resolve()))


def with_channels(term: Term, channels: list[int]) -> Term:
    """A strong term resolved to the explicit channels it picked."""
    return replace(term, kind="channels", channels=tuple(channels), count=0)
