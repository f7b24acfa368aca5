"""The gallery as an artist uses it: pages with plain figures, download, delete into the folder's trash and
restore, presets the CLI reads, the last settings per kind, settings recalled from a render, named events."""

from __future__ import annotations

# ruff: noqa: F811  (fixtures are imported by name, pytest injects them by name)
import os
import time

import yaml

from tests.studio_fixtures import TINY, client, folder, make_render  # noqa: F401
from tests.test_studio_jobs import _hold


def sidecar_render(path, meta: dict, size: int = 1_234_567, **settings) -> None:
    """A render's file of ``size`` bytes and its sidecar (nothing is dreamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    path.with_name(path.name + ".yaml").write_text(yaml.safe_dump({**settings, "meta": meta}))


def test_the_gallery_comes_in_pages_newest_first_with_the_total(client, folder):
    for number in range(5):
        sidecar_render(folder / "renders" / f"r{number}.mp4", {"from": "noise"}, size=10, frames=4, fps=24)
        os.utime(folder / "renders" / f"r{number}.mp4", (1000 + number, 1000 + number))
    first = client.get("/api/renders?offset=0&limit=2").json()
    second = client.get("/api/renders?offset=2&limit=2").json()
    assert first["total"] == second["total"] == 5
    assert [r["path"] for r in first["renders"] + second["renders"]] == [f"renders/r{n}.mp4" for n in (4, 3, 2, 1)]
    assert len(client.get("/api/renders").json()["renders"]) == 5


def test_a_card_has_rounded_facts_a_download_and_says_when_it_is_a_preview(client, folder):
    sidecar_render(folder / "dive.mp4", {"input": "clip.mp4", "fps": "24", "frames": 48,
                                         "flicker_ratio": 1.1902357337860496})
    sidecar_render(folder / "path.mp4", {"from": "noise", "preview": True}, frames=12, fps=12.0)
    cards = {r["path"]: r for r in client.get("/api/renders").json()["renders"]}
    dive = cards["dive.mp4"]
    assert dive["facts"] == {"frames": "48", "length": "2 s", "flicker": "1.19", "size": "1.2 MB"}
    assert dive["preview"] is False and cards["path.mp4"]["preview"] is True
    assert dive["download"] == "/files/dive.mp4?download=1" and dive["poster"] is None
    saved = client.get(dive["download"])
    assert saved.headers["content-disposition"].startswith("attachment") and len(saved.content) == 1_234_567


def test_a_studio_render_shows_its_whole_time_and_rate(client, folder):
    from dreamvideo.studio.jobs import Job

    sidecar_render(folder / "renders" / "z.mp4", {"from": "noise"}, frames=24, fps=24)
    job = Job("j1", "zoom", "noise", "renders/z.mp4", {}, state="done", frames_done=24, frames_total=24,
              run_s=16.8, made=24, finished=time.time())
    client.app.state.jobs.jobs[job.id] = job
    facts = client.get("/api/renders").json()["renders"][0]["facts"]
    assert (facts["time"], facts["rate"]) == ("17 s", "0.7 s/frame")


def test_human_figures(folder):
    from dreamvideo.studio.gallery import seconds, size

    assert [seconds(s) for s in (2.54, 16.2, 200, 3900)] == ["2.5 s", "16 s", "3 min 20 s", "1 h 5 min"]
    assert [size(n) for n in (12, 640_000, 1_234_567, 25_000_000_000)] == ["12 B", "640 KB", "1.2 MB", "25 GB"]


def test_delete_moves_a_render_into_the_trash_and_restore_puts_it_back(client, folder):
    sidecar_render(folder / "renders" / "dive.mp4", {"from": "noise"}, size=100, frames=4)
    frames = make_render(folder / "shots" / "seq_%05d.png", frames=3).parent
    (frames / "notes.png").write_bytes(b"not a frame")
    gone = client.delete("/api/renders/renders/dive.mp4").json()["trash_id"]
    # a pattern's % is sent as %25 (the TestClient decodes a path twice, a server once: hence %2525)
    seq = client.delete("/api/renders/shots/seq_%252505d.png").json()["trash_id"]
    assert not (folder / "renders" / "dive.mp4").exists() and not (folder / "renders" / "dive.mp4.yaml").exists()
    assert sorted(p.name for p in frames.iterdir()) == ["notes.png"]  # only the render's own frames went
    assert client.get("/api/renders").json()["total"] == 0
    trash = {item["id"]: item for item in client.get("/api/trash").json()}
    assert set(trash) == {gone, seq} and trash[gone]["path"] == "renders/dive.mp4"
    assert client.get(f"/files/.studio/trash/{gone}/files/1").status_code == 404  # internals stay hidden
    assert client.post(f"/api/trash/{gone}/restore").status_code == 200
    assert (folder / "renders" / "dive.mp4").read_bytes() == b"x" * 100
    (folder / "shots" / "seq_00002.png").write_bytes(b"a new file took the name")
    refused = client.post(f"/api/trash/{seq}/restore")
    assert refused.status_code == 409 and "seq_00002.png exists" in refused.json()["error"]
    assert (folder / "shots" / "seq_00002.png").read_bytes() == b"a new file took the name"
    assert {r["path"] for r in client.get("/api/renders").json()["renders"]} == {"renders/dive.mp4"}
    assert client.delete("/api/renders/nothing.mp4").status_code == 404
    assert client.delete("/api/renders/../x.mp4").status_code in (403, 404)
    assert client.post("/api/trash/..%2F..%2Fx/restore").status_code == 404


def test_a_render_being_written_cannot_be_deleted(client, folder):
    _hold(client)
    sidecar_render(folder / "dive.mp4", {"from": "noise"}, frames=4)
    client.post("/api/jobs", json={"kind": "zoom", "output": "dive.mp4", "settings": TINY, "replace": True})
    assert client.delete("/api/renders/dive.mp4").status_code == 409


def test_a_saved_preset_is_listed_and_the_cli_reads_it(client, folder):
    from dreamvideo.settings import resolve

    body = {"name": "my-look", "kind": "zoom", "settings": {"zoom": "1.05", "octaves": 2, "layers": "block5"}}
    saved = client.post("/api/presets", json=body)
    assert saved.status_code == 200 and saved.json()["path"] == "presets/my-look.yaml"
    settings = resolve(str(folder / "presets" / "my-look.yaml"))  # what --preset FOLDER/presets/my-look.yaml reads
    assert settings.octaves == 2 and settings.zoom == {0: 1.05} and settings.layers == {0: ["block5"]}
    assert client.post("/api/presets", json=body).status_code == 409  # never overwritten unasked
    assert client.post("/api/presets", json={**body, "settings": {"octaves": 3}, "replace": True}).status_code == 200
    listed = {p["name"]: p for p in client.get("/api/presets").json()}
    assert listed["my-look"]["source"] == "folder" and listed["my-look"]["settings"]["octaves"] == 3
    assert {p["source"] for p in listed.values()} == {"shipped", "folder"}
    for name in ("../x", "a" * 41, "has space", ""):
        assert client.post("/api/presets", json={**body, "name": name}).status_code == 422, name
    _hold(client)
    assert client.post("/api/jobs", json={"kind": "zoom", "preset": "my-look", "settings": TINY}).status_code == 200


def test_the_last_settings_of_each_kind_are_remembered(client, folder):
    _hold(client)
    assert client.get("/api/last/zoom").json() == {"kind": "zoom", "settings": {}}
    client.post("/api/jobs", json={"kind": "zoom", "settings": TINY})
    assert client.get("/api/last/zoom").json()["settings"] == TINY
    moved = client.post("/api/jobs", json={"kind": "zoom", "settings": {**TINY, "steps": 2, "preview": True}})
    assert moved.status_code == 200 and client.get("/api/last/zoom").json()["settings"] == TINY  # not a preview's
    assert client.put("/api/last/still", json={"settings": {"steps": 3}}).status_code == 200
    assert client.get("/api/last/still").json()["settings"] == {"steps": 3}
    assert client.get("/api/last/nope").status_code == 404


def test_settings_are_recalled_from_a_render_or_its_sidecar(client, folder):
    sidecar_render(folder / "renders" / "dive.mp4", {"from": "noise"}, frames=48, zoom={0: 1.1}, steps=3)
    expected = {"kind": "zoom", "settings": {"frames": 48, "zoom": {"0": 1.1}, "steps": 3}, "input": "noise"}
    for path in ("renders/dive.mp4", "renders/dive.mp4.yaml"):
        assert client.post("/api/settings-from", json={"path": path}).json() == expected
    text = (folder / "renders" / "dive.mp4.yaml").read_text()  # a sidecar dropped on the page: its text
    assert client.post("/api/settings-from", json={"name": "dive.mp4.yaml", "text": text}).json() == expected
    assert not (folder / "dive.mp4.yaml").exists() and not (folder / "uploads").exists()  # read, never stored
    for bad in ("[1, 2]", "a: &x 1\nb: *x", ": :"):
        refused = client.post("/api/settings-from", json={"name": "x.mp4.yaml", "text": bad})
        assert refused.status_code == 400 and "not a render's sidecar" in refused.json()["error"], bad
    (folder / "uploads").mkdir()
    (folder / "uploads" / "alone.mp4").write_bytes(b"clip")
    missing = client.post("/api/settings-from", json={"path": "uploads/alone.mp4"})
    assert missing.status_code == 404 and "sidecar" in missing.json()["error"]
    assert client.post("/api/settings-from", json={"path": "../x.mp4"}).status_code == 403


def test_events_are_one_job_at_a_time_and_a_gallery_change(client, folder):
    from dreamvideo.studio.routers.events import news

    jobs = _hold(client)
    since = jobs.version
    made = client.post("/api/jobs", json={"kind": "zoom", "settings": TINY}).json()
    sent = news(jobs, since)
    assert len(sent) == 1 and sent[0].startswith("event: job\ndata: ") and made["id"] in sent[0]
    since = jobs.version
    assert news(jobs, since) == []
    sidecar_render(folder / "dive.mp4", {"from": "noise"}, frames=4)
    client.delete("/api/renders/dive.mp4")
    assert news(jobs, since) == ["event: renders\ndata: {}\n\n"]


def test_a_sequence_the_cli_rendered_is_in_the_gallery_and_goes_to_the_trash_with_its_sound(client, folder, runner):
    """The renderer names a sequence's sidecar ``NAME.yaml`` (beside ``NAME.wav``); the studio finds it by the
    same rule, not by ``NAME_%05d.png.yaml``, and moves all of it to the trash and back."""
    from dreamvideo.cli import app
    from tests.conftest import make_clip

    clip = make_clip(folder / "clip.mp4", seconds=0.5, rate="8")
    pattern = folder / "shots" / "dive_%05d.png"
    result = runner.invoke(app, ["video", str(clip), "-o", str(pattern), "--steps", "1", "--octaves", "1"])
    assert result.exit_code == 0, result.output
    made = sorted(p.name for p in pattern.parent.iterdir())
    assert made == ["dive.wav", "dive.yaml", "dive_00001.png", "dive_00002.png", "dive_00003.png", "dive_00004.png"]
    (folder / "notes.yaml").write_text("a: 1\n")  # the user's YAML, not a sidecar
    (folder / "presets").mkdir()
    (folder / "presets" / "mine.yaml").write_text("steps: 2\n")
    listed = client.get("/api/renders").json()["renders"]
    assert [(r["path"], r["kind"], r["frames"]) for r in listed] == [("shots/dive_%05d.png", "video", 4)]
    recalled = client.post("/api/settings-from", json={"path": "shots/dive_%05d.png"})
    assert recalled.status_code == 200 and recalled.json()["settings"]["steps"] == 1
    gone = client.delete("/api/renders/shots/dive_%252505d.png").json()["trash_id"]
    assert sorted(p.name for p in pattern.parent.iterdir()) == [] and client.get("/api/renders").json()["total"] == 0
    assert client.post(f"/api/trash/{gone}/restore").status_code == 200
    assert sorted(p.name for p in pattern.parent.iterdir()) == made
