"""The studio's security rules: token, cookie, Host, Origin, confinement to FOLDER, upload cap, one-line errors."""

from __future__ import annotations

# ruff: noqa: F811  (fixtures are imported by name, pytest injects them by name)
import os
import socket
from pathlib import Path

import pytest

from tests.studio_fixtures import BASE, TOKEN, client, folder, make_client  # noqa: F401

SECRET = "top secret outside the folder"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def test_every_request_needs_the_token(client):
    bare = {"x-studio-token": ""}
    assert client.get("/api/jobs", headers=bare).status_code == 401
    assert client.get("/", headers=bare).status_code == 401
    assert client.get("/api/jobs", headers={"x-studio-token": "wrong"}).status_code == 401
    assert client.get("/static/app.js", headers=bare).status_code == 401
    assert client.get("/api/jobs").status_code == 200
    assert client.get(f"/api/jobs?token={TOKEN}", headers=bare).status_code == 200


def test_first_visit_sets_a_strict_httponly_cookie_and_drops_the_token_from_the_url(client):
    client.headers.pop("x-studio-token")
    response = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and TOKEN.lower() in cookie
    page = client.get("/")  # the cookie alone now lets the page and the API in
    assert page.status_code == 200 and "<title>dreamvideo studio</title>" in page.text
    assert client.get("/api/jobs").status_code == 200


@pytest.mark.parametrize("host", ["evil.example:8188", "127.0.0.1:9999", "attacker.test"])
def test_a_foreign_host_header_is_refused(client, host):
    """DNS rebinding: a hostile name resolving to 127.0.0.1 still sends its own Host."""
    assert client.get("/api/jobs", headers={"host": host}).status_code == 403


@pytest.mark.parametrize("host", ["127.0.0.1:8188", "localhost:8188"])
def test_local_host_names_are_accepted(client, host):
    assert client.get("/api/jobs", headers={"host": host}).status_code == 200


def test_posts_and_deletes_from_another_origin_are_refused(client):
    evil = {"origin": "http://evil.example"}
    assert client.post("/api/jobs", json={"kind": "zoom"}, headers=evil).status_code == 403
    assert client.delete("/api/jobs/abc", headers=evil).status_code == 403
    assert client.post("/api/uploads?name=a.png", content=b"x", headers=evil).status_code == 403
    ours = client.post("/api/jobs", json={"kind": "zoom", "settings": {"octaves": 0}}, headers={"origin": BASE})
    assert ours.status_code == 422  # past the gate, stopped by validation


def test_files_serve_inside_the_folder_only(client, folder, outside):
    (folder / "sub").mkdir()
    (folder / "sub" / "a.txt").write_text("inside")
    assert client.get("/files/sub/a.txt").text == "inside"
    (folder / "link.txt").symlink_to(outside)
    (folder / "linkdir").symlink_to(outside.parent, target_is_directory=True)
    for path in ["/files/../secret.txt", "/files/%2e%2e/secret.txt", "/files/sub/%2e%2e/%2e%2e/secret.txt",
                 "/files/..%2fsecret.txt", f"/files/{outside}", f"/files/%2F{str(outside)[1:]}", "/files/link.txt",
                 "/files/linkdir/secret.txt", "/files/nothing.png"]:
        response = client.get(path)
        assert response.status_code in (403, 404), path
        assert SECRET not in response.text, path


def test_job_inputs_and_outputs_stay_in_the_folder(client, folder, outside):
    (folder / "link.png").symlink_to(outside)
    cases = [{"input": "../secret.txt"}, {"input": str(outside)}, {"input": "link.png"},
             {"input": "%2e%2e/secret.txt"}, {"output": "../out.mp4"}, {"output": str(outside.parent / "o.mp4")}]
    for case in cases:
        body = {"kind": "zoom", "settings": {"frames": 1}, **case}
        response = client.post("/api/jobs", json=body)
        assert response.status_code in (403, 404, 422), case
        assert response.json()["errors"][0]["field"] in ("input", "output"), case
    previews = client.post("/api/preview", json={"kind": "still", "input": "../secret.txt"})
    assert previews.status_code in (403, 404)
    audio = client.post("/api/jobs", json={"kind": "zoom", "settings": {"audio": str(outside)}})
    assert audio.status_code == 422 and audio.json()["errors"][0]["flag"] == "--audio"
    assert not (outside.parent / "out.mp4").exists() and client.get("/api/jobs").json() == []


