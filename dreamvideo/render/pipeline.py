"""Renders: a still dream, a zoom ("dive") video, and a dreamed video clip.

Each render loads its model once, keeps finished frames in a work folder so an
interrupted render resumes where it stopped, writes its output atomically, and
leaves a ``OUTPUT.yaml`` sidecar that reproduces it when passed back as a preset.
"""

from __future__ import annotations

import json
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch
import torchvision
import yaml

from .. import __version__
from ..core.dream import DreamConfig, Dreamer, check_pyramid
from ..core.transforms import to_tensor, to_uint8, zoom
from ..errors import DreamError, Interrupted
from ..media import sources
from ..media.encode import IMAGE_SUFFIXES, VIDEO_SUFFIXES, VideoWriter, atomic, check_output, save_image
from ..models import FeatureModel, get_model
from ..motion import flow
from ..progress import Reporter, Silent
from ..settings import Settings

# Settings that change only the encoding, not the frames: a resume may change them.
ENCODING_ONLY = {"frames", "fps", "crf", "description", "meta"}
MANIFEST = "manifest.json"


@dataclass
class RunOptions:
    """Per-run choices that are not part of a style."""

    device: str | None = None
    restart: bool = False
    frames_dir: Path | None = None
    compile: bool = False


def pick_device(name: str | None) -> torch.device:
    """CUDA when present, unless told otherwise."""
    if not name:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DreamError(f"unknown device '{name}'; use cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DreamError(f"device '{name}' asked for, but no CUDA GPU is available; use --device cpu")
    return device


def dream_config(settings: Settings, steps: int | None = None) -> DreamConfig:
    return DreamConfig(octaves=settings.octaves, octave_scale=settings.octave_scale,
                       steps=steps or settings.steps, step_size=settings.step_size,
                       jitter=settings.jitter, smooth=settings.smooth,
                       normalize=settings.normalize, clamp=settings.clamp)


class Engine:
    """The model and dreamer for one render: built once, used for every frame."""

    def __init__(self, settings: Settings, options: RunOptions) -> None:
        self.settings = settings
        self.model: FeatureModel = get_model(settings.model, settings.all_layers(),
                                             pick_device(options.device), settings.weights)
        self.dreamer = Dreamer(self.model, settings.precision, settings.tile, options.compile)

    def check_size(self, width: int, height: int) -> None:
        check_pyramid(height, width, dream_config(self.settings), self.model.min_size)

    def dream(self, frame: np.ndarray, index: int, progress=None, steps: int | None = None,
              same_jitter: bool = False) -> np.ndarray:
        """Dream one uint8 frame; the seed and layers depend only on the frame index.

        ``same_jitter`` replays one jitter sequence on every frame: a video's
        neighbouring frames then dream alike instead of flickering.
        """
        image = to_tensor(frame, self.model.mean.device)
        seed = self.settings.seed + (0 if same_jitter else index)
        out = self.dreamer.dream(image, dream_config(self.settings, steps),
                                 objective=self.settings.layers_at(index), seed=seed, progress=progress)
        return to_uint8(out)


def _changed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Names of the manifest entries that differ, looking inside the settings."""
    flat_old = {**old, **old.get("settings", {})}
    flat_new = {**new, **new.get("settings", {})}
    return sorted(k for k in set(flat_old) | set(flat_new)
                  if k != "settings" and flat_old.get(k) != flat_new.get(k))


class FrameStore:
    """Finished frames as lossless PNGs plus a manifest of the settings that made them.

    Frames are quantised to uint8 before they feed the next frame, so a resumed
    render continues from the PNG exactly as the uninterrupted one would have.
    """

    def __init__(self, folder: Path, manifest: dict[str, Any], restart: bool) -> None:
        self.folder = folder
        path = folder / MANIFEST
        if restart:
            for png in folder.glob("frame_*.png"):
                png.unlink()
        elif path.is_file():
            old = self._read(path)
            if old != manifest:
                raise DreamError(f"settings changed since the frames in {folder} were made "
                                 f"({', '.join(_changed(old, manifest))}); add --restart to start over")
        elif any(folder.glob("frame_*.png")):
            raise DreamError(f"{folder} holds frames of another render; add --restart to replace them "
                             "or choose another --frames-dir")
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest, indent=1, sort_keys=True))

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            raise DreamError(f"cannot read {path}; add --restart to start over") from None

    @classmethod
    def saved_seed(cls, folder: Path) -> int | None:
        """The seed of an earlier, unfinished render, so a resume without --seed matches it."""
        try:
            return cls._read(folder / MANIFEST)["settings"].get("seed")
        except (DreamError, KeyError, AttributeError):
            return None

    def path(self, index: int) -> Path:
        return self.folder / f"frame_{index:06d}.png"

    def done(self) -> int:
        """How many frames, counted from the first, are already finished."""
        count = 0
        while self.path(count).is_file():
            count += 1
        return count

    def load(self, index: int) -> np.ndarray:
        return sources.load_image(self.path(index))

    def save(self, index: int, frame: np.ndarray) -> None:
        save_image(self.path(index), frame, fast=True)


def _with_seed(settings: Settings, work: Path | None) -> Settings:
    if settings.seed is not None:
        return settings
    seed = (FrameStore.saved_seed(work) if work else None)
    return settings.model_copy(update={"seed": seed if seed is not None else secrets.randbelow(2**31)})


def _manifest(kind: str, settings: Settings, **inputs: Any) -> dict[str, Any]:
    data = {k: v for k, v in settings.to_yaml_dict().items() if k not in ENCODING_ONLY}
    return json.loads(json.dumps({"kind": kind, "settings": data, **inputs}, default=str))


def write_sidecar(output: Path, settings: Settings, engine: Engine, **extra: Any) -> Path:
    """``OUTPUT.yaml``: resolved settings plus where the weights and versions came from."""
    meta = {"dreamvideo": __version__, "torch": torch.__version__,
            "torchvision": torchvision.__version__, "weights_source": engine.model.weights_source,
            "output": output.name, **extra}
    data = settings.model_copy(update={"meta": meta}).to_yaml_dict()
    sidecar = output.with_name(output.name + ".yaml")
    with atomic(sidecar) as tmp:
        tmp.write_text(yaml.safe_dump(data, sort_keys=False, width=1000))
    return sidecar


def work_folder(output: Path, options: RunOptions) -> Path:
    return options.frames_dir or output.with_name(f".{output.name}.frames")


def _finish(store: FrameStore, options: RunOptions) -> None:
    """The work folder goes once the video is safe, unless the user asked to keep frames.

    Kept frames keep their manifest: the same command again re-encodes them without
    dreaming, and other settings are refused until --restart.
    """
    if options.frames_dir is None:
        shutil.rmtree(store.folder, ignore_errors=True)


def _interrupted(store: FrameStore, done: int) -> Interrupted:
    return Interrupted(f"interrupted: {done} finished frame(s) kept in {store.folder}; "
                       "run the same command again to resume")


# ---------------------------------------------------------------- still image

def _longest_side(settings: Settings) -> int | None:
    """--size as a longest side, for inputs that keep their own aspect ratio."""
    return max(settings.size) if isinstance(settings.size, tuple) else settings.size


def render_image(settings: Settings, source: Path, output: Path, options: RunOptions,
                 progress: Reporter = Silent()) -> Path:
    """Dream one image file into another."""
    check_output(output, IMAGE_SUFFIXES)
    frame = sources.load_image(source, _longest_side(settings))
    settings = _with_seed(settings, None)
    engine = Engine(settings, options)
    engine.check_size(frame.shape[1], frame.shape[0])
    steps = progress.task("dreaming", dream_config(settings).total_steps)
    save_image(output, engine.dream(frame, 0, steps))
    write_sidecar(output, settings, engine, input=str(source))
    return output


# ---------------------------------------------------------------- zoom

def zoom_start(start: str, settings: Settings) -> np.ndarray:
    """The first frame: seeded noise (default 512x512) or an image fitted to --size."""
    size = settings.size
    if start == "noise":
        width, height = (size, size) if isinstance(size, int) else size or (512, 512)
        return sources.noise(width, height, settings.seed)
    if isinstance(size, tuple):
        return sources.load_image(Path(start), cover=size)
    return sources.load_image(Path(start), size)


def zoom_step(frame: np.ndarray, settings: Settings, index: int) -> np.ndarray:
    """The camera move into frame ``index``: zoom, rotate, translate."""
    moved = zoom(to_tensor(frame), settings.at("zoom", index), settings.at("rotate", index),
                 settings.at("translate", index))
    return to_uint8(moved)


def render_zoom(settings: Settings, start: str, output: Path, options: RunOptions,
                progress: Reporter = Silent()) -> Path:
    """Dream, zoom, dream again, frame after frame; resumable."""
    check_output(output, VIDEO_SUFFIXES)
    work = work_folder(output, options)
    settings = _with_seed(settings, None if options.restart else work)
    frame = zoom_start(start, settings)
    engine = Engine(settings, options)
    engine.check_size(frame.shape[1], frame.shape[0])
    store = FrameStore(work, _manifest("zoom", settings, source=start), options.restart)
    frames = progress.task("frames", settings.frames)
    steps = progress.task("steps", dream_config(settings).total_steps)
    try:
        with VideoWriter(output, settings.fps, settings.crf) as writer:
            for index in range(settings.frames):
                if store.path(index).is_file():
                    frame = store.load(index)
                else:
                    if index:
                        frame = zoom_step(frame, settings, index)
                    progress.reset(steps)
                    frame = engine.dream(frame, index, steps)
                    store.save(index, frame)
                writer.write(frame)
                frames(1)
    except KeyboardInterrupt:
        raise _interrupted(store, store.done()) from None
    write_sidecar(output, settings, engine, **{"from": start})
    _finish(store, options)
    return output


# ---------------------------------------------------------------- video

def _video_span(info: sources.VideoInfo, settings: Settings) -> tuple[float, float]:
    end = min(settings.end, info.duration) if settings.end and info.duration else (settings.end or info.duration)
    if info.duration and settings.start >= info.duration:
        raise DreamError(f"--start {settings.start:g}s is beyond the end of {info.path.name} "
                         f"({info.duration:.2f}s)")
    if end and end <= settings.start:
        raise DreamError(f"--end {end:g}s must be after --start {settings.start:g}s")
    return settings.start, end


class Coherence:
    """Builds each frame's starting point from the previous dream (blend or flow)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.prev_raw: np.ndarray | None = None
        self.prev_dream: np.ndarray | None = None

    def start(self, raw: np.ndarray, index: int) -> tuple[np.ndarray, int | None]:
        """The image to dream for this frame and the steps to spend on it."""
        mode, weight = self.settings.coherence, self.settings.at("blend", index)
        if self.prev_dream is None or mode == "none":
            return raw, None
        raw_f = raw.astype(np.float32)
        if mode == "blend":
            mixed = (1 - weight) * raw_f + weight * self.prev_dream.astype(np.float32)
            return np.clip(mixed + 0.5, 0, 255).astype(np.uint8), None
        # flow: move the previous dream's detail (dream - raw) onto this frame, masked
        # where pixels were occluded or revealed, and add a share of it.
        back = flow.flow(raw, self.prev_raw)
        mask = flow.consistency_mask(back, flow.flow(self.prev_raw, raw))[..., None]
        detail = self.prev_dream.astype(np.float32) - self.prev_raw.astype(np.float32)
        carried = flow.warp(detail, back) * mask * weight
        steps = self.settings.flow_steps or max(1, self.settings.steps // 2)
        return np.clip(raw_f + carried + 0.5, 0, 255).astype(np.uint8), steps

    def remember(self, raw: np.ndarray, dream: np.ndarray) -> None:
        self.prev_raw, self.prev_dream = raw, dream


def render_video(settings: Settings, source: Path, output: Path, options: RunOptions,
                 progress: Reporter = Silent()) -> Path:
    """Dream every frame of a clip with temporal coherence, keeping fps and audio."""
    check_output(output, VIDEO_SUFFIXES)
    info = sources.probe(source)
    start, end = _video_span(info, settings)
    size = sources.fit_longest(info.width, info.height, _longest_side(settings), even=True)
    work = work_folder(output, options)
    settings = _with_seed(settings, None if options.restart else work)
    engine = Engine(settings, options)
    engine.check_size(*size)
    stat = source.stat()
    store = FrameStore(work, _manifest("video", settings, input=str(source.resolve()),
                                       input_size=stat.st_size, input_mtime=stat.st_mtime), options.restart)
    expected = round((end - start) * info.fps) if end else None
    if settings.max_frames:
        expected = min(expected or settings.max_frames, settings.max_frames)
    keep_audio = info.has_audio and end and output.suffix.lower() == ".mp4"
    audio = (source, start, end - start) if keep_audio else None
    frames = progress.task("frames", expected)
    steps = progress.task("steps", dream_config(settings).total_steps)
    coherence = Coherence(settings)
    count = 0
    try:
        with VideoWriter(output, info.fps, settings.crf, audio) as writer:
            decoded = sources.prefetch(sources.read_frames(info, size, start, end, settings.max_frames))
            for index, raw in enumerate(decoded):
                if store.path(index).is_file():
                    dreamed = store.load(index)
                else:
                    initial, n_steps = coherence.start(raw, index)
                    progress.reset(steps)
                    dreamed = engine.dream(initial, index, steps, n_steps, same_jitter=True)
                    store.save(index, dreamed)
                coherence.remember(raw, dreamed)
                writer.write(dreamed)
                frames(1)
                count += 1
            if count == 0:
                raise DreamError(f"{source.name} has no video frames between {start:g}s and "
                                 f"{end or info.duration:g}s")
    except KeyboardInterrupt:
        raise _interrupted(store, store.done()) from None
    write_sidecar(output, settings, engine, input=str(source), fps=str(info.fps), frames=count)
    _finish(store, options)
    return output


def iter_frames(path: Path) -> Iterator[np.ndarray]:
    """Every frame of a rendered video, for checks and benchmarks."""
    info = sources.probe(path)
    yield from sources.read_frames(info, (info.width, info.height))
