"""Render jobs: a tiny zoom from queued to done and into the gallery, cancel keeps frames and resume finishes,
a failure reports the CLI's one line, and Ctrl-C on the server stops a render as Ctrl-C stops the CLI."""

from __future__ import annotations

# ruff: noqa: F811  (fixtures are imported by name, pytest injects them by name)
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import IMAGES
from tests.studio_fixtures import TINY, client, folder, wait_for  # noqa: F401
from tests.studio_server import StudioServer


def test_a_tiny_zoom_goes_queued_running_done_and_shows_in_the_gallery(client, folder):
    made = client.post("/api/jobs", json={"kind": "zoom", "output": "dive.mp4", "settings": TINY}).json()
    job = client.get(f"/api/jobs/{made['id']}").json()
    assert job["state"] in ("queued", "running") and job["frames_total"] == 4
    seen = wait_for(client, made["id"], ("running", "done", "failed"))
    assert seen["state"] == "running", seen
    done = wait_for(client, made["id"], ("done", "failed", "cancelled"))
    assert done["state"] == "done", done
    assert (done["frames_done"], done["frames_total"], done["error"]) == (4, 4, None)
    sidecar = yaml.safe_load((folder / "dive.mp4.yaml").read_text())
    assert sidecar["steps"] == 2 and sidecar["meta"]["from"] == "noise"
    gallery = {r["path"]: r for r in client.get("/api/renders").json()["renders"]}
    assert gallery["dive.mp4"]["kind"] == "zoom" and gallery["dive.mp4"]["frames"] == 4
    assert client.get("/files/dive.mp4").content[4:8] == b"ftyp"
    again = client.post("/api/jobs", json={"kind": "zoom", "output": "dive.mp4", "settings": TINY})
    assert again.status_code == 409  # the finished render is not overwritten without replace
    assert [j["id"] for j in client.get("/api/jobs").json()] == [made["id"]]
    first_seed = sidecar["seed"]
    replaced = client.post("/api/jobs", json={"kind": "zoom", "output": "dive.mp4", "settings": {**TINY, "seed": 9},
                                              "replace": True}).json()
    assert wait_for(client, replaced["id"], ("done", "failed", "cancelled"))["state"] == "done"
    assert yaml.safe_load((folder / "dive.mp4.yaml").read_text())["seed"] == 9 != first_seed


def test_cancel_keeps_the_frames_and_resume_finishes_from_them(client, folder):
    settings = {**TINY, "frames": 30, "steps": 4}  # long enough to be caught running on an idle machine
    made = client.post("/api/jobs", json={"kind": "zoom", "output": "long.gif", "settings": settings}).json()
    running = wait_for(client, made["id"], ("done", "failed"), until=lambda j: j["frames_done"] >= 2)
    assert running["state"] == "running" and running["s_per_frame"] is not None and running["eta_s"] is not None
    frame = client.get(f"/api/jobs/{made['id']}/frame")
    assert frame.status_code == 200 and frame.content[:4] == b"\x89PNG"  # the live view's latest frame
    assert client.delete(f"/api/jobs/{made['id']}").status_code == 200
    cancelled = wait_for(client, made["id"], ("cancelled", "failed", "done"))
    assert cancelled["state"] == "cancelled" and cancelled["error"].startswith("Cancelled with ")
    assert f"Resume carries on from frame {cancelled['frames_done'] + 1}" in cancelled["error"]
    kept = sorted(p.name for p in (folder / ".long.gif.frames").glob("frame_*.png"))
    assert len(kept) >= 2 and cancelled["frames_done"] == len(kept)
    assert client.post(f"/api/jobs/{made['id']}/resume").json()["state"] == "queued"
    done = wait_for(client, made["id"], ("done", "failed", "cancelled"))
    assert done["state"] == "done" and done["frames_done"] == 30
    log = (folder / ".studio" / "jobs" / made["id"] / "log.txt").read_text()
    assert f"resuming from frame {len(kept)}" in log
    assert (folder / "long.gif").read_bytes()[:3] == b"GIF"