def test_a_job_may_not_overwrite_an_input_or_another_render(client, folder):
    (folder / "old.mp4").write_bytes(b"a render")
    (folder / "cat.png").write_bytes(b"an input")
    taken = client.post("/api/jobs", json={"kind": "zoom", "output": "old.mp4"})
    assert taken.status_code == 409 and "replace" in taken.json()["error"]
    itself = client.post("/api/jobs", json={"kind": "still", "input": "cat.png", "output": "cat.png", "replace": True})
    assert itself.status_code == 409 and itself.json()["errors"][0]["field"] == "output"
    assert (folder / "old.mp4").read_bytes() == b"a render" and (folder / "cat.png").read_bytes() == b"an input"
    first = client.post("/api/jobs", json={"kind": "zoom", "output": "new.mp4", "settings": {"frames": 1}}).json()
    second = client.post("/api/jobs", json={"kind": "zoom", "output": "new.mp4", "replace": True})
    assert second.status_code == 409 and "another job is writing new.mp4" in second.json()["error"]
    client.delete(f"/api/jobs/{first['id']}")


def test_uploads_past_the_cap_are_413_and_leave_nothing(folder):
    with make_client(folder, max_upload=1000) as capped:
        declared = capped.post("/api/uploads?name=big.png", content=b"x" * 5000)
        assert declared.status_code == 413 and "limit of 0.001 MB" in declared.json()["error"]
        assert "--" not in declared.json()["error"]  # the page's words, not the command line's
        streamed = capped.post("/api/uploads?name=big.png", content=iter([b"x" * 600, b"x" * 600]))
        assert streamed.status_code == 413
        assert os.listdir(folder / "uploads") == []  # no partial file, hidden or not
        ok = capped.post("/api/uploads?name=small.png", content=b"y" * 900)
        assert ok.json() == {"path": "uploads/small.png"}


def test_upload_names_cannot_climb_or_replace(client, folder):
    first = client.post("/api/uploads?name=../../evil.png", content=b"one").json()["path"]
    second = client.post("/api/uploads?name=evil.png", content=b"two").json()["path"]
    assert (first, second) == ("uploads/evil.png", "uploads/evil-2.png")
    assert (folder / first).read_bytes() == b"one" and (folder / second).read_bytes() == b"two"
    assert client.post("/api/uploads?name=run.sh", content=b"x").status_code == 415


def test_a_server_error_is_one_line_without_traceback(client, monkeypatch, caplog):
    from dreamvideo.studio.routers import renders

    def broken(*args):
        raise RuntimeError("boom\nsecond line")
    monkeypatch.setattr(renders, "page", broken)
    response = client.get("/api/renders")
    assert response.status_code == 500
    assert response.json() == {"error": "error: unexpected RuntimeError: boom"}
    logged = [r.getMessage() for r in caplog.records if "boom" in r.getMessage()]
    assert len(logged) == 1 and "\n" not in logged[0] and "Traceback" not in caplog.text


def test_files_refuse_internals_fifos_and_folders(client, folder):
    (folder / ".studio" / "jobs" / "abc").mkdir(parents=True)
    (folder / ".studio" / "jobs" / "abc" / "log.txt").write_text("job log")
    (folder / ".clip.mp4.frames").mkdir()
    (folder / ".clip.mp4.frames" / "frame_000000.png").write_bytes(b"frame")
    os.mkfifo(folder / "pipe.png")  # opening it for reading would block the server
    (folder / "dir.mp4").mkdir()
    for path in (".studio/jobs/abc/log.txt", ".clip.mp4.frames/frame_000000.png", "pipe.png", "dir.mp4",
                 "x" * 5000 + ".png"):
        response = client.get(f"/files/{path}")
        assert response.status_code in (403, 404) and "error" in response.json(), path
    (folder / "a.png").write_bytes(b"png bytes")
    served = client.get("/files/a.png")
    assert served.content == b"png bytes" and served.headers["content-type"] == "image/png"
    assert client.get("/files/a.png", headers={"range": "bytes=1-3"}).content == b"ng "


def test_a_link_swapped_in_after_the_check_is_not_followed(client, folder, outside, monkeypatch):
    """TOCTOU: the name passes ``inside`` and is then replaced by a link out before it is opened."""
    from dreamvideo.studio import paths
    from dreamvideo.studio.routers import files

    (folder / "a.png").write_text("inside")
    (folder / "sub").mkdir()
    (folder / "sub" / "b.png").write_text("inside too")
    real_inside = paths.inside

    def swapping(root, relative_path, must_exist=False):
        target = real_inside(root, relative_path, must_exist)
        if relative_path == "a.png":  # the last name becomes a link
            target.unlink()
            target.symlink_to(outside)
        else:  # a folder on the way becomes a link (O_NOFOLLOW alone would not see it)
            (folder / "sub" / "b.png").unlink()
            (folder / "sub").rmdir()
            (folder / "sub").symlink_to(outside.parent, target_is_directory=True)
            (outside.parent / "b.png").write_text(SECRET)
        return target
    monkeypatch.setattr(files, "inside", swapping)
    for path in ("a.png", "sub/b.png"):
        response = client.get(f"/files/{path}")
        assert response.status_code in (403, 404) and SECRET not in response.text, path


