"""The model pick list and the layer atlas: one input dreamed at several layers, cached, behind the token."""

from __future__ import annotations

# ruff: noqa: F811  (fixtures are imported by name, pytest injects them by name)
import io
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dreamvideo.studio.models import atlas_layers
from tests.conftest import IMAGES
from tests.studio_fixtures import client, folder, make_client  # noqa: F401

TINY = {"octaves": 1, "steps": 1, "jitter": 4}


@pytest.fixture
def cat(folder: Path) -> str:
    shutil.copy(IMAGES / "chelsea.jpg", folder / "cat.jpg")
    return "cat.jpg"


@pytest.fixture
def empty_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Torch's hub cache as an empty folder, and a download that fails the test: nothing may be fetched."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))

    def no_download(*args, **kwargs):
        raise AssertionError("the studio tried to download weights")
    monkeypatch.setattr("dreamvideo.models.weights.download", no_download)
    return tmp_path / "torch" / "hub" / "checkpoints"


def picture(client, url: str) -> np.ndarray:
    response = client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB")).astype(np.float32)


def test_models_say_which_weights_are_here_and_how_to_get_the_others(client, empty_hub):
    models = {m["name"]: m for m in client.get("/api/models").json()}
    lite = models["efficientnet-lite0"]
    assert lite["available"] and lite["how"] is None and "block10" in lite["default_layers"]
    assert set(lite["default_layers"]) <= set(lite["layers"])
    vgg = models["vgg19"]
    assert not vgg["available"] and "download https://" in vgg["how"] and "--" not in vgg["how"]
    assert "conv4_1" in vgg["layers"] and "\n" not in vgg["how"]
    empty_hub.mkdir(parents=True)
    (empty_hub / "vgg19-dcbb9e9d.pth").write_bytes(b"cached")  # what a download leaves in the hub cache
    vgg = {m["name"]: m for m in client.get("/api/models").json()}["vgg19"]
    assert vgg["available"] and vgg["how"] is None
    schema = client.get("/api/schema").json()["properties"]
    assert "vgg19" in schema["model"]["x-choices"] and "x-choices" not in schema["layers"]  # text: lists, keyframes


def test_an_atlas_is_one_different_picture_per_layer_spread_over_the_depth(client, cat):
    response = client.post("/api/atlas", json={"input": cat, "size": 64, "settings": TINY})
    assert response.status_code == 200, response.text
    answer = response.json()
    layers = [entry["layer"] for entry in answer["layers"]]
    assert answer["model"] == "efficientnet-lite0" and not answer["cached"]
    assert len(layers) == len(set(layers)) == 6 and "block10" in layers  # the default look is always there
    pictures = [picture(client, entry["image"]) for entry in answer["layers"]]
    assert all(max(p.shape[:2]) == 64 for p in pictures)
    for i, first in enumerate(pictures):
        for second in pictures[i + 1:]:
            assert np.abs(first - second).mean() > 0.5  # each layer dreams its own picture


def test_a_second_atlas_of_the_same_input_is_cached_and_a_changed_input_is_not(client, folder, cat):
    ask = {"input": cat, "size": 64, "settings": TINY, "layers": ["block2", "block5"]}
    first = client.post("/api/atlas", json=ask).json()
    again = client.post("/api/atlas", json=ask).json()
    assert again["cached"] and again["layers"] == first["layers"] and again["seconds"] < first["seconds"]
    other = client.post("/api/atlas", json={**ask, "settings": {**TINY, "step_size": 0.2}}).json()
    assert not other["cached"] and other["layers"] != first["layers"]
    stat = (folder / cat).stat()
    os.utime(folder / cat, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # the file changed
    assert not client.post("/api/atlas", json=ask).json()["cached"]


def test_a_model_without_its_weights_is_refused_with_how_to_get_them(client, cat, empty_hub):
    response = client.post("/api/atlas", json={"input": cat, "model": "vgg19", "size": 64, "settings": TINY})
    assert response.status_code == 400
    line = response.json()["error"]
    assert "\n" not in line and "not on this machine" in line and "vgg19-dcbb9e9d.pth" in line


def test_a_layer_too_deep_for_the_size_is_one_plain_line(client, cat):
    response = client.post("/api/atlas", json={"input": cat, "size": 32, "settings": TINY, "layers": ["head"]})
    assert response.status_code == 400
    line = response.json()["error"]
    assert "too small for layer head" in line and "--" not in line
    noise = client.post("/api/atlas", json={"input": None, "size": 32, "settings": TINY}).json()
    assert all(entry["layer"] != "head" for entry in noise["layers"])  # picked from the layers that fit


def test_an_atlas_waits_its_turn_with_the_previews(client, cat):
    from dreamvideo.studio.routers import preview

    client.app.state.previews = preview.WAITING
    response = client.post("/api/atlas", json={"input": cat, "size": 64, "settings": TINY})
    assert response.status_code == 429 and "\n" not in response.json()["error"]


def test_atlas_pictures_are_served_by_key_only_and_behind_the_token(client, folder, cat):
    answer = client.post("/api/atlas", json={"input": cat, "size": 64, "settings": TINY,
                                             "layers": ["block3"]}).json()
    url = answer["layers"][0]["image"]
    assert client.get(url.replace("block3", "block4")).status_code == 404
    assert client.get(f"/api/atlas/{answer['key']}/..%2Findex.png").status_code == 404
    assert client.get(f"/files/.studio/atlas/{answer['key']}/block3.png").status_code in (403, 404)
    with make_client(folder) as stranger:
        stranger.headers.pop("x-studio-token")
        for method, path in (("get", url), ("get", "/api/models"), ("post", "/api/atlas")):
            assert getattr(stranger, method)(path).status_code == 401


def test_atlas_layers_spread_over_the_depth_that_fits():
    vgg = atlas_layers("vgg19", 512)
    assert len(vgg) == 6 and "conv4_1" in vgg and all(name.startswith("conv") for name in vgg)
    assert vgg[-1] == "conv5_4"  # down to the deepest
    small = atlas_layers("efficientnet-lite0", 40)  # block11 and deeper need 64 px
    assert "block15" not in small and "head" not in small and len(small) == 6


def test_the_server_answers_while_an_atlas_dreams(client, cat, monkeypatch):
    import threading

    import dreamvideo.studio.atlas as atlas

    dreaming, release = threading.Event(), threading.Event()
    real = atlas.dream_all

    def slow(frame, variants):
        dreaming.set()
        release.wait(30)
        return real(frame, variants)
    monkeypatch.setattr(atlas, "dream_all", slow)
    answers = []
    worker = threading.Thread(target=lambda: answers.append(client.post("/api/atlas", json={
        "input": cat, "size": 64, "settings": TINY, "layers": ["block1"]})))
    worker.start()
    try:
        assert dreaming.wait(30)
        began = time.monotonic()
        assert client.get("/api/models").status_code == 200
        assert time.monotonic() - began < 20  # not held behind the dream (it waits 30 s for release)
        assert client.app.state.previews == 1  # counted with the previews while it runs
    finally:
        release.set()
        worker.join(60)
    assert answers[0].status_code == 200 and client.app.state.previews == 0
