"""Formats in the studio: the schema carries the formats table and the input types; uploads and the picker take
exactly those inputs; the gallery plays what browsers play and gives the rest a poster frame and a download."""

from __future__ import annotations

# ruff: noqa: F811  (fixtures are imported by name, pytest injects them by name)
import io
import zipfile

from PIL import Image

from dreamvideo.media.formats import output_formats
from tests.studio_fixtures import TINY, client, folder, make_render  # noqa: F401
from tests.test_studio_jobs import _hold

NOT_INPUTS = (".txt", ".html", ".svg", ".exe", ".yaml", ".py", ".psd", ".heic", ".json", ".mpg")


def test_the_schema_carries_every_output_format_and_the_input_types(client):
    schema = client.get("/api/schema").json()
    listed = {(f["suffix"], f["codec"], f["sequence"]): f for f in schema["x-formats"]}
    assert len(listed) == len(output_formats())
    for fmt in output_formats():
        shown = listed[(fmt.suffix, fmt.codec, fmt.sequence)]
        assert (shown["default"], shown["browser"], shown["audio"], shown["purpose"]) == (
            fmt.default, fmt.browser, fmt.audio, fmt.purpose)
    webm = [f for f in schema["x-formats"] if f["suffix"] == ".webm"]
    assert {f["codec"] for f in webm} >= {"vp9", "av1"} and [f["codec"] for f in webm if f["default"]] == ["vp9"]
    assert all(not f["browser"] for f in schema["x-formats"] if f["suffix"] == ".mov")  # a poster, not a player
    assert [f["bit_depths"] for f in schema["x-formats"] if f["sequence"]] == [[8, 16]]
    inputs, table = schema["x-inputs"], schema["x-kind-table"]
    assert ".tif" in inputs["still image"] and ".apng" in inputs["animated image"] and ".mov" in inputs["video"]
    assert ".tif" in table["still"]["accepts"] and ".mp4" not in table["still"]["accepts"]
    assert {".webm", ".gif", ".apng"} <= set(table["video"]["accepts"]) and ".tif" not in table["video"]["accepts"]


def test_uploads_and_the_picker_take_exactly_the_listed_input_types(client, folder):
    listed = {s for suffixes in client.get("/api/schema").json()["x-inputs"].values() for s in suffixes}
    assert {".tif", ".tiff", ".aac", ".gif", ".mp4"} <= listed  # uploads once took .tif/.aac the picker never listed
    for suffix in sorted(listed | set(NOT_INPUTS)):
        response = client.post(f"/api/uploads?name=f{suffix}", content=b"data")
        assert response.status_code == (200 if suffix in listed else 415), suffix
        (folder / f"by-hand{suffix}").write_bytes(b"data")  # a file put in the folder some other way
    picked = {entry["path"] for entry in client.get("/api/files").json()}
    assert picked == {f"uploads/f{s}" for s in listed} | {f"by-hand{s}" for s in listed}


def test_the_gallery_plays_webm_webp_and_apng_and_gives_a_mov_a_poster(client, folder):
    for name, codec in (("web.webm", None), ("loop.webp", None), ("loop.apng", None), ("old.gif", None),
                        ("h264.mp4", None), ("edit.mov", None), ("vj.mov", "hap")):
        make_render(folder / "r" / name, codec)
    gallery = {r["path"]: r for r in client.get("/api/renders").json()["renders"]}
    assert {path: gallery[path]["play"] for path in gallery} == {
        "r/web.webm": "video", "r/h264.mp4": "video", "r/loop.webp": "image", "r/loop.apng": "image",
        "r/old.gif": "image", "r/edit.mov": None, "r/vj.mov": None}
    assert (gallery["r/edit.mov"]["format"], gallery["r/vj.mov"]["format"]) == (".mov prores", ".mov hap")
    for path in ("r/web.webm", "r/loop.webp", "r/loop.apng"):
        assert gallery[path]["poster"] is None and gallery[path]["frames"] == 12
        served = client.get(gallery[path]["download"])
        assert served.status_code == 200 and served.headers["content-type"].split("/")[0] in ("video", "image")
    for path in ("r/edit.mov", "r/vj.mov"):
        entry = gallery[path]
        assert client.get(entry["download"]).content == (folder / path).read_bytes()
        poster = client.get(entry["poster"])
        assert poster.status_code == 200 and poster.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(poster.content)).size == (64, 48)


