"""The variation grid: one still along one or two settings, each cell with the settings that made it."""

from __future__ import annotations

# ruff: noqa: F811  (fixtures are imported by name, pytest injects them by name)
import shutil

from tests.conftest import IMAGES
from tests.studio_fixtures import client, folder, make_client  # noqa: F401

TINY = {"octaves": 1, "steps": 1, "jitter": 4}


def grid(client, **body):
    return client.post("/api/grid", json={"settings": TINY, "size": 64, **body})


def test_a_2x2_grid_is_four_cells_that_differ_only_along_the_axes(client, folder):
    shutil.copy(IMAGES / "chelsea.jpg", folder / "cat.jpg")
    response = grid(client, input="cat.jpg", x={"field": "layers", "values": ["block3", "block10"]},
                    y={"field": "step_size", "values": [0.05, 0.3]})
    assert response.status_code == 200, response.text
    cells = response.json()["cells"]
    assert [(c["x"], c["y"]) for c in cells] == [("block3", 0.05), ("block10", 0.05), ("block3", 0.3),
                                                 ("block10", 0.3)]
    first = cells[0]["settings"]
    for cell in cells:
        changed = {k for k in first if cell["settings"][k] != first[k]}
        assert changed <= {"layers", "step_size"}
        assert cell["settings"]["layers"] == [cell["x"]] and cell["settings"]["step_size"] == cell["y"]
    assert first["seed"] is not None  # fixed, so a cell loaded into the form dreams the same again
    images = [client.get(c["image"]) for c in cells]
    assert all(r.status_code == 200 and r.headers["content-type"] == "image/png" for r in images)
    assert len({r.content for r in images}) == 4
    assert grid(client, input="cat.jpg", x={"field": "layers", "values": ["block3", "block10"]},
                y={"field": "step_size", "values": [0.05, 0.3]}).json()["cached"]


def test_the_seed_varies_only_along_a_seed_axis(client):
    cells = grid(client, x={"field": "seed", "values": [1, 2]}).json()["cells"]
    assert [c["settings"]["seed"] for c in cells] == [1, 2]
    assert client.get(cells[0]["image"]).content != client.get(cells[1]["image"]).content


def test_a_bad_axis_is_one_plain_line_naming_it(client):
    unknown = grid(client, x={"field": "bogus", "values": [1]})
    assert unknown.status_code == 422
    line = unknown.json()["error"]
    assert "'bogus' is not a setting" in line and "step size" in line and "--" not in line and "\n" not in line
    zoom = grid(client, x={"field": "zoom", "values": [1.1]}).json()["error"]
    assert "does not change a still" in zoom
    value = grid(client, x={"field": "octaves", "values": [1]}, y={"field": "step_size", "values": [0.1, 5]})
    assert value.status_code == 422 and value.json()["errors"][0]["field"] == "y"
    assert "step size 5" in value.json()["error"] and "--" not in value.json()["error"]
    many = grid(client, x={"field": "seed", "values": [1, 2, 3, 4, 5]})
    assert many.status_code == 422 and "1 to 4 values" in many.json()["error"]
    same = grid(client, x={"field": "seed", "values": [1]}, y={"field": "seed", "values": [2]})
    assert same.status_code == 422 and "both axes" in same.json()["error"]


def test_a_model_axis_refuses_a_model_without_weights_before_dreaming(client, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    response = grid(client, x={"field": "model", "values": ["efficientnet-lite0", "googlenet"]})
    assert response.status_code == 400 and "googlenet-1378be20.pth" in response.json()["error"]


def test_the_grid_is_behind_the_token(client, folder):
    cells = grid(client, x={"field": "seed", "values": [3]}).json()["cells"]
    with make_client(folder) as stranger:
        stranger.headers.pop("x-studio-token")
        assert stranger.post("/api/grid", json={"x": {"field": "seed", "values": [1]}}).status_code == 401
        assert stranger.get(cells[0]["image"]).status_code == 401