def test_job_outputs_may_not_be_hidden_or_folders(client, folder):
    (folder / "dir.mp4").mkdir()
    cases = {".studio/x.mp4": 422, ".hidden.mp4": 422, "sub/.x/y.mp4": 422, "dir.mp4": 409}
    for output, status in cases.items():
        response = client.post("/api/jobs", json={"kind": "zoom", "output": output, "replace": True,
                                                  "settings": {"frames": 1}})
        assert response.status_code == status and response.json()["errors"][0]["field"] == "output", output
    assert client.get("/api/jobs").json() == [] and not (folder / ".studio" / "x.mp4").exists()


def test_upload_names_keep_their_type_and_fold_accents(client, folder):
    long = client.post("/api/uploads?name=" + "a" * 1000 + ".png", content=b"x")
    assert long.status_code == 200 and long.json()["path"].endswith(".png") and len(long.json()["path"]) < 140
    assert client.post("/api/uploads?name=%C3%A9t%C3%A9.png", content=b"x").json() == {"path": "uploads/ete.png"}


def test_the_gate_refuses_cross_site_fetches_and_odd_hosts(client):
    form = {"kind": "zoom", "settings": {"octaves": 0}}  # 422 once past the gate
    for site in ("cross-site", "same-site"):  # same-site: another app on another localhost port
        assert client.post("/api/jobs", json=form, headers={"sec-fetch-site": site}).status_code == 403
    assert client.post("/api/jobs", json=form, headers={"sec-fetch-site": "same-origin"}).status_code == 422
    assert client.post("/api/jobs", json=form, headers={"origin": "null"}).status_code == 403
    assert client.post("/api/jobs", json=form, headers={"origin": "http://127.0.0.1:9999"}).status_code == 403
    assert client.post("/api/jobs", json=form).status_code == 422  # no Origin: an API client with the token
    for host in ("127.0.0.1.evil.com", "localhost:9999", "", "127.0.0.1:8188@evil.com"):
        assert client.get("/api/jobs", headers={"host": host}).status_code == 403, host
    for host in ("LOCALHOST:8188", "[::1]:8188", "127.0.0.1"):
        assert client.get("/api/jobs", headers={"host": host}).status_code == 200, host
    assert client.get("/api/jobs", headers={"x-studio-token": "x" * 100_000}).status_code == 401


def test_a_non_local_studio_answers_to_the_machine_s_names_and_allowed_ones(folder):
    from dreamvideo.studio.serve import own_names

    assert own_names("127.0.0.1", ("studio.lan",)) == {"studio.lan"}  # nothing looked up for a local bind
    names = own_names("0.0.0.0", ("Studio.LAN",))
    assert "studio.lan" in names and socket.gethostname().lower() in names
    with make_client(folder, hosts=names) as remote:
        assert remote.get("/api/jobs", headers={"host": "studio.lan:8188"}).status_code == 200
        assert remote.get("/api/jobs", headers={"host": "evil.example:8188"}).status_code == 403


def test_an_upload_whose_write_fails_is_one_line_and_leaves_nothing(client, folder, monkeypatch):
    from dreamvideo.studio.routers import uploads

    def full(path):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(uploads, "fsync_file", full)
    response = client.post("/api/uploads?name=clip.png", content=b"x" * 1000)
    assert response.json() == {"error": "error: No space left on device"} and response.status_code == 400
    assert os.listdir(folder / "uploads") == []


def test_error_lines_do_not_tell_the_page_where_the_folder_is(client, folder):
    (folder / "bad.jpg").write_bytes(b"not an image")
    response = client.post("/api/preview", json={"kind": "still", "input": "bad.jpg"})
    assert response.status_code == 400 and "bad.jpg" in response.json()["error"]
    assert str(folder) not in response.text


def test_an_upload_never_replaces_one_that_took_its_name_meanwhile(client, folder, monkeypatch):
    from dreamvideo.studio.routers import uploads

    (folder / "uploads").mkdir()
    (folder / "uploads" / "same.png").write_bytes(b"the first upload")
    real = uploads.free_name
    calls = []

    def racing(directory, name):  # the first check ran before "same.png" was finished by another upload
        calls.append(name)
        return directory / name if len(calls) == 2 else real(directory, name)
    monkeypatch.setattr(uploads, "free_name", racing)
    assert client.post("/api/uploads?name=same.png", content=b"second").json() == {"path": "uploads/same-2.png"}
    assert (folder / "uploads" / "same.png").read_bytes() == b"the first upload"
    assert sorted(os.listdir(folder / "uploads")) == ["same-2.png", "same.png"]