def test_a_poster_is_made_once_kept_inside_the_folder_and_made_again_for_a_new_render(client, folder):
    make_render(folder / "edit.mov")
    first = client.get("/api/poster?path=edit.mov")
    cached = list((folder / ".studio" / "posters").glob("*.png"))
    assert first.status_code == 200 and len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    assert client.get("/api/poster?path=edit.mov").content == first.content and cached[0].stat().st_mtime_ns == stamp
    assert client.get(f"/files/.studio/posters/{cached[0].name}").status_code == 404  # internals stay hidden
    make_render(folder / "edit.mov", size="96x64")  # rendered again: a new poster replaces the old one
    again = client.get("/api/poster?path=edit.mov")
    assert Image.open(io.BytesIO(again.content)).size == (96, 64)
    assert [p.name for p in (folder / ".studio" / "posters").glob("*.png")] != [cached[0].name]
    assert len(list((folder / ".studio" / "posters").glob("*.png"))) == 1


def test_posters_refuse_paths_outside_hidden_or_not_clips_in_one_line(client, folder):
    (folder / "broken.mov").write_bytes(b"not a movie at all")
    (folder / "notes.txt").write_text("notes")
    (folder / ".hidden.mov").write_bytes(b"x")
    for path, codes in (("../outside.mov", (403, 404)), ("missing.mov", (404,)), ("notes.txt", (404,)),
                        (".hidden.mov", (404,)), ("broken.mov", (400, 422))):
        response = client.get("/api/poster", params={"path": path})
        assert response.status_code in codes and "\n" not in response.json()["error"], (path, response.text)
    assert "broken.mov" in client.get("/api/poster?path=broken.mov").json()["error"]
    assert client.get("/api/poster?path=broken.mov", headers={"x-studio-token": "wrong"}).status_code in (401, 403)


def test_an_image_sequence_shows_its_first_frame_and_downloads_as_one_zip_of_only_its_frames(client, folder):
    frames = make_render(folder / "shots" / "dive_%05d.png", frames=5).parent
    (frames / "notes.png").write_bytes((frames / "dive_00001.png").read_bytes())  # the user's, not a frame
    entry = client.get("/api/renders").json()["renders"][0]
    assert (entry["path"], entry["kind"], entry["frames"], entry["play"]) == ("shots/dive_%05d.png", "zoom", 5, None)
    assert entry["format"] == "image sequence" and entry["poster"] == "/files/shots/dive_00001.png"
    assert client.get(entry["poster"]).content == (frames / "dive_00001.png").read_bytes()
    download = client.get(entry["download"])
    assert download.headers["content-disposition"] == 'attachment; filename="dive.zip"'
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert archive.namelist() == [f"dive_{n:05d}.png" for n in range(1, 6)]
        assert archive.read("dive_00003.png") == (frames / "dive_00003.png").read_bytes()
    for path in ("shots/notes.png", "shots/dive_%05d.jpg", "../shots/dive_%05d.png"):  # not a sequence render
        assert client.get("/api/frames", params={"path": path}).status_code in (403, 404), path


def test_a_job_without_a_name_gets_the_format_chosen_for_it(client):
    _hold(client)
    outputs = client.get("/api/schema").json()["x-kind-table"]["zoom"]["outputs"]
    for suffix in outputs:
        made = client.post("/api/jobs", json={"kind": "zoom", "suffix": suffix, "settings": TINY})
        assert made.status_code == 200 and made.json()["output"].endswith(suffix), made.text
    refused = client.post("/api/jobs", json={"kind": "zoom", "suffix": ".mkv", "settings": TINY})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "output"
