"""The studio's REST API: schema, presets, uploads, files, preview, validation as the CLI words it, gallery."""

from __future__ import annotations

# ruff: noqa: F811  (fixtures are imported by name, pytest injects them by name)
import io
import os
import time
from pathlib import Path

import yaml
from PIL import Image

from dreamvideo.cli import app as cli_app
from tests.conftest import IMAGES, make_clip
from tests.studio_fixtures import client, folder, make_client  # noqa: F401


def png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def test_schema_is_the_settings_schema_with_help_and_the_fields_of_each_kind(client):
    schema = client.get("/api/schema").json()
    props = schema["properties"]
    assert props["octave_scale"]["description"] == "Scale between octaves, > 1."
    assert props["octave_scale"]["default"] == 1.4 and "meta" not in props
    assert "zoom" in schema["x-kinds"]["zoom"] and "zoom" not in schema["x-kinds"]["still"]
    assert "coherence" in schema["x-kinds"]["video"]
    table = schema["x-kind-table"]  # the page lists the kinds, and which take noise or a clip, from here
    assert {name: (kind["command"], kind["input"]) for name, kind in table.items()} == {
        "still": ("dream", "image"), "zoom": ("zoom", "noise-or-image"), "video": ("video", "video")}
    assert ".png" in table["still"]["outputs"] and all(".mp4" in table[k]["outputs"] for k in ("zoom", "video"))


def test_presets_come_with_their_description_and_resolved_settings(client):
    presets = {p["name"]: p for p in client.get("/api/presets").json()}
    assert presets["seed-dive"]["settings"]["zoom"] == 1.2
    assert presets["seed-dive"]["description"]


def test_upload_then_pick_and_read_the_file(client, folder):
    data = (IMAGES / "chelsea.jpg").read_bytes()
    path = client.post("/api/uploads?name=my cat.jpg", content=data).json()["path"]
    assert path == "uploads/my-cat.jpg" and (folder / path).read_bytes() == data
    assert {"path": path} in client.get("/api/files").json()
    assert client.get(f"/files/{path}").content == data


def test_a_bad_setting_is_422_with_the_cli_line_in_the_page_words(client, runner, tmp_path):
    response = client.post("/api/jobs", json={"kind": "zoom", "settings": {"octave_scale": 0.5}})
    assert response.status_code == 422
    problem = response.json()["errors"][0]
    assert (problem["field"], problem["flag"]) == ("octave_scale", "--octave-scale")
    cli = runner.invoke(cli_app, ["zoom", "-o", str(tmp_path / "x.mp4"), "--octave-scale", "0.5"])
    # the CLI's line, with the field named as the page labels it (an artist never typed --octave-scale)
    assert cli.exit_code == 1 and problem["line"] == cli.output.strip().replace("--octave-scale", "Octave scale")
    assert problem["line"].startswith("error: Octave scale: ") and "--" not in problem["message"]
    unknown = client.post("/api/jobs", json={"kind": "zoom", "settings": {"octave_scael": 2}}).json()
    assert unknown["errors"][0]["flag"] == "--octave-scael"
    kind = client.post("/api/jobs", json={"kind": "gif", "settings": {}})
    assert kind.status_code == 422 and kind.json()["errors"][0]["field"] == "kind"
    schedule = client.post("/api/preview", json={"kind": "zoom", "settings": {"zoom": "0:(1.04 + bogus)"}})
    assert schedule.status_code == 422 and "unknown name 'bogus'" in schedule.json()["error"]
    assert client.get("/api/jobs").json() == []


def test_preview_of_a_zoom_from_noise_is_a_png_at_low_resolution(client):
    response = client.post("/api/preview", json={"kind": "zoom", "settings": {"size": "512x256", "octaves": 1,
                                                                              "steps": 2, "seed": 3}})
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert png_size(response.content) == (256, 128)
    again = client.post("/api/preview", json={"kind": "zoom", "settings": {"size": "512x256", "octaves": 1,
                                                                           "steps": 2, "seed": 3}})
    assert again.content == response.content  # seeded noise, same model: the same first frame


def test_preview_of_a_still_and_of_a_video_dream_their_first_frame(client, folder):
    (folder / "cat.jpg").write_bytes((IMAGES / "chelsea.jpg").read_bytes())
    make_clip(folder / "clip.mp4", seconds=0.5, size="96x64", audio=False)
    fast = {"octaves": 1, "steps": 2}
    still = client.post("/api/preview", json={"kind": "still", "input": "cat.jpg", "settings": fast})
    assert still.status_code == 200 and max(png_size(still.content)) == 256
    video = client.post("/api/preview", json={"kind": "video", "input": "clip.mp4", "settings": fast})
    assert video.status_code == 200 and png_size(video.content) == (96, 64)
    zoom = client.post("/api/preview", json={"kind": "zoom", "input": "cat.jpg", "settings": {**fast, "size": "96x80"}})
    assert png_size(zoom.content) == (96, 80)  # a zoom from an image covers its WxH, as the render does
    missing = client.post("/api/preview", json={"kind": "still", "settings": fast})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "input"