def test_the_cookie_is_named_by_port_so_two_studios_keep_their_sign_in(folder):
    with make_client(folder) as one:
        one.headers.pop("x-studio-token")
        signed = one.get(f"/?token={TOKEN}", follow_redirects=False).headers["set-cookie"]
        assert signed.startswith("dreamvideo_studio_8188=")
        assert one.get("/api/jobs").status_code == 200
        one.cookies.clear()
        one.cookies.set("dreamvideo_studio", TOKEN)  # another port's cookie does not sign in here
        assert one.get("/api/jobs").status_code == 401


def test_files_a_render_reads_must_be_regular_files(client, folder):
    """A FIFO named as audio, weights or a guide would hang the preview (holding its lock) or the render."""
    for name in ("pipe.mp3", "pipe.pt", "pipe.png"):
        os.mkfifo(folder / name)
    cases = {"audio": {"audio": "pipe.mp3"}, "weights": {"weights": "pipe.pt"},
             "objective": {"objective": "guide:pipe.png"}}
    for field, settings in cases.items():
        for endpoint in ("/api/jobs", "/api/preview"):
            response = client.post(endpoint, json={"kind": "zoom", "settings": {"size": 64, **settings}})
            assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, (field, endpoint)


def test_the_live_frame_does_not_follow_a_link_planted_in_a_work_folder(client, folder, outside):
    jobs = client.app.state.jobs
    with jobs.lock:
        jobs.stopping = True
        jobs.lock.notify_all()
    jobs.thread.join(5)
    made = client.post("/api/jobs", json={"kind": "zoom", "output": "dive.mp4", "settings": {"frames": 2}}).json()
    frames = folder / ".dive.mp4.frames"
    frames.mkdir()
    (frames / "frame_000000.png").write_bytes(b"\x89PNG frame")
    assert client.get(f"/api/jobs/{made['id']}/frame").content == b"\x89PNG frame"
    (frames / "frame_000001.png").symlink_to(outside)
    response = client.get(f"/api/jobs/{made['id']}/frame")
    assert response.status_code == 204 and SECRET not in response.text


def test_the_folder_keeps_its_token_owner_only_and_never_serves_it(client, folder):
    from dreamvideo.studio.security import folder_token

    first = folder_token(folder)
    path = folder / ".studio" / "token"
    assert folder_token(folder) == first  # a restart on the same folder: the same URL
    assert path.stat().st_mode & 0o777 == 0o600
    fresh = folder_token(folder, fresh=True)
    assert fresh != first and folder_token(folder) == fresh
    path.unlink()
    path.symlink_to(folder / "elsewhere")  # a planted link is never read through
    (folder / "elsewhere").write_text("a" * 30)
    assert folder_token(folder) not in (first, fresh, "a" * 30) and not path.is_symlink()
    for url in ("/files/.studio/token", "/files/.studio/../.studio/token", "/files/%2Estudio/token"):
        response = client.get(url)
        assert response.status_code in (403, 404) and folder_token(folder) not in response.text


def test_a_page_without_the_token_says_what_to_do_and_the_api_answers_one_line(client):
    bare = {"x-studio-token": ""}
    page = client.get("/", headers=bare)
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert "dreamvideo studio FOLDER" in page.text and "terminal printed" in page.text
    typed = client.get("/files/x.png", headers={**bare, "accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert typed.status_code == 401 and "<h1>" in typed.text  # a page the browser navigated to
    api = client.get("/api/jobs", headers={**bare, "accept": "*/*"})
    assert api.status_code == 401 and api.json()["error"].startswith("missing or wrong token")


def test_any_static_file_is_served_nested_too_and_nothing_outside(client, monkeypatch, tmp_path):
    from dreamvideo.studio.routers import files

    static = tmp_path / "static"
    (static / "panels").mkdir(parents=True)
    (static / "panels" / "gallery.js").write_text("export const x = 1;")
    (static / "style.css").write_text("body {}")
    (tmp_path / "secret.js").write_text(SECRET)
    monkeypatch.setattr(files, "static_root", lambda: static)
    module = client.get("/static/panels/gallery.js")
    assert module.status_code == 200 and module.text == "export const x = 1;"
    assert module.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")
    for path in ("../secret.js", "%2e%2e/secret.js", "panels/../../secret.js", "panels", "nope.js"):
        response = client.get(f"/static/{path}")
        assert response.status_code == 404 and SECRET not in response.text, path


def test_the_shipped_page_files_are_served(client):
    assert client.get("/static/main.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/").status_code == 200


def test_a_download_is_an_attachment_and_a_view_is_not(client, folder):
    (folder / "renders").mkdir()
    (folder / "renders" / "my dive.mp4").write_bytes(b"clip")
    saved = client.get("/files/renders/my%20dive.mp4?download=1")
    assert saved.status_code == 200 and saved.headers["content-disposition"].startswith("attachment")
    assert "my%20dive.mp4" in saved.headers["content-disposition"]
    assert "content-disposition" not in client.get("/files/renders/my%20dive.mp4").headers
