"""Parsed terms into :class:`Objective` values: channel, class, guide, resolved on a model.

Two terms depend on images, not just on the model: ``strong`` picks the channels
most active on the start image, and ``guide`` matches a guide image's features.
:func:`resolve` turns strong terms into explicit channels (so a sidecar can replay
them exactly) and :func:`build` computes guide features once, before any step.
Guide images arrive as tensors: loading files is the caller's job (media/).
"""

from __future__ import annotations

import bisect
from typing import Mapping

import torch

from ..models.base import FeatureModel
from .objective_spec import LOGITS, Term, format_terms, parse, with_channels
from .objectives import Activations, Objective, layer
from .transforms import resize


def channel(name: str, channels: tuple[int, ...]) -> Objective:
    """Mean activation of some channels (lucent's ``channel``).

    The mean, not the mean square: it pushes the feature in its own direction,
    whereas a square could be raised just as well by driving the channel negative.
    """
    index = list(channels)
    label = f"{name}:{','.join(map(str, channels))}"
    return Objective(lambda a: a[name][:, index].float().mean(), label, (name,))


def class_logit(index: int) -> Objective:
    """Raise one ImageNet class's pre-softmax logit.

    The logit, not the log-probability: log-softmax can be raised just as well by
    pushing the other 999 classes down, which changes the image without drawing the
    class; the logit only rises by adding evidence for the class itself (Olah et
    al., Feature Visualization, 2017). The probability still rises (see benchmarks).
    """
    return Objective(lambda a: a[LOGITS][:, index].float().mean(), f"class:{index}", (LOGITS,))


def guide(name: str, features: torch.Tensor) -> Objective:
    """google/deepdream's guide: each position's feature pulled toward its best-matching guide feature.

    For every position of the dream, the guide position with the largest dot product
    is picked (no gradient through the pick) and the loss is the mean of those dot
    products, so the dream borrows the guide's features wherever they fit best. The
    mean runs over channels too, as the layer's mean square does, so the two weigh
    alike in a sum (google's notebook sums; with a normalised step only scale differs).
    """
    guide_flat = features.detach().flatten(2)[0].float()          # (C, M)

    def fn(acts: Activations) -> torch.Tensor:
        x = acts[name].float().flatten(2)[0]                      # (C, N)
        with torch.no_grad():
            best = (x.t() @ guide_flat).argmax(dim=1)             # (N,)
        return (x * guide_flat[:, best]).mean()

    return Objective(fn, f"{name}:guide", (name,))


def term_layers(terms: list[Term]) -> list[str]:
    """Every layer the terms read: the model must be built with all of them."""
    return list(dict.fromkeys(term.layer for term in terms))


@torch.no_grad()
def strongest_channels(model: FeatureModel, image: torch.Tensor, name: str, count: int) -> list[int]:
    """The ``count`` channels with the largest mean activation on ``image`` (neural-dream's ``strong``)."""
    acts = model(image.to(model.mean.device))[name].float()
    return acts.mean(dim=(0, 2, 3)).topk(count).indices.tolist()


def resolve(terms: list[Term], model: FeatureModel, image: torch.Tensor) -> list[Term]:
    """Strong terms become explicit channels picked on ``image``; others are unchanged."""
    return [with_channels(t, strongest_channels(model, image, t.layer, t.count)) if t.kind == "strong" else t
            for t in terms]


@torch.no_grad()
def guide_features(model: FeatureModel, guide_image: torch.Tensor, name: str, longest: int) -> torch.Tensor:
    """Guide activations, with the guide scaled so its longest side matches the dream's."""
    _, _, h, w = guide_image.shape
    scale = longest / max(h, w)
    size = (max(model.min_size, round(h * scale)), max(model.min_size, round(w * scale)))
    return model(resize(guide_image.to(model.mean.device, torch.float32), size))[name]


def _term_objective(term: Term, model: FeatureModel, guides: Mapping[str, torch.Tensor],
                    longest: int) -> Objective:
    if term.kind == "layer":
        return layer(term.layer)
    if term.kind == "channels":
        return channel(term.layer, term.channels)
    if term.kind == "class":
        return class_logit(term.class_index)
    if term.kind == "guide":
        return guide(term.layer, guide_features(model, guides[term.guide], term.layer, longest))
    raise ValueError(f"unresolved term {term.body()}; call resolve() first")


def build(terms: list[Term], model: FeatureModel, image: torch.Tensor,
          guides: Mapping[str, torch.Tensor] | None = None) -> Objective:
    """One Objective for the terms: strong terms resolved on ``image``, guides precomputed.

    ``guides`` maps each guide term's path to its [0, 1] image tensor. The result is
    named by the resolved spec, which replays exactly.
    """
    resolved = resolve(terms, model, image)
    longest = max(image.shape[-2:])
    parts = [term.weight * _term_objective(term, model, guides or {}, longest) for term in resolved]
    total = sum(parts[1:], start=parts[0])
    return Objective(total.fn, format_terms(resolved), total.layers)


def blend(keyframes: Mapping[int, Objective], frame: int, frames: int) -> Objective:
    """The objective in force at ``frame``; a switch fades in linearly over ``frames`` frames.

    At a keyframe k the new objective has weight 1/frames, reaching 1 at frame
    k + frames - 1, so ``frames`` = 1 is a cut. Mixing the losses (not the images)
    lets dogs give way to buildings gradually while the camera keeps moving.
    """
    keys = sorted(keyframes)
    i = max(bisect.bisect_right(keys, frame) - 1, 0)
    current = keyframes[keys[i]]
    t = (frame - keys[i] + 1) / max(frames, 1)
    if i == 0 or t >= 1:
        return current
    previous = keyframes[keys[i - 1]]
    mixed = (1 - t) * previous + t * current
    return Objective(mixed.fn, f"{1 - t:.2f}*({previous.name}) + {t:.2f}*({current.name})", mixed.layers)


def guide_paths(schedule: Mapping[int, str], model_name: str) -> list[str]:
    """Every guide image a schedule names, for the caller to load once."""
    return list(dict.fromkeys(t.guide for text in schedule.values() for t in parse(text, model_name)
                              if t.kind == "guide"))


class ObjectivePlan:
    """A keyframed objective for a whole render: built once, then blended per frame.

    ``specs`` holds each keyframe's resolved text (strong picks made explicit on the
    start image), which the sidecar records so a render replays exactly.
    """

    def __init__(self, schedule: Mapping[int, str], blend_frames: int, model: FeatureModel,
                 image: torch.Tensor, guides: Mapping[str, torch.Tensor]) -> None:
        self.blend_frames = blend_frames
        self.keyframes = {frame: build(parse(text, model.name), model, image, guides)
                          for frame, text in schedule.items()}
        self.specs = {frame: objective.name for frame, objective in self.keyframes.items()}

    def at(self, frame: int) -> Objective:
        return blend(self.keyframes, frame, self.blend_frames)