def test_gallery_lists_renders_by_their_sidecars_and_skips_hidden_folders(client, folder):
    def render(path: Path, meta: dict, **settings) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"video")
        path.with_name(path.name + ".yaml").write_text(yaml.safe_dump({**settings, "meta": meta}))
    render(folder / "a" / "dive.mp4", {"from": "noise"}, frames=48, fps=24.0, size=[64, 64])
    render(folder / "dreamed.mp4", {"input": "clip.mp4", "fps": "30000/1001", "frames": 30, "flicker_ratio": 1.3,
                                   "strength": 2.5})
    render(folder / ".hidden" / "x.mp4", {"from": "noise"})
    (folder / "lonely.mp4.yaml").write_text("frames: 3\n")  # a sidecar whose render is gone
    renders = {r["path"]: r for r in client.get("/api/renders").json()["renders"]}
    assert set(renders) == {"a/dive.mp4", "dreamed.mp4"}
    dive, video = renders["a/dive.mp4"], renders["dreamed.mp4"]
    assert (dive["kind"], dive["frames"], dive["duration_s"], dive["input"]) == ("zoom", 48, 2.0, "noise")
    assert "meta" not in dive["settings"] and dive["settings"]["frames"] == 48
    assert (video["kind"], video["flicker_ratio"], video["strength"], video["duration_s"]) == ("video", 1.3, 2.5, 1.0)


def test_unknown_job_is_404(client):
    assert client.get("/api/jobs/nope").status_code == 404
    assert client.delete("/api/jobs/nope").status_code == 404
    assert client.post("/api/jobs/nope/resume").status_code == 404


def test_pairs_and_layer_lists_are_read_as_the_cli_reads_them(client, runner, tmp_path):
    bad = client.post("/api/jobs", json={"kind": "zoom", "settings": {"center": "left"}}).json()["errors"][0]
    cli = runner.invoke(cli_app, ["zoom", "-o", str(tmp_path / "x.mp4"), "--center", "left"])
    assert bad["field"] == "center" and bad["line"] == cli.output.strip().replace("--center", "Center")
    layers = client.post("/api/jobs", json={"kind": "zoom", "settings": {"layers": "block5, nope"}}).json()
    assert layers["errors"][0]["flag"] == "--layer" and "nope" in layers["error"]


def test_form_text_becomes_the_settings_the_cli_would_make(folder):
    from dreamvideo.studio.forms import validate

    typed = validate({"layers": "block5, block10", "translate": "1,-2", "size": "64x48", "zoom": "1.1"}, folder)
    assert typed.layers == {0: ["block5", "block10"]} and typed.translate == {0: (1.0, -2.0)}
    assert typed.size == (64, 48) and typed.zoom == {0: 1.1}
    keyed = validate({"layers": {"0": ["block5"], "60": ["block10"]}, "zoom": "0:(1.04), 60:(1.1)"}, folder)
    assert keyed.layers == {0: ["block5"], 60: ["block10"]} and "60:(1.1)" in str(keyed.zoom)  # a Deforum string
    assert validate({}, folder, preset="seed-dive").zoom == {0: 1.2}


def test_hostile_sidecars_never_hang_break_or_bloat_the_gallery(client, folder):
    """A FIFO, an alias bomb, binary, a huge file or odd values: skipped or shown plainly, never a 500."""
    for name in ("fifo", "bomb", "binary", "huge", "odd", "nul", "good"):
        (folder / f"{name}.mp4").write_bytes(b"clip")
    os.mkfifo(folder / "fifo.mp4.yaml")  # read() on it would block the gallery forever
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))
    (folder / "bomb.mp4.yaml").write_text(laughs)  # 9**9 strings once expanded
    (folder / "binary.mp4.yaml").write_bytes(b"\x00\xff\xfe not text")
    (folder / "huge.mp4.yaml").write_text("size: 64\n" + "#" * 2_000_000)
    (folder / "odd.mp4.yaml").write_text("meta: 5\nframes: many\nfps: 0\n")
    (folder / "nul.mp4.yaml").write_text('meta: {input: "a\\0b", frames: 3, fps: "24"}\n')
    (folder / "good.mp4.yaml").write_text("size: 64\nmeta: {frames: 12, fps: 24}\n")
    (folder / "dir.mp4").mkdir()
    (folder / "dir.mp4.yaml").write_text("size: 64\n")
    started = time.monotonic()
    response = client.get("/api/renders")
    assert response.status_code == 200 and time.monotonic() - started < 10
    cards = {card["path"]: card for card in response.json()["renders"]}
    assert set(cards) == {"odd.mp4", "nul.mp4", "good.mp4"} and len(response.content) < 10_000
    assert (cards["odd.mp4"]["frames"], cards["odd.mp4"]["fps"]) == (None, None)
    assert cards["nul.mp4"]["input"] is None and cards["good.mp4"]["duration_s"] == 0.5