def test_a_still_renders_and_a_failed_render_reports_the_cli_error_line(client, folder):
    (folder / "broken.mp4").write_text("not a video")
    (folder / "cat.jpg").write_bytes((IMAGES / "chelsea.jpg").read_bytes())
    bad = client.post("/api/jobs", json={"kind": "video", "input": "broken.mp4", "settings": TINY}).json()
    still = client.post("/api/jobs", json={"kind": "still", "input": "cat.jpg", "settings": TINY}).json()
    assert still["output"].startswith("renders/still-") and still["output"].endswith(".png")
    failed = wait_for(client, bad["id"], ("done", "failed", "cancelled"))
    assert failed["state"] == "failed"
    assert failed["error"] == "error: cannot read video broken.mp4: not a video file or it is corrupt"
    done = wait_for(client, still["id"], ("done", "failed", "cancelled"))
    assert (done["state"], done["frames_done"], done["frames_total"]) == ("done", 1, 1)
    card = {r["path"]: r for r in client.get("/api/renders").json()["renders"]}[still["output"]]
    assert (card["kind"], card["input"], card["size"]) == ("still", "cat.jpg", [64, 64])


def test_ctrl_c_on_the_server_stops_the_render_keeping_frames_for_resume(folder):
    server = StudioServer(folder)
    try:
        assert server.url.startswith("http://127.0.0.1:") and "?token=" in server.url
        with server.client() as api:
            made = api.post("/api/jobs", json={"kind": "zoom", "output": "z.mp4",
                                               "settings": {**TINY, "frames": 30}}).json()
            with api.stream("GET", "/api/events") as events:  # live progress as named server-sent events
                name, names = None, []
                for line in events.iter_lines():
                    if line.startswith("event: "):
                        name = line[7:]
                        names.append(name)
                    elif line.startswith("data: "):
                        data = json.loads(line[6:])
                        job = data[0] if name == "jobs" and data else data if name == "job" else None
                        if job and job["frames_done"] >= 1:
                            break
            assert names[0] == "jobs" and set(names) <= {"jobs", "job", "renders"}  # the list, then one job
    finally:
        code, err = server.stop()
    assert code == 0 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("studio stopped; z.mp4 stopped with ")
    kept = list((folder / ".z.mp4.frames").glob("frame_*.png"))
    assert kept and not (folder / "z.mp4").exists()
    job = json.loads((folder / ".studio" / "jobs" / made["id"] / "job.json").read_text())
    assert job["state"] == "cancelled"
    log = (folder / ".studio" / "jobs" / made["id"] / "log.txt").read_text()
    assert "interrupted" in log and "run the same command again to resume" in log
    again = StudioServer(folder)  # the next session lists the job, resumable
    try:
        with again.client() as api:
            listed = api.get(f"/api/jobs/{made['id']}").json()
            assert listed["state"] == "cancelled" and "Resume" in listed["error"]
        assert again.token == server.token  # the folder keeps its token: the same URL (and tab) goes on working
    finally:
        again.stop()


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, from /proc."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def _running(pid: int) -> bool:
    """Still running: a zombie has ended (only its exit status is left for a parent to collect)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="finds the render's process in /proc")
def test_a_killed_studio_takes_its_running_render_with_it(folder):
    """SIGKILL of the server (no shutdown code runs) left its render going, writing on with no one to
    report to. The child now stops within seconds, as Ctrl-C stops it: its frames are kept for resume."""
    server = StudioServer(folder)
    try:
        with server.client() as api:
            made = api.post("/api/jobs", json={"kind": "zoom", "output": "z.mp4",
                                               "settings": {**TINY, "frames": 300}}).json()
            running = wait_for(api, made["id"], ("done", "failed", "cancelled"), until=lambda j: j["frames_done"])
        assert running["state"] == "running", running
        children = _children(server.process.pid)
        assert len(children) == 1
    finally:
        server.process.send_signal(signal.SIGKILL)
        server.process.communicate()
    deadline = time.monotonic() + 15
    while _running(children[0]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(children[0])
    log = (folder / ".studio" / "jobs" / made["id"] / "log.txt").read_text()
    assert "interrupted" in log and "run the same command again to resume" in log
    assert list((folder / ".z.mp4.frames").glob("frame_*.png")) and not (folder / "z.mp4").exists()


def test_a_child_stops_when_its_lifeline_ends_without_the_kernels_signal():
    """The portable half of the lifeline (no PR_SET_PDEATHSIG, as off Linux): end-of-file on stdin,
    which the kernel gives when the studio's process ends, is Ctrl-C for the child, even when the studio was
    started in the background with Ctrl-C ignored (its children inherit that). ("held" is said
    inside the try, so a busy machine cannot deliver the Ctrl-C before the child listens for it.)"""
    from dreamvideo.studio import lifeline

    code = ("import time\nfrom dreamvideo.studio import lifeline\nlifeline._parent_death_signal = lambda: False\n"
            "lifeline.hold()\ntry:\n    print('held', flush=True)\n    time.sleep(60)\n"
            "except KeyboardInterrupt:\n    print('interrupted')\n")
    options = lifeline.child_options()
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, **options.pop("env")}, **options,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))  # as under nohup ... &
    try:
        assert child.stdout.readline() == "held\n"
        lifeline.release(child)  # what the kernel does to the studio's end when the studio dies
        assert child.wait(10) == 0 and child.stdout.read() == "interrupted\n"
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


def test_the_studio_warns_on_a_non_local_host(folder):
    server = StudioServer(folder, "--host", "0.0.0.0")
    code, err = server.stop()
    assert err.splitlines()[0].startswith("warning: --host 0.0.0.0 lets other machines")
    assert code == 0


def test_without_fastapi_the_command_says_how_to_install(runner, monkeypatch, tmp_path):
    import sys

    from dreamvideo.cli import app

    monkeypatch.setitem(sys.modules, "fastapi", None)  # import fastapi now raises ImportError
    result = runner.invoke(app, ["studio", str(tmp_path), "--no-browser"])
    assert result.exit_code == 1
    assert result.output.strip() == 'error: the studio needs FastAPI and uvicorn: pip install "dreamvideo[studio]"'


def test_progress_is_read_from_the_work_folder(tmp_path):
    from dreamvideo.studio.child import Watch

    output = tmp_path / "out.mp4"
    work = tmp_path / ".out.mp4.frames"
    work.mkdir()
    (work / "frame_000000.png").write_bytes(b"kept")  # a resume: one frame from an earlier run
    watch = Watch(output, total=5, started=0.0)
    assert watch.poll() == {"frames_done": 1, "latest": 0, "s_per_frame": None, "eta_s": None}
    for index in (1, 2):  # two frames between polls still give a rate
        (work / f"frame_{index:06d}.png").write_bytes(b"new")
    first = watch.poll()
    assert first["frames_done"] == 3 and first["latest"] == 2 and first["s_per_frame"] > 0
    (work / "frame_000003.png").write_bytes(b"new")
    (work / ".frame_000004.123.partial.png").write_bytes(b"half")  # not a frame until renamed
    later = watch.poll()
    assert later["frames_done"] == 4 and later["s_per_frame"] is not None and later["eta_s"] >= 0


def test_a_motion_preview_job_renders_the_path_without_a_dream_and_says_so(client, folder):
    """The page's Motion preview runs the same zoom with ``preview: true``: the camera path in seconds,
    its frames in the preview's own work folder, its sidecar marked, and it shows in the gallery."""
    made = client.post("/api/jobs", json={"kind": "zoom", "output": "path.mp4",
                                          "settings": {**TINY, "frames": 12, "preview": True}}).json()
    done = wait_for(client, made["id"], ("done", "failed", "cancelled"))
    assert (done["state"], done["frames_done"], done["error"]) == ("done", 12, None), done
    sidecar = yaml.safe_load((folder / "path.mp4.yaml").read_text())
    assert sidecar["meta"]["preview"] is True
    assert not (folder / ".path.mp4.frames").exists()  # a real render's work folder is never made
    assert {r["path"] for r in client.get("/api/renders").json()["renders"]} == {"path.mp4"}


