"""What the v2 page reads that the page's developer added to the server: settings groups in the schema, the
audio features under the timeline, and every static file of the page (its panels too) served by path."""

from __future__ import annotations

import numpy as np

from dreamvideo.media import audio
from tests.studio_fixtures import client, folder  # noqa: F401
from tests.test_audio import CLICKS, click_track


def test_every_field_names_its_settings_group_in_the_sections_order(client):
    schema = client.get("/api/schema").json()
    groups = {name: prop["x-group"] for name, prop in schema["properties"].items()}
    assert (groups["zoom"], groups["layers"], groups["cadence"], groups["crf"]) == ("Motion", "Dream", "Animation",
                                                                                    "Output")
    assert set(groups.values()) <= set(schema["x-groups"])
    assert schema["x-groups"].index("Dream") < schema["x-groups"].index("Output")


def test_audio_features_are_the_renders_own_per_frame_measures(client, folder):
    click_track(folder / "clicks.wav")
    body = client.get("/api/audio-features", params={"path": "clicks.wav", "fps": 24}).json()
    measured = audio.analyse(folder / "clicks.wav", 24)
    assert body["frames"] == measured.frames == 96 and set(body["features"]) == set(audio.FEATURES)
    for name in audio.FEATURES:
        assert np.allclose(body["features"][name], measured.values[name], atol=1e-3)
    onsets = np.array(body["features"]["onset"])
    assert onsets[[int(c * 24) for c in CLICKS]].min() > 0.5  # the beats are where they are heard


def test_audio_features_refuse_files_outside_the_folder_or_missing_or_silent(client, folder):
    assert client.get("/api/audio-features", params={"path": "../x.wav"}).status_code == 403
    assert client.get("/api/audio-features", params={"path": "none.wav"}).status_code == 404
    (folder / "notes.wav").write_text("not audio")
    answer = client.get("/api/audio-features", params={"path": "notes.wav"})
    assert answer.status_code == 400 and "\n" not in answer.json()["error"]


def test_the_page_and_its_panel_modules_are_served_by_path_and_nothing_else(client):
    assert 'src="/static/main.js"' in client.get("/").text
    main = client.get("/static/main.js")
    assert main.status_code == 200 and main.headers["content-type"].startswith("text/javascript")
    for line in main.text.splitlines():  # every module main.js imports is there
        if line.startswith("import ") and "/static/" in line:
            path = line.split('"')[1]
            assert client.get(path).status_code == 200, path
    for bad in ("/static/../app.py", "/static/panels/../../app.py", "/static/.hidden.js", "/static/none.js",
                "/static/panels", "/static/app.py"):
        assert client.get(bad).status_code == 404, bad