def test_a_body_that_is_not_json_or_is_huge_is_one_clean_line(client):
    broken = client.post("/api/jobs", content=b"{nope", headers={"content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["error"] == "error: the request body is not valid JSON"
    huge = b'{"kind": "zoom", "input": "' + b"a" * 3_000_000 + b'"}'
    declared = client.post("/api/jobs", content=huge, headers={"content-type": "application/json"})
    streamed = client.post("/api/jobs", content=iter([huge[:2_000_000], huge[2_000_000:]]),
                           headers={"content-type": "application/json"})
    for response in (declared, streamed):
        assert response.status_code == 413 and "request body larger" in response.json()["error"]
    tokenless = client.post("/api/preview", content=huge, headers={"x-studio-token": ""})
    assert tokenless.status_code == 413  # never held in memory whole, token or not


def test_the_picker_lists_only_regular_files(client, folder):
    (folder / "clip.mp4").write_bytes(b"x")
    os.mkfifo(folder / "pipe.mp4")
    (folder / "gone.png").symlink_to(folder / "clip.mp4")
    assert client.get("/api/files").json() == [{"path": "clip.mp4"}]


def test_a_preview_loads_weights_from_the_folder_and_keeps_few_models(client, folder, monkeypatch):
    from dreamvideo.errors import DreamError
    from dreamvideo.render import engine
    from dreamvideo.settings import Settings

    (folder / "w.pt").write_bytes(b"weights")
    asked = []

    def fake_model(name, layers, device, weights):
        asked.append(weights)
        if weights:
            raise DreamError("fake weights")
        return object()
    monkeypatch.setattr(engine, "get_model", fake_model)
    monkeypatch.setattr(engine, "_models", {})
    response = client.post("/api/preview", json={"kind": "zoom", "settings": {"weights": "w.pt", "size": 64}})
    assert response.json() == {"error": "error: fake weights"}
    assert asked == [str(folder / "w.pt")]  # the folder's file, not one in the server's cwd
    for layers in (["block2"], ["block3"], ["block4"], ["block3"]):
        engine.cached_model(Settings.model_validate({"layers": layers}))
    assert len(engine._models) == engine.MODELS_KEPT and len(asked) == 4  # block3 came from the cache


def test_a_body_json_cannot_parse_is_a_400_line_not_a_500(client, caplog):
    for body in (b'{"kind": "zoom", "settings": {"x": ' + b"[" * 5000 + b"]" * 5000 + b"}}",  # too deep
                 b'{"kind": "zoom", "settings": {"frames": ' + b"9" * 5000 + b"}}"):  # past int's digit limit
        response = client.post("/api/jobs", content=body, headers={"content-type": "application/json"})
        assert response.status_code in (400, 422) and "\n" not in response.json()["error"]
    assert "unexpected" not in caplog.text and client.get("/api/jobs").json() == []


def test_a_burst_of_previews_is_refused_rather_than_taking_every_thread(client, folder):
    from dreamvideo.studio.routers import preview

    client.app.state.previews = preview.WAITING  # as many as allowed are running or waiting
    response = client.post("/api/preview", json={"kind": "zoom", "settings": {"size": 64}})
    assert response.status_code == 429 and "already being dreamed" in response.json()["error"]
    with make_client(folder) as other:  # another app (another studio in this process) counts its own
        assert other.post("/api/preview", json={"kind": "zoom", "settings": {"size": 64, "octaves": 1,
                                                                              "steps": 1}}).status_code == 200


def test_another_model_over_a_preset_drops_the_presets_layers_as_the_cli_does(tmp_path):
    """lite0-textures names block5; picking VGG19 in the form takes VGG19's own layers, not block5."""
    from dreamvideo.settings import resolve
    from dreamvideo.studio.forms import validate

    checked = validate({"model": "vgg19"}, tmp_path, preset="lite0-textures")
    assert checked.layers == resolve("lite0-textures", {"model": "vgg19"}).layers
    assert checked.all_layers() != ["block5"]