def _hold(client):
    """Stop the queue's worker, so submitted jobs stay queued (nothing renders in these tests)."""
    jobs = client.app.state.jobs
    with jobs.lock:
        jobs.stopping = True
        jobs.lock.notify_all()
    jobs.thread.join(5)
    return jobs


def test_the_live_frame_is_the_jobs_latest_without_listing_the_work_folder(client, folder, monkeypatch):
    """Each fetch of the live frame listed the work folder (thousands of frames in a long render),
    although the queue's poll already knows the newest one."""
    from dreamvideo.studio import child

    jobs = _hold(client)
    made = client.post("/api/jobs", json={"kind": "zoom", "output": "dive.mp4", "settings": TINY}).json()
    frames = folder / ".dive.mp4.frames"
    frames.mkdir()
    for index in (0, 1):
        (frames / f"frame_{index:06d}.png").write_bytes(b"\x89PNG frame %d" % index)
    jobs.jobs[made["id"]].latest = 0  # as the queue's last poll saw it

    def listed(watch):
        raise AssertionError("the work folder was listed")
    monkeypatch.setattr(child.Watch, "indices", listed)
    assert client.get(f"/api/jobs/{made['id']}/frame").content == b"\x89PNG frame 0"


def test_the_queue_is_bounded(client, monkeypatch):
    from dreamvideo.studio import jobs as jobs_module

    _hold(client)
    monkeypatch.setattr(jobs_module, "MAX_QUEUED", 3)
    codes = [client.post("/api/jobs", json={"kind": "zoom", "output": f"q{i}.mp4", "settings": TINY}).status_code
             for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    refused = client.post("/api/jobs", json={"kind": "zoom", "settings": TINY}).json()
    assert refused["error"].startswith("3 jobs are waiting already")
    job = client.get("/api/jobs").json()[0]
    assert client.delete(f"/api/jobs/{job['id']}").json()["state"] == "cancelled"
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 409  # twice: a clean refusal
    assert client.post("/api/jobs", json={"kind": "zoom", "settings": TINY}).status_code == 200


def test_an_output_may_not_be_a_file_the_render_reads(client, folder):
    from tests.conftest import make_clip

    make_clip(folder / "song.mp4", seconds=0.3)
    _hold(client)
    response = client.post("/api/jobs", json={"kind": "zoom", "output": "song.mp4", "replace": True,
                                              "settings": {**TINY, "audio": "song.mp4"}})
    assert response.status_code == 409 and "is the audio file this render reads" in response.json()["error"]
    assert client.get("/api/jobs").json() == []


def test_a_job_stopped_before_it_spoke_does_not_report_its_own_command(tmp_path):
    from dreamvideo.studio.child import SILENT, last_line

    log = tmp_path / "log.txt"
    log.write_text("dreamvideo zoom --from noise -o a.mp4 --preset /x/settings.yaml\n")
    assert last_line(log) == SILENT
    log.write_text("dreamvideo zoom -o a.mp4\nframe 1/4\nerror: --octaves: too small\n")
    assert last_line(log) == "error: --octaves: too small"


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_many_event_streams_take_no_threads_and_leave_none(folder):
    server = StudioServer(folder)
    try:
        port, tasks = int(server.base.rsplit(":", 1)[1]), f"/proc/{server.process.pid}/task"
        before, streams = len(os.listdir(tasks)), []
        for _ in range(40):
            stream = socket.create_connection(("127.0.0.1", port), timeout=5)
            stream.sendall(f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           f"X-Studio-Token: {server.token}\r\n\r\n".encode())
            streams.append(stream)
        assert all(stream.recv(15) == b"HTTP/1.1 200 OK" for stream in streams)
        during = len(os.listdir(tasks))
        for stream in streams:
            stream.close()
        with server.client() as api:
            assert api.get("/api/jobs").status_code == 200
        assert during <= before + 2, (before, during)  # the gate is async: no worker thread per request
    finally:
        assert server.stop()[0] == 0


def test_resume_never_overwrites_a_render_finished_there_since(client, folder):
    _hold(client)
    made = client.post("/api/jobs", json={"kind": "zoom", "output": "dive.mp4", "settings": TINY}).json()
    assert client.delete(f"/api/jobs/{made['id']}").json()["state"] == "cancelled"
    (folder / "dive.mp4").write_bytes(b"another render, made with replace meanwhile")
    refused = client.post(f"/api/jobs/{made['id']}/resume")
    assert refused.status_code == 409 and "rendered since" in refused.json()["error"]
    (folder / "dive.mp4").unlink()
    assert client.post(f"/api/jobs/{made['id']}/resume").json()["state"] == "queued"


def test_a_file_named_like_an_option_reaches_the_cli_as_a_path(tmp_path):
    from dreamvideo.studio.child import command

    args = command("still", "--restart.png", "-x.png", tmp_path / "settings.yaml")
    assert args[4:7] == ["./--restart.png", "-o", "./-x.png"] and "--restart" not in args


def test_six_quick_clicks_make_six_jobs_with_six_names(client, folder):
    jobs = _hold(client)
    made = [client.post("/api/jobs", json={"kind": "zoom", "settings": TINY}) for _ in range(6)]
    assert [r.status_code for r in made] == [200] * 6, [r.text for r in made]
    outputs = [r.json()["output"] for r in made]
    assert len(set(outputs)) == 6 and all(o.startswith("renders/zoom-") and o.endswith(".mp4") for o in outputs)
    assert len(client.get("/api/jobs").json()) == 6
    from concurrent.futures import ThreadPoolExecutor  # two tabs at the same second: the queue picks apart

    with ThreadPoolExecutor(4) as pool:
        more = list(pool.map(lambda _: jobs.submit("zoom", "noise", None, TINY, False).output, range(8)))
    assert len(set(more) | set(outputs)) == 14


def test_an_input_that_does_not_fit_its_kind_is_refused_on_input(client, folder):
    from tests.conftest import make_clip

    _hold(client)
    (folder / "cat.jpg").write_bytes((IMAGES / "chelsea.jpg").read_bytes())
    (folder / "photo.mp4").write_bytes((IMAGES / "chelsea.jpg").read_bytes())  # a JPEG, whatever its name
    make_clip(folder / "clip.mp4", seconds=0.3, audio=False)
    for kind, source, words in (("video", "cat.jpg", "is a picture"), ("video", "photo.mp4", "is a picture"),
                                ("zoom", "clip.mp4", "is a clip"), ("still", "clip.mp4", "is a clip")):
        refused = client.post("/api/jobs", json={"kind": kind, "input": source, "settings": TINY})
        problem = refused.json()["errors"][0]
        assert refused.status_code == 422 and problem["field"] == "input" and words in problem["message"], refused.text
        assert "--" not in refused.json()["error"]
    assert "render it as a video" in client.post("/api/jobs", json={"kind": "zoom", "input": "clip.mp4"}).json()["error"]
    assert client.post("/api/jobs", json={"kind": "video", "input": "clip.mp4", "settings": TINY}).status_code == 200
    assert client.post("/api/jobs", json={"kind": "zoom", "input": "cat.jpg", "settings": TINY}).status_code == 200


def test_a_motion_preview_is_marked_and_refused_for_a_still(client, folder):
    _hold(client)
    (folder / "cat.jpg").write_bytes((IMAGES / "chelsea.jpg").read_bytes())
    still = client.post("/api/jobs", json={"kind": "still", "input": "cat.jpg", "settings": {"preview": True}})
    assert still.status_code == 422 and still.json()["errors"][0]["field"] == "preview"
    assert "does not move" in still.json()["error"]
    made = client.post("/api/jobs", json={"kind": "zoom", "settings": {**TINY, "preview": True}}).json()
    job = client.get(f"/api/jobs/{made['id']}").json()
    assert job["preview"] is True and job["title"] == "Motion preview: zoom from noise"
    real = client.post("/api/jobs", json={"kind": "zoom", "settings": TINY}).json()
    assert client.get(f"/api/jobs/{real['id']}").json()["preview"] is False


def test_progress_never_goes_back_when_the_work_folder_is_assembled_away(tmp_path):
    from dreamvideo.studio.child import Watch

    work = tmp_path / ".out.mp4.frames"
    work.mkdir()
    watch = Watch(tmp_path / "out.mp4", total=3, started=0.0)
    watch.poll()
    for index in range(3):
        (work / f"frame_{index:06d}.png").write_bytes(b"new")
        watch.poll()
    for frame in work.iterdir():  # the render assembles the output and removes its frames
        frame.unlink()
    work.rmdir()
    last = watch.poll()
    assert (last["frames_done"], last["latest"], last["eta_s"]) == (3, 2, 0.0)


def test_a_finished_job_reports_its_whole_render_rate_and_time(folder):
    from dreamvideo.studio.jobs import Job, JobQueue

    queue = JobQueue(folder)
    queue.stop()
    job = Job("abc", "zoom", "noise", "a.mp4", {}, state="running", frames_total=4, started=time.time() - 8)
    job.first, job.frames_done = 1, 1  # a resume: one frame was kept from an earlier run of 6 s for 1 frame
    job.run_s, job.made = 6.0, 1
    log = folder / "log.txt"
    log.write_text("dreamvideo zoom\n")
    queue._finish(job, 0, log)
    public = job.public()
    assert public["state"] == "done" and (public["done"], public["total"]) == (4, 4)
    assert public["elapsed"] == pytest.approx(14, abs=1) and public["rate"] == pytest.approx(14 / 4, abs=0.3)
    assert public["s_per_frame"] == public["rate"]  # not the first frame's rate
    stopped = Job("def", "zoom", "noise", "b.mp4", {}, state="running", frames_total=30, started=time.time())
    stopped.frames_done = 7
    queue._finish(stopped, 130, log)
    assert stopped.error == "Cancelled with 7 of 30 frames finished; Resume carries on from frame 8"
