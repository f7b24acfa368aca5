"""The model and dreamer of one render: built once per process, used for every frame.

:func:`cached_model` is the process's one model cache, for callers that render many
times in one process: the studio's previews and a Ray worker's chunks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core.dream import DreamConfig, Dreamer, DreamResult, OctaveHooks, usable_octaves
from ..core.objective_terms import ObjectivePlan, guide_paths
from ..core.objectives import Objective
from ..core.transforms import pyramid_sizes, to_tensor, to_uint8
from ..errors import DreamError
from ..media import sources
from ..models import get_model
from ..models.base import FeatureModel
from ..progress import Advance, Reporter, Silent
from ..settings import Settings
from .precision import choose as choose_precision
from .hardware import fit_threads, mps_available


@dataclass
class RunOptions:
    """Per-run choices that are not part of a style (not in presets or sidecars)."""

    device: str | None = None
    restart: bool = False
    frames_dir: Path | None = None
    compile: bool = False
    preset: str | None = None  # the preset (or sidecar) the settings came from: read, so never written over


def pick_device(name: str | None) -> torch.device:
    """CUDA when present, else Apple's MPS, else the CPU, unless told otherwise."""
    if not name:
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if mps_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DreamError(f"unknown device '{name}'; use cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DreamError(f"device '{name}' asked for, but no CUDA GPU is available; use `device` cpu")
    if device.type == "mps" and not mps_available():
        raise DreamError(f"device '{name}' asked for, but Apple's MPS is not available here; use `device` cpu")
    return device


MODELS_KEPT = 2  # a page trying many layer sets, or a worker given another model, keeps no more than this
_models: dict[tuple, FeatureModel] = {}  # oldest first (insertion order)
_models_lock = threading.Lock()


def cached_model(settings: Settings, device: str | None = None) -> FeatureModel:
    """The feature model for these settings on ``device``, built once and kept (loading costs more than a frame).

    Only the last :data:`MODELS_KEPT` are kept; one dropped from the cache lives on while
    an engine still holds it. Built under the lock, so two threads never build one twice.
    """
    torch_device = pick_device(device)
    key = (settings.model, tuple(settings.all_layers()), settings.weights, str(torch_device))
    with _models_lock:
        model = _models.pop(key, None) or get_model(settings.model, list(key[1]), torch_device, settings.weights)
        _models[key] = model  # now the newest
        while len(_models) > MODELS_KEPT:
            _models.pop(next(iter(_models)))
    return model


def dream_config(settings: Settings) -> DreamConfig:
    """The engine's view of the dream section: a value that another schedule (a zoom's lighter
    frames, the octaves a small clip fits, a coherence mode's fewer steps) adjusts with
    ``dataclasses.replace`` and hands to :meth:`Engine.dream`."""
    return DreamConfig(octaves=settings.octaves, octave_scale=settings.octave_scale, steps=settings.steps,
                       step_size=settings.step_size, jitter=settings.jitter, smooth=settings.smooth,
                       normalize=settings.normalize, clamp=settings.clamp)


class Engine:
    """Dreams uint8 frames; the seed and objective depend only on the frame index."""

    def __init__(self, settings: Settings, options: RunOptions, model: FeatureModel | None = None) -> None:
        """``model``: one already built for these settings (the studio keeps its previews' models)."""
        self.settings = settings
        self.model: FeatureModel = model or get_model(settings.model, settings.all_layers(),
                                                      pick_device(options.device), settings.weights)
        fit_threads(self.model.mean.device)
        self.dreamer = Dreamer(self.model, settings.precision, settings.tile, options.compile)
        self.plan: ObjectivePlan | None = None
        self.precision: dict = {"used": self.dreamer.precision}  # what the sidecar records

    @property
    def config(self) -> DreamConfig:
        """The settings' dream, as every frame gets it unless its caller hands another."""
        return dream_config(self.settings)

    def prepare(self, start: np.ndarray | None) -> Settings:
        """Build the objective schedule on the render's start image, once; return the settings to record.

        Strong channels are picked on ``start`` (the still's input, the zoom's
        origin, the clip's first frame: the same image on a resume) and guide
        features are computed at its size. The returned settings hold the resolved
        terms, so manifests and sidecars replay the render exactly.
        """
        if not self.settings.objective or start is None:
            return self.settings
        device = self.model.mean.device
        guides = {path: to_tensor(sources.load_guide(Path(path), max(start.shape[:2])), device)
                  for path in guide_paths(self.settings.objective, self.settings.model)}
        self.plan = ObjectivePlan(self.settings.objective, self.settings.objective_blend, self.model,
                                  to_tensor(start, device), guides)
        self.settings = self.settings.model_copy(update={"objective": self.plan.specs})
        return self.settings

    def objective_at(self, index: int, frame: np.ndarray) -> Objective | list[str]:
        """The objective of frame ``index``: the blended schedule, else the layers in force."""
        if self.settings.objective and self.plan is None:
            self.prepare(frame)
        return self.plan.at(index) if self.plan else self.settings.layers_at(index)

    def check_size(self, width: int, height: int, progress: Reporter | None = None) -> int:
        """Octaves that fit this frame size; a line says so when small frames drop some.

        Refuses (one line) only frames too small for the network at full size.
        """
        config = self.config
        used = usable_octaves(height, width, config, self.model.min_size)
        if used < config.octaves and progress is not None:
            under = f"under the {self.model.min_size} px the layer needs"
            # "dreaming with 0 of 1 octaves" read as "no dream at all": full size always dreams
            progress.note(f"{width}x{height}: dreaming with {used} of {config.octaves} octaves (smaller ones "
                          f"would be {under})" if used else f"{width}x{height}: dreaming at full size only (no "
                          f"smaller octaves: the {config.octaves} asked for would be {under})")
        return used

    def fit(self, width: int, height: int, progress: Reporter | None = None, most: int | None = None) -> int:
        """The octaves this frame size dreams with (:meth:`check_size`, at most ``most``), and `precision`
        fitted to their sizes (:meth:`fit_precision`): the one call before any render's first frame."""
        octaves = self.check_size(width, height, progress)
        octaves = octaves if most is None else min(most, octaves)
        self.fit_precision(width, height, octaves, progress)
        return octaves

    def fit_precision(self, width: int, height: int, octaves: int, progress: Reporter | None) -> None:
        """`precision` for the octave sizes of this frame size: auto on a CPU probes (once, cached).

        What was chosen, and the probe's figures, go to ``self.precision`` for the sidecar.
        """
        sizes = pyramid_sizes(height, width, octaves, self.settings.octave_scale)
        note = (progress or Silent()).note
        self.dreamer.plan, self.precision = choose_precision(self.settings.precision, self.dreamer, sizes, note)

    def dream_octaves(self, frame: np.ndarray, index: int, advance: Advance | None = None,
                      config: DreamConfig | None = None, same_jitter: bool = False,
                      hooks: OctaveHooks | None = None) -> DreamResult:
        """Dream one frame and keep each octave's detail (for coherence methods).

        ``config``: the dream to run (default :attr:`config`). ``same_jitter`` replays one
        jitter sequence on every frame: a video's neighbouring frames then dream alike
        instead of flickering.
        """
        image = to_tensor(frame, self.model.mean.device)
        seed = self.settings.seed + (0 if same_jitter else index)
        return self.dreamer.dream_octaves(image, config or self.config, objective=self.objective_at(index, frame),
                                          seed=seed, progress=advance, hooks=hooks)

    def dream(self, frame: np.ndarray, index: int, advance: Advance | None = None,
              config: DreamConfig | None = None) -> np.ndarray:
        """Dream one uint8 frame into another (``config``: as for :meth:`dream_octaves`)."""
        return to_uint8(self.dream_octaves(frame, index, advance, config).image)
